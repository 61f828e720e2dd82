import { describe, expect, it } from 'vitest';
import { createLogger, redact, toLogSink, type LogLevel } from './logger';

function capture(level: LogLevel) {
  const lines: string[] = [];
  const logger = createLogger(level, 'test', (lvl, ns, msg) => lines.push(`${lvl} ${ns} ${msg}`));
  return { logger, lines };
}

describe('logger', () => {
  it('filters by level and namespaces children', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    logger.child('transport').warn('lost');
    expect(lines).toEqual(['info test shown', 'warn test:transport lost']);
  });

  it('prints nothing when silent', () => {
    const { logger, lines } = capture('silent');
    logger.error('x');
    expect(lines).toEqual([]);
  });

  it('never prints Authorization headers, digest responses or password values', () => {
    const { logger, lines } = capture('debug');
    logger.child('sip').debug(
      'REGISTER sip:voxline.test SIP/2.0\r\nAuthorization: Digest username="alice", realm="voxline.test", response="0123456789abcdef"\r\n' +
        'Proxy-Authorization: Digest username="alice", response="fedcba"\r\n',
    );
    logger.info('options {"user":"alice","password":"hunter2"} and authorizationPassword: s3cret, credential=turnpw');
    const out = lines.join('\n');
    expect(out).not.toContain('0123456789abcdef');
    expect(out).not.toContain('fedcba');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('s3cret');
    expect(out).not.toContain('turnpw');
    expect(out).toContain('Authorization: [redacted]');
    expect(out).toContain('"password":[redacted]');
  });

  it('masks places, not substrings: a short password does not garble (and so reveal itself in) other text', () => {
    // Substring masking with the password "1" turned ws://127.0.0.1 into ws://[redacted]27.0.0.[redacted].
    expect(redact('connected to ws://127.0.0.1:5066')).toBe('connected to ws://127.0.0.1:5066');
  });

  it('sends lines to a function sink or to an object logger with level methods', () => {
    const seen: string[] = [];
    const fromObject = toLogSink({ debug: (m: string) => seen.push(`d ${m}`), info: (m: string) => seen.push(`i ${m}`), warn: (m: string) => seen.push(`w ${m}`), error: (m: string) => seen.push(`e ${m}`) });
    createLogger('info', 'voxline', fromObject!).child('transport').warn('lost');
    expect(seen).toEqual(['w [voxline:voxline:transport] lost']);
    expect(toLogSink({ warn: () => undefined })).toBeNull();
    expect(toLogSink(42)).toBeNull();
  });

  it('redact() masks digest response values outside headers too', () => {
    expect(redact('response="abc123", nc=1')).toBe('response="[redacted]", nc=1');
  });

  it('survives a sink that throws', () => {
    const logger = createLogger('debug', 'x', () => {
      throw new Error('broken sink');
    });
    expect(() => logger.error('boom')).not.toThrow();
  });
});

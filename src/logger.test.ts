import { describe, expect, it } from 'vitest';
import { createLogger, redact, type LogLevel } from './logger';

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

  it('never prints Authorization headers, digest responses or registered secrets', () => {
    const { logger, lines } = capture('debug');
    logger.addSecret('hunter2');
    logger.child('sip').debug(
      'REGISTER sip:voxline.test SIP/2.0\r\nAuthorization: Digest username="alice", realm="voxline.test", response="0123456789abcdef"\r\n' +
        'Proxy-Authorization: Digest username="alice", response="fedcba"\r\nX-Note: password is hunter2\r\n',
    );
    const out = lines.join('\n');
    expect(out).not.toContain('0123456789abcdef');
    expect(out).not.toContain('fedcba');
    expect(out).not.toContain('hunter2');
    expect(out).toContain('Authorization: [redacted]');
    expect(out).toContain('X-Note: password is [redacted]');
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

import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors';
import { DEFAULT_OPTIONS, resolveOptions } from './options';

function keyOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).code).toBe('configuration');
    expect((err as Error).message).toContain(`"${(err as ConfigurationError).key}"`);
    return (err as ConfigurationError).key;
  }
  throw new Error('expected a ConfigurationError');
}

describe('resolveOptions', () => {
  it('applies defaults and derives the domain from the first server', () => {
    const o = resolveOptions({ servers: ['wss://sip.example.com:8443/ws'] });
    expect(o).toMatchObject({
      servers: ['wss://sip.example.com:8443/ws'],
      domain: 'sip.example.com',
      iceServers: [],
      logLevel: 'warn',
      connectTimeoutMs: DEFAULT_OPTIONS.connectTimeoutMs,
      registerExpiresSec: 600,
    });
    expect(o.userAgent).toMatch(/^Voxline\//);
  });

  it('treats undefined values as absent', () => {
    expect(resolveOptions({ servers: ['ws://127.0.0.1:5066'], domain: undefined, logLevel: undefined }).domain).toBe('127.0.0.1');
  });

  it.each([
    [{}, 'servers'],
    [{ servers: [] }, 'servers'],
    [{ servers: 'ws://x' }, 'servers'],
    [{ servers: ['http://example.com'] }, 'servers[0]'],
    [{ servers: ['ws://ok.test', 'not a url'] }, 'servers[1]'],
    [{ servers: ['ws://ok.test', ''] }, 'servers[1]'],
    [{ servers: ['ws://ok.test'], sever: 1 }, 'sever'],
    [{ servers: ['ws://ok.test'], domain: 'bad domain' }, 'domain'],
    [{ servers: ['ws://ok.test'], logLevel: 'loud' }, 'logLevel'],
    [{ servers: ['ws://ok.test'], iceServers: {} }, 'iceServers'],
    [{ servers: ['ws://ok.test'], iceServers: [{ url: 'stun:x' }] }, 'iceServers[0].urls'],
    [{ servers: ['ws://ok.test'], connectTimeoutMs: -1 }, 'connectTimeoutMs'],
    [{ servers: ['ws://ok.test'], connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
    [{ servers: ['ws://ok.test'], registerExpiresSec: 10 }, 'registerExpiresSec'],
    [{ servers: ['ws://ok.test'], displayName: 42 }, 'displayName'],
    [{ servers: ['ws://ok.test'], userAgent: '' }, 'userAgent'],
  ])('rejects %j naming "%s"', (input, key) => {
    expect(keyOf(() => resolveOptions(input))).toBe(key);
  });

  it('rejects a non-object', () => {
    expect(keyOf(() => resolveOptions(null))).toBe('options');
    expect(keyOf(() => resolveOptions('ws://x'))).toBe('options');
  });
});

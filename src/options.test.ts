import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors';
import { DEFAULT_OPTIONS } from './options';
import { resolveOptions } from './resolve-options';

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
      iceTransportPolicy: 'all',
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
    [{ servers: ['ws://ok.test'], iceTransportPolicy: 'turn' }, 'iceTransportPolicy'],
    [{ servers: ['ws://ok.test'], iceTransportPolicy: null }, 'iceTransportPolicy'],
    [{ servers: ['ws://ok.test'], iceServers: [{ url: 'stun:x' }] }, 'iceServers[0].urls'],
    [{ servers: ['ws://ok.test'], connectTimeoutMs: -1 }, 'connectTimeoutMs'],
    [{ servers: ['ws://ok.test'], connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
    [{ servers: ['ws://ok.test'], registerExpiresSec: 10 }, 'registerExpiresSec'],
    [{ servers: ['ws://ok.test'], displayName: 42 }, 'displayName'],
    [{ servers: ['ws://ok.test'], userAgent: '' }, 'userAgent'],
    [{ servers: ['wss://alice:secret@sip.example.com'] }, 'servers[0]'],
    [{ servers: ['ws://ok.test'], displayName: 'Eve\r\nX-Injected: 1' }, 'displayName'],
    [{ servers: ['ws://ok.test'], displayName: 'Eve\u0000' }, 'displayName'],
    [{ servers: ['ws://ok.test'], userAgent: 'UA\nVia: SIP/2.0/WSS evil' }, 'userAgent'],
    [{ servers: ['ws://ok.test'], maxQueuedMessages: 0 }, 'maxQueuedMessages'],
    [{ servers: ['ws://ok.test'], maxQueuedMessages: 1.5 }, 'maxQueuedMessages'],
    [{ servers: ['ws://ok.test'], maxIncomingCalls: -1 }, 'maxIncomingCalls'],
    [{ servers: ['ws://ok.test'], resumeCalls: 'yes' }, 'resumeCalls'],
    [{ servers: ['ws://ok.test'], callResumeWindowMs: 50 }, 'callResumeWindowMs'],
    [{ servers: ['ws://ok.test'], callResumeWindowMs: 1.5e3 + 0.5 }, 'callResumeWindowMs'],
    [{ servers: ['ws://ok.test'], callResumeWindowMs: 600_001 }, 'callResumeWindowMs'],
    [{ servers: ['ws://ok.test'], callRecoveryTimeoutMs: 0 }, 'callRecoveryTimeoutMs'],
    [{ servers: ['ws://ok.test'], callRecoveryTimeoutMs: '30s' }, 'callRecoveryTimeoutMs'],
    [{ servers: ['ws://ok.test'], callRecoveryTimeoutMs: 700_000 }, 'callRecoveryTimeoutMs'],
    [{ servers: ['ws://ok.test'], keepAlive: { worker: 'no' } }, 'keepAlive.worker'],
    [{ servers: ['ws://ok.test'], logger: { warn: () => undefined } }, 'logger'],
    [{ servers: ['ws://ok.test'], logger: 'console' }, 'logger'],
    [{ servers: ['ws://ok.test'], qualityThresholds: { rtt: 100 } }, 'qualityThresholds.rtt'],
    [{ servers: ['ws://ok.test'], qualityThresholds: { jitterMs: -1 } }, 'qualityThresholds.jitterMs'],
    [{ servers: ['ws://ok.test'], qualityThresholds: { packetLossPercent: 150 } }, 'qualityThresholds.packetLossPercent'],
    [{ servers: ['ws://ok.test'], qualityThresholds: { mos: 5 } }, 'qualityThresholds.mos'],
  ])('rejects %j naming "%s"', (input, key) => {
    expect(keyOf(() => resolveOptions(input))).toBe(key);
  });

  it('never echoes a credential found in a server URL', () => {
    try {
      resolveOptions({ servers: ['wss://alice:hunter2@sip.example.com'] });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      return;
    }
    throw new Error('expected a ConfigurationError');
  });

  it('accepts any printable display name, including quotes and backslashes', () => {
    expect(resolveOptions({ servers: ['ws://ok.test'], displayName: 'Ann "The Boss" O\'Neil \\ Ltd — Zoë' }).displayName).toBe('Ann "The Boss" O\'Neil \\ Ltd — Zoë');
  });

  it('iceTransportPolicy: "relay" is kept, "all" is the default', () => {
    expect(resolveOptions({ servers: ['ws://ok.test'], iceTransportPolicy: 'relay' }).iceTransportPolicy).toBe('relay');
    expect(resolveOptions({ servers: ['ws://ok.test'], iceTransportPolicy: undefined }).iceTransportPolicy).toBe('all');
  });

  it('copies and freezes the arrays it keeps: later changes to the caller\'s arrays do not reach the SDK', () => {
    const servers = ['ws://a.test'];
    const iceServers = [{ urls: ['stun:a.test'] }];
    const o = resolveOptions({ servers, iceServers });
    servers.push('ws://b.test');
    iceServers[0]!.urls.push('stun:evil.test');
    expect(o.servers).toEqual(['ws://a.test']);
    expect(o.iceServers).toEqual([{ urls: ['stun:a.test'] }]);
    expect(Object.isFrozen(o.servers)).toBe(true);
    expect(Object.isFrozen(o.iceServers[0])).toBe(true);
  });

  it('warns (does not fail) about ws:// to a non-loopback host', () => {
    expect(resolveOptions({ servers: ['ws://127.0.0.1:5066', 'ws://localhost', 'ws://[::1]:80'] }).warnings).toEqual([]);
    expect(resolveOptions({ servers: ['ws://sip.example.com', 'wss://sip.example.com'] }).warnings).toHaveLength(1);
  });

  it('call resume: on by default with a 30 s window; resumeCalls false and a window of 100 ms are accepted', () => {
    const o = resolveOptions({ servers: ['ws://ok.test'] });
    expect([o.resumeCalls, o.callResumeWindowMs]).toEqual([true, 30_000]);
    const off = resolveOptions({ servers: ['ws://ok.test'], resumeCalls: false, callResumeWindowMs: 100 });
    expect([off.resumeCalls, off.callResumeWindowMs]).toEqual([false, 100]);
  });

  it('merges quality thresholds over the defaults', () => {
    expect(resolveOptions({ servers: ['ws://ok.test'], qualityThresholds: { rttMs: 250 } }).qualityThresholds).toEqual({ rttMs: 250, jitterMs: 30, packetLossPercent: 3, mos: 3.5 });
  });

  it('has limits with defaults: maxQueuedMessages 1000, maxIncomingCalls 5, keepAlive.worker true', () => {
    const o = resolveOptions({ servers: ['ws://ok.test'] });
    expect([o.maxQueuedMessages, o.maxIncomingCalls, o.keepAlive?.worker]).toEqual([1000, 5, true]);
    expect(resolveOptions({ servers: ['ws://ok.test'], keepAlive: { worker: false } }).keepAlive?.worker).toBe(false);
  });

  it('callRecoveryTimeoutMs: 30 s by default, a whole number of ms from 1 s to 10 min', () => {
    expect(resolveOptions({ servers: ['ws://ok.test'] }).callRecoveryTimeoutMs).toBe(30_000);
    expect(resolveOptions({ servers: ['ws://ok.test'], callRecoveryTimeoutMs: 5_000 }).callRecoveryTimeoutMs).toBe(5_000);
  });

  it('says what it expected and got for the options read with their defaults by key', () => {
    const messageFor = (extra: Record<string, unknown>): string => {
      try {
        resolveOptions({ servers: ['ws://ok.test'], ...extra });
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(messageFor({ persistOutbox: 1 })).toContain('must be true or false, got 1');
    expect(messageFor({ resumeCalls: 'yes' })).toContain('must be true or false, got yes');
    expect(messageFor({ messageTimeoutMs: 0 })).toContain('must be a positive number, got 0');
    expect(messageFor({ maxIncomingCalls: 1001 })).toContain('must be a whole number from 0 to 1000, got 1001');
    const resolved = resolveOptions({ servers: ['ws://ok.test'], persistOutbox: false, connectTimeoutMs: 5, maxQueuedMessages: 7 });
    expect([resolved.persistOutbox, resolved.resumeCalls, resolved.connectTimeoutMs, resolved.messageTimeoutMs, resolved.maxQueuedMessages]).toEqual([false, true, 5, 30_000, 7]);
  });

  it('rejects a non-object', () => {
    expect(keyOf(() => resolveOptions(null))).toBe('options');
    expect(keyOf(() => resolveOptions('ws://x'))).toBe('options');
  });
});

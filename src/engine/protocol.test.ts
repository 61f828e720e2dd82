import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketFactory } from '../../test/fake-websocket';
import { AuthenticationError, ConfigurationError, ConnectionError, LimitError, SipError, TimeoutError } from '../errors';
import { createLogger } from '../logger';
import { resolveOptions } from '../resolve-options';
import { directChannel, type ChannelPort } from './direct-channel';
import { Engine } from './engine';
import { serveEngine } from './engine-host';
import { EngineProxy } from './engine-proxy';
import { decodeError, decodeValue, encodeError, encodeValue, PROTOCOL_VERSION, readEngineMessage, readPageMessage, type EngineSnapshot } from './protocol';

const idle: EngineSnapshot = { connectionState: 'idle', registered: false, user: null, server: 'wss://a.test', tabs: 1 };

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', 'test', (level, _ns, message) => lines.push(`${level} ${message}`)), lines };
}

describe('protocol: errors and payloads', () => {
  it.each([
    new SipError(404, 'Not Found'),
    new AuthenticationError('refused', 403),
    new ConnectionError('no server', 'wss://a.test'),
    new TimeoutError('too slow', 2500),
    new LimitError('full', 1000),
    new ConfigurationError('servers', 'must not be empty'),
  ])('rebuilds %s as the same class with the same code, message and fields', (err) => {
    const back = decodeError(structuredClone(encodeError(err)));
    expect(back).toBeInstanceOf(err.constructor);
    expect(back).toMatchObject({ name: err.name, message: err.message, code: err.code });
    for (const field of ['status', 'server', 'timeoutMs', 'limit', 'key', 'reason'] as const) {
      expect((back as unknown as Record<string, unknown>)[field]).toEqual((err as unknown as Record<string, unknown>)[field]);
    }
  });

  it('keeps a SipError\'s Retry-After and a TypeError\'s class', () => {
    const sip = new SipError(503, 'Service Unavailable');
    sip.retryAfterMs = 30_000;
    expect((decodeError(encodeError(sip)) as SipError).retryAfterMs).toBe(30_000);
    expect(decodeError(encodeError(new TypeError('bad id')))).toBeInstanceOf(TypeError);
  });

  it('carries an error inside a payload (messagestatus) through a structured clone', () => {
    const status = { id: 'm1', status: 'failed', error: new SipError(404, 'Not Found'), restored: false, at: 5 };
    const back = decodeValue(structuredClone(encodeValue(status))) as typeof status;
    expect(back.error).toBeInstanceOf(SipError);
    expect(back.error.status).toBe(404);
    expect(back).toMatchObject({ id: 'm1', status: 'failed', restored: false, at: 5 });
  });
});

describe('protocol: reading messages', () => {
  it.each([null, 'hello', 42, { kind: 'hello' }, { voxline: PROTOCOL_VERSION, kind: 'nonsense' }, { voxline: PROTOCOL_VERSION, kind: 'command', seq: 1, command: { op: 'fly' } }, { voxline: PROTOCOL_VERSION, kind: 'command', seq: '1', command: { op: 'connect' } }])(
    'ignores a malformed page message with one log line: %j',
    (data) => {
      const lines: string[] = [];
      expect(readPageMessage(data, (line) => lines.push(line))).toBeNull();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/malformed message from the page/);
    },
  );

  it('never logs the password of a malformed login command', () => {
    const lines: string[] = [];
    readPageMessage({ voxline: PROTOCOL_VERSION, kind: 'command', seq: 'x', command: { op: 'login', user: 'alice', password: 'hunter2' } }, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2');
  });

  it.each([{ voxline: PROTOCOL_VERSION, kind: 'event', name: 'explode', payload: 1, state: idle }, { voxline: PROTOCOL_VERSION, kind: 'reply', seq: 1, ok: true, value: 1 }, { voxline: PROTOCOL_VERSION, kind: 'state', state: { connectionState: 'sideways' } }])(
    'ignores a malformed engine message with one log line: %j',
    (data) => {
      const lines: string[] = [];
      expect(readEngineMessage(data, (line) => lines.push(line))).toBeNull();
      expect(lines).toEqual([expect.stringMatching(/malformed message from the engine/)]);
    },
  );

  const V = PROTOCOL_VERSION;
  const media = { signalingState: 'stable', held: false, muted: false, connectionState: 'connected' };
  const call = { id: 'call-1', direction: 'incoming', remote: { user: 'bob', uri: 'sip:bob@a.test' }, state: 'ringing', answeredAt: null, muted: false };

  it.each([
    { voxline: V, kind: 'command', seq: 1, command: { op: 'call', target: 'sip:bob@a.test', headers: { 'X-Ticket': '1' }, playRemoteAudio: true, audio: { deviceId: 'mic' } } },
    { voxline: V, kind: 'command', seq: 2, command: { op: 'call', target: 'sip:bob@a.test', headers: {}, playRemoteAudio: false, streamId: 'stream-1' } },
    { voxline: V, kind: 'command', seq: 3, command: { op: 'call-op', callId: 'call-1', method: 'answer', args: [{ playRemoteAudio: true }] } },
    { voxline: V, kind: 'media-reply', seq: 4, ok: true, value: 'v=0', state: media },
    { voxline: V, kind: 'media-reply', seq: 5, ok: false, error: { name: 'MediaError', message: 'denied', code: 'media' }, state: null },
    { voxline: V, kind: 'media-state', callId: 'call-1', state: media },
  ])('reads a calls message from the page as it is: %j', (data) => {
    const lines: string[] = [];
    expect(readPageMessage(structuredClone(data), (line) => lines.push(line))).toEqual(data);
    expect(lines).toEqual([]);
  });

  it.each([
    { voxline: V, kind: 'command', seq: 1, command: { op: 'call', target: 'sip:bob@a.test', headers: { 'X-Ticket': 1 }, playRemoteAudio: true } },
    { voxline: V, kind: 'command', seq: 1, command: { op: 'call', target: 'sip:bob@a.test', headers: {} } },
    { voxline: V, kind: 'command', seq: 1, command: { op: 'call', target: 'sip:bob@a.test', headers: {}, playRemoteAudio: true, audio: 'loud' } },
    { voxline: V, kind: 'command', seq: 1, command: { op: 'call-op', callId: 'call-1', method: 'explode', args: [] } },
    { voxline: V, kind: 'command', seq: 1, command: { op: 'call-op', callId: 'call-1', method: 'hangup' } },
    { voxline: V, kind: 'media-reply', seq: '4', ok: true, value: 1, state: null },
    { voxline: V, kind: 'media-reply', seq: 4, ok: false, state: null },
    { voxline: V, kind: 'media-reply', seq: 4, ok: true, value: 1, state: { signalingState: 'stable' } },
    { voxline: V, kind: 'media-state', callId: 7, state: media },
  ])('ignores a malformed calls message from the page with one log line: %j', (data) => {
    const lines: string[] = [];
    expect(readPageMessage(data, (line) => lines.push(line))).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/malformed message from the page/)]);
  });

  it.each([
    { voxline: V, kind: 'call', callId: 'call-1', event: 'incoming', payload: null, call },
    { voxline: V, kind: 'call', callId: 'call-1', event: 'ended', payload: { reason: 'answered-elsewhere' }, call: { ...call, state: 'ended' } },
    { voxline: V, kind: 'media', seq: 1, callId: 'call-1', op: 'createAnswer', args: ['v=0', { hold: false }] },
  ])('reads a calls message from the engine as it is: %j', (data) => {
    const lines: string[] = [];
    expect(readEngineMessage(structuredClone(data), (line) => lines.push(line))).toEqual(data);
    expect(lines).toEqual([]);
  });

  it.each([
    { voxline: V, kind: 'call', callId: 'call-1', event: 'exploded', payload: null, call },
    { voxline: V, kind: 'call', callId: 'call-1', event: 'ended', payload: null, call: { id: 'call-1' } },
    { voxline: V, kind: 'media', seq: 1, callId: 'call-1', op: 'eval', args: [] },
    { voxline: V, kind: 'media', seq: 1, callId: 'call-1', op: 'close' },
  ])('ignores a malformed calls message from the engine with one log line: %j', (data) => {
    const lines: string[] = [];
    expect(readEngineMessage(data, (line) => lines.push(line))).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/malformed message from the engine/)]);
  });

  it('tells a message of another version apart from a malformed one', () => {
    const lines: string[] = [];
    expect(readPageMessage({ voxline: PROTOCOL_VERSION + 1, kind: 'hello' }, (line) => lines.push(line))).toEqual({ mismatch: true, version: PROTOCOL_VERSION + 1 });
    expect(readEngineMessage({ voxline: 0, kind: 'welcome' }, (line) => lines.push(line))).toEqual({ mismatch: true, version: 0 });
    expect(lines).toEqual([]);
  });
});

describe('protocol: page ⇄ engine over a direct channel', () => {
  let ws: ReturnType<typeof fakeWebSocketFactory>;
  beforeEach(() => {
    ws = fakeWebSocketFactory();
    vi.stubGlobal('WebSocket', function (url: string, protocol: string) {
      return ws.factory(url, protocol);
    } as unknown as typeof WebSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  function pair() {
    const { logger, lines } = recordingLogger();
    const engine = new Engine({ options: resolveOptions({ servers: ['wss://a.test'], keepAlive: false }), logger });
    const [pageEnd, engineEnd] = directChannel();
    serveEngine(engine, engineEnd, logger);
    const events: Array<[string, unknown]> = [];
    const proxy = new EngineProxy(pageEnd, { event: (name, payload) => events.push([name, payload]) }, logger, engine.snapshot);
    return { engine, proxy, events, lines, pageEnd, engineEnd };
  }

  it('page → engine: a command runs in the engine and its reply settles the request, with the state', async () => {
    const { proxy } = pair();
    const connecting = proxy.request({ op: 'connect' });
    expect(proxy.snapshot.connectionState).toBe('connecting'); // a state message, no event
    ws.last().open();
    await expect(connecting).resolves.toBeUndefined();
    expect(proxy.snapshot.connectionState).toBe('connected');
  });

  it('engine → page: client events arrive by name, once each, payload intact', async () => {
    const { proxy, events } = pair();
    const connecting = proxy.request({ op: 'connect' });
    ws.last().open();
    await connecting;
    expect(events.filter(([name]) => name === 'connectionchange')).toHaveLength(1);
    expect(events[0]).toEqual(['connectionchange', expect.objectContaining({ state: 'connected', previous: null, server: 'wss://a.test' })]);
  });

  it('a failed command rejects with the engine\'s error class', async () => {
    const { proxy } = pair();
    await expect(proxy.request({ op: 'send-message', target: 'sip:bob@a.test', body: 'hi', contentType: 'text/plain' })).rejects.toMatchObject({ name: 'InvalidStateError', code: 'invalid-state' });
  });

  it('a malformed message on either side is ignored with one log line, and the channel goes on', async () => {
    const { proxy, lines, engineEnd, pageEnd } = pair();
    engineEnd.postMessage({ voxline: PROTOCOL_VERSION, kind: 'reply', seq: 'nope' });
    pageEnd.postMessage({ voxline: PROTOCOL_VERSION, kind: 'command' });
    expect(lines.filter((l) => l.includes('malformed'))).toHaveLength(2);
    const connecting = proxy.request({ op: 'connect' });
    ws.last().open();
    await expect(connecting).resolves.toBeUndefined();
  });

  it('an engine of another version is refused clearly: every request rejects with a ConfigurationError naming sharedWorker', async () => {
    const { logger, lines } = recordingLogger();
    const [pageEnd, engineEnd] = directChannel();
    const hellos: unknown[] = [];
    (engineEnd as ChannelPort).onmessage = ({ data }) => {
      hellos.push(data);
      engineEnd.postMessage({ voxline: PROTOCOL_VERSION + 1, kind: 'welcome' });
    };
    const rejected: Error[] = [];
    const proxy = new EngineProxy(pageEnd, { event: () => undefined, rejected: (err) => rejected.push(err) }, logger, idle);
    expect(hellos).toEqual([{ voxline: PROTOCOL_VERSION, kind: 'hello' }]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(ConfigurationError);
    expect(rejected[0]!.message).toMatch(new RegExp(`sharedWorker.*protocol version ${PROTOCOL_VERSION + 1} met version ${PROTOCOL_VERSION}`));
    await expect(proxy.request({ op: 'connect' })).rejects.toBe(rejected[0]);
    expect(lines.filter((l) => l.startsWith('error'))).toHaveLength(1);
  });

  it('a page of another version is answered `rejected` by the engine, and nothing runs', () => {
    const { lines, pageEnd } = pair();
    const answers: unknown[] = [];
    pageEnd.onmessage = ({ data }) => answers.push(data);
    pageEnd.postMessage({ voxline: 99, kind: 'command', seq: 1, command: { op: 'connect' } });
    expect(answers).toEqual([{ voxline: PROTOCOL_VERSION, kind: 'rejected', reason: expect.stringContaining('protocol version 99') }]);
    expect(ws.sockets).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith('error'))).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, ConnectionError, InvalidStateError } from '../errors';
import { createLogger } from '../logger';
import { fakeWebSocketFactory } from '../../test/fake-websocket';
import { WebSocketTransport } from './websocket-transport';
import type { LinkState, LinkLoss } from './types';

/** Lets pending promise chains and zero-delay work run (real timers). */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const neverReconnect = { nextDelayMs: () => null };

function setup(servers = ['ws://a.test', 'ws://b.test'], connectTimeoutMs = 1000) {
  const ws = fakeWebSocketFactory();
  const transport = new WebSocketTransport({
    servers,
    connectTimeoutMs,
    logger: createLogger('silent'),
    webSocketFactory: ws.factory,
    reconnectPolicy: neverReconnect,
    keepAlive: null,
    watchLifecycle: false,
  });
  const states: Array<[LinkState, LinkState]> = [];
  const losses: LinkLoss[] = [];
  const opens: string[] = [];
  transport.on('statechange', (s, p) => states.push([s, p]));
  transport.on('lost', (l) => losses.push(l));
  transport.on('open', (u, reconnect) => opens.push(reconnect ? `re:${u}` : u));
  return { ws, transport, states, losses, opens };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WebSocketTransport', () => {
  it('opens a socket with the "sip" subprotocol and goes idle → connecting → connected', async () => {
    const { ws, transport, states, opens } = setup();
    const connected = transport.connect();
    expect(transport.state).toBe('connecting');
    expect(ws.last().url).toBe('ws://a.test');
    expect(ws.last().requestedProtocol).toBe('sip');
    ws.last().open();
    await connected;
    expect(states).toEqual([
      ['connecting', 'idle'],
      ['connected', 'connecting'],
    ]);
    expect(opens).toEqual(['ws://a.test']);
    expect(transport.server).toBe('ws://a.test');
  });

  it('returns the same promise to concurrent connect() calls and opens one socket', async () => {
    const { ws, transport } = setup();
    const a = transport.connect();
    const b = transport.connect();
    expect(a).toBe(b);
    ws.last().open();
    await Promise.all([a, b]);
    expect(ws.sockets).toHaveLength(1);
  });

  it('tries the next server when the first fails, and reports the one in use', async () => {
    const { ws, transport } = setup();
    const connected = transport.connect();
    ws.last().fail();
    await flush();
    expect(ws.sockets.map((s) => s.url)).toEqual(['ws://a.test', 'ws://b.test']);
    ws.last().open();
    await connected;
    expect(transport.server).toBe('ws://b.test');
  });

  it('rejects with ConnectionError naming every server when all fail, and ends disconnected', async () => {
    const { ws, transport, losses } = setup();
    const connected = transport.connect();
    ws.last().fail();
    await flush();
    ws.last().fail();
    const err = await connected.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain('ws://a.test');
    expect((err as Error).message).toContain('ws://b.test');
    expect(transport.state).toBe('disconnected');
    expect(losses).toHaveLength(0);
  });

  it('gives up on a server that does not answer within connectTimeoutMs', async () => {
    vi.useFakeTimers();
    const { ws, transport } = setup(['ws://slow.test'], 500);
    const connected = transport.connect().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(499);
    expect(transport.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    const err = await connected;
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain('500 ms');
    expect(ws.last().closedByClient).not.toBeNull();
  });

  it('emits exactly one "lost" with reason and close code when an open link closes', async () => {
    const { ws, transport, losses } = setup();
    const connected = transport.connect();
    ws.last().open();
    await connected;
    const socket = ws.last();
    socket.onerror?.({});
    socket.onclose?.({ code: 1006, reason: '', wasClean: false });
    expect(losses).toHaveLength(1);
    expect(losses[0]).toEqual({ reason: 'error', code: 1006, server: 'ws://a.test', at: expect.any(Number) });
    expect(transport.state).toBe('disconnected');
  });

  it('reports an error that is not followed by close within 50 ms, once', async () => {
    vi.useFakeTimers();
    const { ws, transport, losses } = setup();
    const connected = transport.connect();
    ws.last().open();
    await connected;
    ws.last().onerror?.({});
    await vi.advanceTimersByTimeAsync(49);
    expect(losses).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(losses).toEqual([expect.objectContaining({ reason: 'error' })]);
    expect(losses[0]).not.toHaveProperty('code');
  });

  it('reports a clean close by the server as "closed" with its code', async () => {
    const { ws, transport, losses } = setup();
    const connected = transport.connect();
    ws.last().open();
    await connected;
    ws.last().serverClose(1000);
    expect(losses).toEqual([expect.objectContaining({ reason: 'closed', code: 1000 })]);
  });

  it('reports a going-away close (1001) as server-shutdown with its code', async () => {
    const { ws, transport, losses } = setup();
    const connected = transport.connect();
    ws.last().open();
    await connected;
    ws.last().serverClose(1001);
    expect(losses).toEqual([expect.objectContaining({ reason: 'server-shutdown', code: 1001 })]);
  });

  it('passes text frames and ArrayBuffer frames up as strings', async () => {
    const { ws, transport } = setup();
    const messages: string[] = [];
    transport.on('message', (m) => messages.push(m));
    const connected = transport.connect();
    ws.last().open();
    await connected;
    ws.last().receive('SIP/2.0 200 OK\r\n\r\n');
    ws.last().receive(new TextEncoder().encode('OPTIONS sip:x SIP/2.0\r\n\r\n').buffer);
    ws.last().receive(42);
    expect(messages).toEqual(['SIP/2.0 200 OK\r\n\r\n', 'OPTIONS sip:x SIP/2.0\r\n\r\n']);
  });

  it('sends only while connected', async () => {
    const { ws, transport } = setup();
    await expect(transport.send('x')).rejects.toBeInstanceOf(ConnectionError);
    const connected = transport.connect();
    ws.last().open();
    await connected;
    await transport.send('REGISTER');
    expect(ws.last().sent).toEqual(['REGISTER']);
  });

  it('disconnect() closes deliberately: no "lost", state idle, socket closed with 1000', async () => {
    const { ws, transport, losses } = setup();
    const connected = transport.connect();
    ws.last().open();
    await connected;
    const socket = ws.last();
    transport.disconnect();
    expect(socket.closedByClient).toEqual({ code: 1000, reason: 'client disconnect' });
    socket.serverClose(1000);
    expect(losses).toHaveLength(0);
    expect(transport.state).toBe('idle');
  });

  it('disconnect() during connect abandons the attempt', async () => {
    const { ws, transport } = setup(['ws://a.test']);
    const connected = transport.connect().catch((e: unknown) => e);
    const socket = ws.last();
    transport.disconnect();
    socket.open();
    const err = await connected;
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).code).toBe('cancelled');
    expect(transport.state).toBe('idle');
  });

  it('dispose() is terminal: connect() then rejects with InvalidStateError', async () => {
    const { transport } = setup();
    transport.dispose();
    expect(transport.state).toBe('closed');
    await expect(transport.connect()).rejects.toBeInstanceOf(InvalidStateError);
  });
});

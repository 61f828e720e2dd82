import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, ConfigurationError, ConnectionError, InvalidStateError } from '../errors';
import { FakeWebSocket, fakeWebSocketFactory } from '../../test/fake-websocket';
import { Client } from './client';
import type { ConnectionChange } from './events';

let ws: ReturnType<typeof fakeWebSocketFactory>;

beforeEach(() => {
  ws = fakeWebSocketFactory();
  // The client uses the global WebSocket, as in a browser.
  vi.stubGlobal(
    'WebSocket',
    function (url: string, protocol: string) {
      return ws.factory(url, protocol);
    } as unknown as typeof WebSocket,
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const options = { servers: ['wss://a.test', 'wss://b.test'], logLevel: 'silent' as const };

describe('Client', () => {
  it('validates options before doing anything: no socket is opened', () => {
    expect(() => new Client({ servers: [] })).toThrow(ConfigurationError);
    expect(ws.sockets).toHaveLength(0);
  });

  it('is idle until asked to connect', () => {
    const client = new Client(options);
    expect(client.connectionState).toBe('idle');
    expect(client.registered).toBe(false);
    expect(client.user).toBeNull();
    expect(ws.sockets).toHaveLength(0);
  });

  it.each([
    ['', 'pw', /"user"/],
    ['al ice', 'pw', /"user"/],
    [42, 'pw', /"user"/],
    ['alice', undefined, /"password"/],
  ])('login(%j, %j) throws TypeError naming the argument, before connecting', async (user, password, message) => {
    const client = new Client(options);
    const err = await client.login(user as string, password as string).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(message);
    expect(ws.sockets).toHaveLength(0);
  });

  it('login() rejects with ConnectionError when no server answers, and goes back to idle', async () => {
    const client = new Client(options);
    const login = client.login('alice', 'pw').catch((e: unknown) => e);
    ws.last().fail();
    await vi.waitFor(() => expect(ws.sockets).toHaveLength(2));
    ws.last().fail();
    const err = await login;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(client.connectionState).toBe('idle');
  });

  it('emits one "connected" then one "disconnected" with reason and code when the link drops', async () => {
    const client = new Client(options);
    const changes: ConnectionChange[] = [];
    client.on('connectionchange', (c) => changes.push(c));
    const connected = client.connect();
    ws.last().open();
    await connected;
    ws.last().serverClose(1001, 'going away');
    expect(changes.map((c) => [c.state, c.previous, c.reason, c.code, c.server])).toEqual([
      ['connected', null, undefined, undefined, 'wss://a.test'],
      ['disconnected', 'connected', 'server-shutdown', 1001, 'wss://a.test'],
    ]);
    // Told "disconnected", and trying to get back.
    expect(client.connectionState).toBe('reconnecting');
    client.destroy();
  });

  it('a listener that throws does not break the client, later events, or the listeners after it', async () => {
    const lines: string[] = [];
    const client = new Client({ ...options, logLevel: 'error', logger: (level, _ns, message) => lines.push(`${level} ${message}`) });
    const seen: string[] = [];
    const second: string[] = [];
    client.on('connectionchange', (c) => {
      seen.push(c.state);
      throw new Error('bad listener');
    });
    client.on('connectionchange', (c) => second.push(c.state));
    const connected = client.connect();
    ws.last().open();
    await expect(connected).resolves.toBeUndefined();
    ws.last().fail();
    expect(seen).toEqual(['connected', 'disconnected']);
    expect(second).toEqual(['connected', 'disconnected']);
    expect(lines).toEqual(['error a "connectionchange" listener threw: bad listener', 'error a "connectionchange" listener threw: bad listener']);
    client.destroy();
  });

  it('destroy() closes the socket, drops listeners and makes every method throw InvalidStateError', async () => {
    const client = new Client(options);
    const connected = client.connect();
    ws.last().open();
    await connected;
    const socket = ws.last();
    const changes: ConnectionChange[] = [];
    client.on('connectionchange', (c) => changes.push(c));
    client.destroy();
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED);
    expect(client.connectionState).toBe('closed');
    expect(client.listenerCount('connectionchange')).toBe(0);
    expect(changes).toEqual([]);
    await expect(client.connect()).rejects.toBeInstanceOf(InvalidStateError);
    await expect(client.login('alice', 'pw')).rejects.toThrow(/login\(\) called after destroy\(\)/);
    expect(() => client.destroy()).not.toThrow();
  });
});

describe('Client login cancellation, logging and option copies', () => {
  function capture() {
    const lines: string[] = [];
    const logger = (level: string, _ns: string, message: string): void => void lines.push(`${level} ${message}`);
    return { lines, logger };
  }

  it('logout() during login() rejects it with CancelledError (code "cancelled"), logs no warning, leaves no socket', async () => {
    const { lines, logger } = capture();
    const client = new Client({ ...options, logLevel: 'warn', logger });
    const login = client.login('alice', 'pw').catch((e: unknown) => e);
    ws.last().open();
    await vi.waitFor(() => expect(ws.last().sent.some((f) => f.startsWith('REGISTER '))).toBe(true));
    await client.logout();
    const err = await login;
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).code).toBe('cancelled');
    expect((err as Error).message).toMatch(/logout\(\)/);
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(ws.last().readyState).toBe(FakeWebSocket.CLOSED);
    expect(client.connectionState).toBe('idle');
    client.destroy();
  });

  it('destroy() while connecting rejects login() with CancelledError, not a ConnectionError', async () => {
    const { lines, logger } = capture();
    const client = new Client({ ...options, logLevel: 'warn', logger });
    const login = client.login('alice', 'pw').catch((e: unknown) => e);
    client.destroy();
    const err = await login;
    expect(err).toBeInstanceOf(CancelledError);
    expect(err).not.toBeInstanceOf(ConnectionError);
    expect(lines).toEqual([]);
  });

  it('login(user, password, { signal }) is cancelled by its AbortSignal, and refuses an aborted one at once', async () => {
    const client = new Client(options);
    const abort = new AbortController();
    const login = client.login('alice', 'pw', { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    expect(await login).toBeInstanceOf(CancelledError);
    const sockets = ws.sockets.length;
    expect(await client.login('alice', 'pw', { signal: abort.signal }).catch((e: unknown) => e)).toBeInstanceOf(CancelledError);
    expect(ws.sockets).toHaveLength(sockets);
    await expect(client.login('alice', 'pw', { signal: 'x' as never })).rejects.toThrow(/"options.signal"/);
    client.destroy();
  });

  it('accepts an empty password (servers without authentication), as documented', async () => {
    const client = new Client(options);
    const login = client.login('alice', '').catch((e: unknown) => e);
    expect(ws.sockets).toHaveLength(1);
    client.destroy();
    expect(await login).toBeInstanceOf(CancelledError);
  });

  it('logs one warning per outage through the logger option, not one per failed attempt', async () => {
    vi.useFakeTimers();
    try {
      const { lines, logger } = capture();
      const client = new Client({ servers: ['wss://a.test'], logLevel: 'warn', logger, reconnect: { random: () => 0.5 } });
      const connected = client.connect();
      ws.last().open();
      await connected;
      ws.last().fail();
      for (let i = 0; i < 5; i++) {
        await vi.advanceTimersToNextTimerAsync();
        ws.last().fail();
        await vi.advanceTimersByTimeAsync(0);
      }
      expect(ws.sockets.length).toBeGreaterThanOrEqual(6);
      expect(lines.filter((l) => l.startsWith('warn'))).toEqual(['warn lost the link to wss://a.test (error, code 1006)']);
      client.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('copies the servers array and warns once about ws:// to a non-loopback host', () => {
    const { lines, logger } = capture();
    const servers = ['ws://sip.example.com', 'ws://127.0.0.1:5066'];
    const client = new Client({ servers, logger });
    servers[0] = 'ws://evil.test';
    expect(client.server).toBe('ws://sip.example.com');
    expect(lines).toEqual(['warn ws://sip.example.com is not encrypted (ws://): use wss:// outside local development; pages served over https cannot open ws:// at all']);
    client.destroy();
  });
});

describe('Client.call and sendMessage argument checks', () => {
  it('name the bad argument before anything else, and need a login', async () => {
    const client = new Client(options);
    await expect(client.call('bob smith')).rejects.toThrow(/^call\(target\)/);
    await expect(client.call('bob', { headers: { 'Call-ID': 'x' } })).rejects.toThrow(/"Call-ID" is managed by the SDK/);
    await expect(client.call('bob', { headers: { 'X-Bad Name': 'x' } })).rejects.toThrow(/header name "X-Bad Name"/);
    await expect(client.call('bob', { headers: { 'X-Ok': 'a\r\nVia: evil' } })).rejects.toThrow(/single-line/);
    await expect(client.call('bob', { headers: { 'X-Ok': 'fine' } })).rejects.toBeInstanceOf(InvalidStateError);
    await expect(client.sendMessage('bob', '')).rejects.toThrow(/"body"/);
    await expect(client.sendMessage('bob', 'hi')).rejects.toBeInstanceOf(InvalidStateError);
    expect(ws.sockets).toHaveLength(0);
  });
});

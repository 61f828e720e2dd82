import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, ConnectionError, InvalidStateError } from '../errors';
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

const options = { servers: ['ws://a.test', 'ws://b.test'], logLevel: 'silent' as const };

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
      ['connected', null, undefined, undefined, 'ws://a.test'],
      ['disconnected', 'connected', 'server-shutdown', 1001, 'ws://a.test'],
    ]);
    expect(client.connectionState).toBe('disconnected');
  });

  it('a listener that throws does not break the client or later events', async () => {
    const client = new Client(options);
    const seen: string[] = [];
    client.on('connectionchange', (c) => {
      seen.push(c.state);
      throw new Error('bad listener');
    });
    const connected = client.connect();
    ws.last().open();
    await expect(connected).resolves.toBeUndefined();
    ws.last().fail();
    expect(seen).toEqual(['connected', 'disconnected']);
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

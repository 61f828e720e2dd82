/**
 * Issue #11 item 1, through a real Client over a scripted registrar: a server that accepts every
 * WebSocket but answers every re-REGISTER 503 (no Retry-After) must not be hammered. Before the
 * fix each successful open ended the outage, so the client reconnected ~40 times a second.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRegistrar } from '../../test/fake-registrar';
import { Client } from './client';
import type { ConnectionChange } from './events';

let registrar: FakeRegistrar;
let client: Client;

beforeEach(() => {
  vi.useFakeTimers();
  registrar = new FakeRegistrar();
});

afterEach(() => {
  client.destroy();
  vi.clearAllTimers();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) await vi.advanceTimersByTimeAsync(50);
}

describe('reconnect storm', () => {
  it.each([
    [503, 'Service Unavailable'],
    [500, 'Server Internal Error'],
    [480, 'Temporarily Unavailable'],
  ])('re-REGISTER answered %i: ≤ 1 attempt per second for 10 s, then backoff; one disconnected, then one reconnected once it is accepted', async (status, reason) => {
    client = new Client({ servers: ['ws://registrar.test'], domain: 'voxline.test', logLevel: 'silent', reconnect: { random: () => 0.5 } });
    const changes: ConnectionChange[] = [];
    client.on('connectionchange', (c) => changes.push(c));
    const login = client.login('alice', 'pw');
    await run(100);
    await login;
    registrar.script = () => ({ status, reason });
    registrar.socket.serverClose(1006, '');
    const socketsAtLoss = registrar.sockets.length;
    await run(10_000);
    const inFirstTenSeconds = registrar.sockets.length - socketsAtLoss;
    expect(inFirstTenSeconds).toBeGreaterThanOrEqual(5);
    expect(inFirstTenSeconds).toBeLessThanOrEqual(11);
    await run(60_000);
    expect(registrar.sockets.length - socketsAtLoss - inFirstTenSeconds).toBeLessThanOrEqual(8);
    expect(changes.map((c) => c.state)).toEqual(['connected', 'disconnected']);
    expect(client.connectionState).toBe('reconnecting');
    // The registrar recovers: the next attempt registers, and the app hears "reconnected" once.
    registrar.script = () => ({ status: 200 });
    await run(35_000);
    expect(changes.map((c) => c.state)).toEqual(['connected', 'disconnected', 'reconnected']);
    expect(client.registered).toBe(true);
    expect(client.connectionState).toBe('connected');
  });
});

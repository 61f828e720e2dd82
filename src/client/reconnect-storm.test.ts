/**
 * Issue #11 item 1, through a real Client over a scripted registrar: a server that accepts every
 * WebSocket but answers every re-REGISTER 503 (no Retry-After) must not be hammered. Before the
 * fix each successful open ended the outage, so the client reconnected ~40 times a second.
 */
import { describe, expect, it, vi } from 'vitest';
import { useRegistrarBed } from '../../test/registrar-bed';
import type { ConnectionChange } from './events';

const bed = useRegistrarBed();

async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) await vi.advanceTimersByTimeAsync(50);
}

describe('reconnect storm', () => {
  it.each([
    [503, 'Service Unavailable'],
    [500, 'Server Internal Error'],
    [480, 'Temporarily Unavailable'],
  ])('re-REGISTER answered %i: ≤ 1 attempt per second for 10 s, then backoff; one disconnected, then one reconnected once it is accepted', async (status, reason) => {
    const client = bed.newClient({ reconnect: { random: () => 0.5 } });
    const changes: ConnectionChange[] = [];
    client.on('connectionchange', (c) => changes.push(c));
    const login = client.login('alice', 'pw');
    await run(100);
    await login;
    bed.registrar.script = () => ({ status, reason });
    bed.registrar.socket.serverClose(1006, '');
    const socketsAtLoss = bed.registrar.sockets.length;
    await run(10_000);
    const inFirstTenSeconds = bed.registrar.sockets.length - socketsAtLoss;
    expect(inFirstTenSeconds).toBeGreaterThanOrEqual(5);
    expect(inFirstTenSeconds).toBeLessThanOrEqual(11);
    await run(60_000);
    expect(bed.registrar.sockets.length - socketsAtLoss - inFirstTenSeconds).toBeLessThanOrEqual(8);
    expect(changes.map((c) => c.state)).toEqual(['connected', 'disconnected']);
    expect(client.connectionState).toBe('reconnecting');
    // The registrar recovers: the next attempt registers, and the app hears "reconnected" once.
    bed.registrar.script = () => ({ status: 200 });
    await run(35_000);
    expect(changes.map((c) => c.state)).toEqual(['connected', 'disconnected', 'reconnected']);
    expect(client.registered).toBe(true);
    expect(client.connectionState).toBe('connected');
  });
});

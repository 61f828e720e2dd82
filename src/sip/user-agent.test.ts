/**
 * The user agent's registration lifecycle, through a real Client over a scripted fake registrar
 * (issue #10 items 3 and 10): refresh timing, re-registration after a reconnect, unregister on
 * logout, and nothing left running after logout() or destroy().
 */
import { describe, expect, it, vi } from 'vitest';
import type { Client } from '../client/client';
import type { ConnectionChange } from '../client/events';
import { requestedExpires, type SipFrame } from '../../test/fake-registrar';
import { useRegistrarBed } from '../../test/registrar-bed';

const bed = useRegistrarBed();
const newClient = (): Client => bed.newClient({ registerExpiresSec: 600 });

async function loggedIn(): Promise<Client> {
  const client = newClient();
  const login = client.login('alice', 'pw');
  await vi.advanceTimersByTimeAsync(10);
  await login;
  return client;
}

/** Lets pending promise callbacks run without moving the fake clock. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Advances fake time in 1 s steps until the registrar has seen `count` REGISTERs (the next refresh, say). */
async function untilRegisters(count: number, maxMs = 600_000): Promise<void> {
  for (let t = 0; t < maxMs && bed.registrar.registers.length < count; t += 1_000) await vi.advanceTimersByTimeAsync(1_000);
  expect(bed.registrar.registers).toHaveLength(count);
}

const cseq = (f: SipFrame): number => Number.parseInt(f.header('cseq') ?? '', 10);

describe('registration refresh', () => {
  it('refreshes 30 s before the granted interval ends, on the same Call-ID with a higher CSeq', async () => {
    const client = await loggedIn();
    expect(bed.registrar.registers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(569_000);
    expect(bed.registrar.registers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(bed.registrar.registers).toHaveLength(2);
    const [first, refresh] = bed.registrar.registers as [SipFrame, SipFrame];
    expect(refresh.header('call-id')).toBe(first.header('call-id'));
    expect(cseq(refresh)).toBeGreaterThan(cseq(first));
    expect(requestedExpires(refresh)).toBe(600);
    // And again 570 s after that answer, not sooner.
    await vi.advanceTimersByTimeAsync(569_000);
    expect(bed.registrar.registers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(bed.registrar.registers).toHaveLength(3);
    expect(client.registered).toBe(true);
  });

  it('a refresh the registrar refuses reports "unregistered" and is retried later, not in a loop', async () => {
    const client = await loggedIn();
    const events: string[] = [];
    client.on('unregistered', () => events.push('unregistered'));
    client.on('registered', () => events.push('registered'));
    bed.registrar.script = () => ({ status: 500, reason: 'Server Internal Error' });
    await untilRegisters(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toEqual(['unregistered']);
    expect(client.registered).toBe(false);
    bed.registrar.script = () => ({ status: 200 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events).toEqual(['unregistered', 'registered']);
    expect(bed.registrar.registers.length).toBeLessThanOrEqual(4);
  });
});

describe('re-registration after a reconnect', () => {
  it('retires the REGISTER stranded on the dead link and registers on the new one at once', async () => {
    const client = await loggedIn();
    const changes: ConnectionChange[] = [];
    client.on('connectionchange', (c) => changes.push(c));
    // The refresh goes out and the registrar never answers it; then the link dies.
    bed.registrar.script = () => null;
    await untilRegisters(2);
    const deadSocket = bed.registrar.socket;
    bed.registrar.script = () => ({ status: 200 });
    deadSocket.serverClose(1006, 'gone');
    expect(changes.map((c) => c.state)).toEqual(['disconnected']);

    await vi.advanceTimersByTimeAsync(100);
    expect(bed.registrar.sockets).toHaveLength(2);
    expect(bed.registrar.registers).toHaveLength(3);
    const fresh = bed.registrar.registers[2]!;
    expect(fresh.header('call-id')).toBe(bed.registrar.registers[0]!.header('call-id'));
    expect(changes.map((c) => c.state)).toEqual(['disconnected', 'reconnected']);
    expect(client.registered).toBe(true);
    // Nothing waits for the stranded REGISTER any more: no REGISTER sent before the next refresh.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(bed.registrar.registers).toHaveLength(3);
  });

  it('registers again when the link was lost while registered and idle', async () => {
    const client = await loggedIn();
    bed.registrar.socket.fail();
    await vi.advanceTimersByTimeAsync(100);
    expect(bed.registrar.registers).toHaveLength(2);
    expect(bed.registrar.sockets[1]!.sent.some((f) => f.startsWith('REGISTER '))).toBe(true);
    expect(client.registered).toBe(true);
  });
});

describe('logout and destroy', () => {
  it('logout() removes our binding (expires=0, same Call-ID) and then closes the link', async () => {
    const client = await loggedIn();
    const events: string[] = [];
    client.on('unregistered', () => events.push('unregistered'));
    const socket = bed.registrar.socket;
    await client.logout();
    expect(bed.registrar.removals).toHaveLength(1);
    const removal = bed.registrar.removals[0]!;
    expect(removal.header('call-id')).toBe(bed.registrar.registers[0]!.header('call-id'));
    expect(removal.header('contact')).toContain(bed.registrar.registers[0]!.header('contact')!.replace(/;expires=\d+/, ''));
    expect(events).toEqual(['unregistered']);
    expect(socket.closedByClient).not.toBeNull();
    expect(client.registered).toBe(false);
  });

  it('logout() does not wait for a registrar that never answers the removal beyond the REGISTER deadline', async () => {
    const client = await loggedIn();
    bed.registrar.script = () => null;
    let done = false;
    void client.logout().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(done).toBe(true);
  });

  it('leaves no timer behind after login + logout', async () => {
    const client = await loggedIn();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await client.logout();
    await flushMicrotasks();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer behind after login + destroy, and sends a best-effort removal first', async () => {
    const client = await loggedIn();
    const socket = bed.registrar.socket;
    client.destroy();
    await flushMicrotasks();
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.readyState).toBe(3);
    expect(bed.registrar.removals).toHaveLength(1);
  });

  it('leaves no timer behind when destroyed while a refresh is waiting for its answer', async () => {
    const client = await loggedIn();
    bed.registrar.script = () => null;
    await untilRegisters(2);
    client.destroy();
    await flushMicrotasks();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('destroy() during login settles login() and leaves no timer behind', async () => {
    bed.registrar.script = () => null;
    const client = newClient();
    const login = client.login('alice', 'pw').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    expect(bed.registrar.registers).toHaveLength(1);
    client.destroy();
    expect(await login).toBeInstanceOf(Error);
    await flushMicrotasks();
    expect(vi.getTimerCount()).toBe(0);
  });
});

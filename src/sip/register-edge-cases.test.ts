/**
 * REGISTER edge cases (issue #11 item 3), through a real Client over a scripted fake registrar:
 * odd expiry values must not make the client REGISTER in a loop, a 200 OK that does not confirm
 * our binding must fail login() clearly, and 423 is answered once with the asked interval.
 */
import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError, SipError, TimeoutError } from '../errors';
import type { Client } from '../client/client';
import { requestedExpires } from '../../test/fake-registrar';
import { useRegistrarBed } from '../../test/registrar-bed';

const bed = useRegistrarBed();
const newClient = (options: { registerExpiresSec?: number } = {}): Client => bed.newClient(options);

/** Logs in, letting fake time run until login settles (or `maxMs` passes). */
async function login(client: Client, maxMs = 60_000): Promise<unknown> {
  let outcome: unknown = 'pending';
  const done = client.login('alice', 'pw').then(
    () => (outcome = 'ok'),
    (err: unknown) => (outcome = err),
  );
  for (let t = 0; t < maxMs && outcome === 'pending'; t += 100) await vi.advanceTimersByTimeAsync(100);
  await Promise.race([done, Promise.resolve()]);
  return outcome;
}

/** REGISTERs that asked for a binding during `ms` of fake time. */
async function registersDuring(ms: number): Promise<number> {
  const before = bed.registrar.bindingRequests.length;
  // Step in small slices so a loop of 0 ms timers shows up as a count, not as a hang.
  for (let t = 0; t < ms; t += 50) await vi.advanceTimersByTimeAsync(50);
  return bed.registrar.bindingRequests.length - before;
}

describe('expiry granted by the registrar', () => {
  it.each([
    ['expires=0', '0'],
    ['a non-number', 'soon'],
    ['a negative number', '-5'],
  ])('a 200 OK whose Contact says %s does not make the client REGISTER in a loop', async (_label, value) => {
    bed.registrar.script = () => ({ status: 200, contactExpires: value });
    const client = newClient();
    expect(await login(client)).toBe('ok');
    // Before the fix: a REGISTER loop on 0 ms timers (hundreds in no time). Now: one refresh per 10 s at most.
    expect(await registersDuring(60_000)).toBeLessThanOrEqual(6);
    expect(client.registered).toBe(true);
  });

  it('a registrar granting a huge interval does not overflow setTimeout into a loop', async () => {
    bed.registrar.script = () => ({ status: 200, contactExpires: '4294967295' });
    const client = newClient();
    expect(await login(client)).toBe('ok');
    expect(await registersDuring(60_000)).toBe(0);
  });

  it('honours the Expires header when our Contact has no expires parameter (RFC 3261 §10.2.4)', async () => {
    bed.registrar.script = () => ({ status: 200, contactExpires: null, headers: ['Expires: 120'] });
    const client = newClient({ registerExpiresSec: 600 });
    expect(await login(client)).toBe('ok');
    // Granted 120 s: refreshed before 120 s, not at ~594 s, and not in a loop.
    expect(await registersDuring(120_000)).toBe(1);
  });

  it('takes the expires parameter of OUR Contact, not of another device of the same user', async () => {
    bed.registrar.script = (req) => ({
      status: 200,
      contact: null,
      headers: [
        'Contact: <sip:alice@phone.invalid;transport=ws>;expires=5',
        `Contact: ${(req.header('contact') ?? '').replace(/;expires=\d+/, '')};expires=300`,
      ],
    });
    const client = newClient();
    expect(await login(client)).toBe('ok');
    expect(await registersDuring(250_000)).toBe(0);
    expect(await registersDuring(50_000)).toBe(1);
  });
});

describe('registerExpiresSec option', () => {
  it('rejects values above the bound with a ConfigurationError naming the key', () => {
    const err = (() => {
      try {
        newClient({ registerExpiresSec: 2_147_484 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).key).toBe('registerExpiresSec');
    expect(() => newClient({ registerExpiresSec: 86_400 })).not.toThrow();
  });

  it('the largest allowed value does not overflow setTimeout into a loop', async () => {
    const client = newClient({ registerExpiresSec: 86_400 });
    expect(await login(client)).toBe('ok');
    expect(requestedExpires(bed.registrar.registers[0]!)).toBe(86_400);
    expect(await registersDuring(60_000)).toBe(0);
  });
});

describe('binding not confirmed', () => {
  it('a 200 OK without any Contact rejects login() with a SipError instead of hanging', async () => {
    bed.registrar.script = () => ({ status: 200, contact: null });
    const err = await login(newClient());
    expect(err).toBeInstanceOf(SipError);
    expect((err as Error).message).toMatch(/not confirm|no Contact/i);
  });

  it('a 200 OK listing only someone else\'s Contact rejects login() with a SipError', async () => {
    bed.registrar.script = () => ({ status: 200, contact: '<sip:bob@elsewhere.invalid;transport=ws>;expires=600' });
    const client = newClient();
    const err = await login(client);
    expect(err).toBeInstanceOf(SipError);
    expect(client.registered).toBe(false);
    expect(await registersDuring(60_000)).toBe(0);
  });

  it('a registrar that never answers fails login() with TimeoutError at the REGISTER deadline', async () => {
    bed.registrar.script = () => null;
    const client = newClient();
    const started = Date.now();
    const err = await login(client);
    expect(err).toBeInstanceOf(TimeoutError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(9_000);
    expect(waited).toBeLessThanOrEqual(11_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('423 Interval Too Brief', () => {
  it('retries once with Min-Expires and logs in', async () => {
    bed.registrar.script = (req) => ((requestedExpires(req) ?? 0) < 900 ? { status: 423, reason: 'Interval Too Brief', headers: ['Min-Expires: 900'] } : { status: 200 });
    const client = newClient({ registerExpiresSec: 600 });
    expect(await login(client)).toBe('ok');
    expect(bed.registrar.registers.map(requestedExpires)).toEqual([600, 900]);
    // Refreshes keep the raised interval: none within the first 800 s, then with 900.
    expect(await registersDuring(800_000)).toBe(0);
    expect(await registersDuring(100_000)).toBe(1);
    expect(requestedExpires(bed.registrar.registers.at(-1)!)).toBe(900);
  });

  it('gives up with a SipError 423 when the registrar asks again, or asks beyond the bound', async () => {
    bed.registrar.script = () => ({ status: 423, reason: 'Interval Too Brief', headers: ['Min-Expires: 1200'] });
    const err = await login(newClient());
    expect(err).toBeInstanceOf(SipError);
    expect((err as SipError).status).toBe(423);
    expect(bed.registrar.registers).toHaveLength(2);

    bed.registrar.registers.length = 0;
    bed.registrar.script = () => ({ status: 423, reason: 'Interval Too Brief', headers: ['Min-Expires: 9999999'] });
    const tooLong = await login(newClient());
    expect(tooLong).toBeInstanceOf(SipError);
    expect(bed.registrar.registers).toHaveLength(1);
  });
});

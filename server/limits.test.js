// @ts-check
// Issue #11 item 12: unanswered INVITEs are bounded in time (Timer C) and in number.
import { describe, expect, it } from 'vitest';
import { startDevServer } from './index.js';
import { DEFAULT_LIMITS, InviteSlots } from './limits.js';
import { autoCleanup, tagOf, topBranch } from './test-bed.js';
import { buildRequest, buildResponseTo } from './test-client.js';

/** @typedef {import('./test-bed.js').RawUa} RawUa */

const setup = autoCleanup();

/** @param {() => boolean} predicate @param {number} [timeoutMs] */
async function waitFor(predicate, timeoutMs = 50_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Frames received so far whose start line matches `re`. @param {RawUa} u @param {RegExp} re */
const countOf = (u, re) => u.client.all.filter((t) => re.test(t.slice(0, t.indexOf('\r\n')))).length;

/** @param {RawUa} from @param {RawUa} to @param {string} callId */
const invite = (from, to, callId) =>
  buildRequest('INVITE', to.aor, { from: from.aor, to: to.aor, viaHost: from.viaHost, contact: from.contact, callId, branch: `z9hG4bK${callId}` });

describe('limits on pending INVITE transactions', () => {
  it('5,000 unanswered INVITEs from one socket: the table stays at the per-connection cap, the rest get 503', async () => {
    const { s, ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob'); // rings, never answers
    const cap = DEFAULT_LIMITS.maxPendingInvitesPerConnection;
    const n = 5000;
    for (let i = 0; i < n; i++) alice.client.send(invite(alice, bob, `flood-${i}`));
    await waitFor(() => countOf(alice, /^SIP\/2\.0 503 /) === n - cap);
    expect(countOf(alice, /^SIP\/2\.0 100 /)).toBe(cap);
    expect(s.stats()).toMatchObject({ transactions: cap, pendingInvites: cap });
    await bob.client.idle(50);
    expect(countOf(bob, /^INVITE /)).toBe(cap);
    const refused = alice.client.all.find((t) => t.startsWith('SIP/2.0 503 '));
    expect(refused).toMatch(/\r\nRetry-After: \d+\r\n/);
    expect(refused).toMatch(/\r\nCall-ID: flood-\d+\r\n/);
  }, 60_000); // sip.js's parser takes ~1 ms a message: 5,000 INVITEs take seconds on a busy machine

  it('caps all connections together, and frees a slot once the caller has its answer', async () => {
    const { s, ua } = await setup({ maxPendingInvitesPerConnection: 3, maxPendingInvites: 5 });
    const alice = await ua('alice');
    const carol = await ua('carol');
    const bob = await ua('bob');
    for (let i = 0; i < 4; i++) alice.client.send(invite(alice, bob, `a${i}`));
    await waitFor(() => countOf(alice, /^SIP\/2\.0 (100|503) /) === 4);
    expect(countOf(alice, /^SIP\/2\.0 503 /)).toBe(1); // the 4th: over the per-connection cap
    for (let i = 0; i < 3; i++) carol.client.send(invite(carol, bob, `c${i}`));
    await waitFor(() => countOf(carol, /^SIP\/2\.0 (100|503) /) === 3);
    expect(countOf(carol, /^SIP\/2\.0 503 /)).toBe(1); // the 3rd: over the total cap
    expect(s.stats().pendingInvites).toBe(5);

    const first = await bob.client.next((f) => f.method === 'INVITE' && f.header('call-id') === 'a0');
    bob.client.send(buildResponseTo(first, 486, 'Busy Here', { toTag: 'bt' }));
    const busy = await alice.client.response(486, 'INVITE');
    expect(s.stats().pendingInvites).toBe(5); // not ACKed yet
    alice.client.send(buildRequest('ACK', bob.aor, { from: alice.aor, to: bob.aor, toTag: tagOf(busy), callId: 'a0', branch: 'z9hG4bKa0' }));
    await waitFor(() => s.stats().pendingInvites === 4);
    carol.client.send(invite(carol, bob, 'c-again'));
    expect((await bob.client.next((f) => f.header('call-id') === 'c-again')).method).toBe('INVITE');
  });

  it('Timer C: an INVITE nobody answers gets 408 upstream and a CANCEL downstream, then leaves the table', async () => {
    const { s, ua } = await setup({ inviteTimeoutMs: 150 });
    const alice = await ua('alice');
    const bob = await ua('bob');
    const started = Date.now();
    alice.client.send(invite(alice, bob, 'ringing'));
    const atBob = await bob.client.request('INVITE');
    const cancel = await bob.client.request('CANCEL');
    expect(topBranch(cancel)).toBe(topBranch(atBob));
    const timeout = await alice.client.response(408, 'INVITE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(s.stats()).toMatchObject({ transactions: 1, pendingInvites: 1 });
    alice.client.send(buildRequest('ACK', bob.aor, { from: alice.aor, to: bob.aor, toTag: tagOf(timeout), callId: 'ringing', branch: 'z9hG4bKringing' }));
    await waitFor(() => s.stats().transactions === 0);
    expect(s.stats().pendingInvites).toBe(0);
  });

  it('rejects limits that are not whole numbers ≥ 1, naming the option', async () => {
    await expect(startDevServer({ logLevel: 'silent', inviteTimeoutMs: 0 })).rejects.toThrow(/inviteTimeoutMs/);
    await expect(startDevServer({ logLevel: 'silent', maxPendingInvites: 1.5 })).rejects.toThrow(/maxPendingInvites/);
    await expect(startDevServer({ logLevel: 'silent', maxPendingInvitesPerConnection: -1 })).rejects.toThrow(/maxPendingInvitesPerConnection/);
  });

  it('InviteSlots: counts per connection and in total, and never goes below zero', () => {
    const slots = new InviteSlots({ ...DEFAULT_LIMITS, maxPendingInvitesPerConnection: 2, maxPendingInvites: 3 });
    expect([slots.acquire(1), slots.acquire(1), slots.acquire(1)]).toEqual(['ok', 'ok', 'connection']);
    expect([slots.acquire(2), slots.acquire(2)]).toEqual(['ok', 'total']);
    slots.release(1);
    slots.release(7);
    expect([slots.heldBy(1), slots.total]).toEqual([1, 2]);
    expect(slots.acquire(2)).toBe('ok');
  });
});

// @ts-check
// Issue #11: nobody but the registrar decides where user@our-domain lives (contact poisoning),
// and a response is relayed only when it comes from the connection its request went out on.
import { describe, expect, it } from 'vitest';
import { autoCleanup, tagOf, topBranch } from './test-bed.js';
import { buildRequest, buildResponseTo, parseSip, rand } from './test-client.js';

/** @typedef {import('./test-bed.js').RawUa} RawUa */
/** @typedef {import('./test-client.js').SipTestClient} SipTestClient */

const setup = autoCleanup();
const users = { alice: 'pa', bob: 'pb', mallory: 'pm' };

/** Requests (not responses) a client has received so far, as "METHOD call-id". @param {SipTestClient} c */
const requestsAt = (c) => c.all.map(parseSip).filter((f) => f.status === 0).map((f) => `${f.method} ${f.header('call-id')}`);

/** @param {RawUa} ua @param {string} password */
async function registered(ua, password) {
  expect((await ua.registerWithPassword(password)).status).toBe(200);
  return ua;
}

describe('responses: only from the connection the request was sent on', () => {
  /** alice INVITEs bob; eve is a third registered socket. */
  async function ringing() {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    const eve = await ua('eve');
    alice.client.send(buildRequest('INVITE', bob.aor, { from: alice.aor, to: bob.aor, viaHost: alice.viaHost, contact: alice.contact, body: 'v=0\r\n', contentType: 'application/sdp' }));
    await alice.client.response(100, 'INVITE');
    const atBob = await bob.client.request('INVITE');
    return { alice, bob, eve, atBob };
  }

  it('drops a 200 and a 486 forged by a third socket for the branch in flight; the real answer still arrives', async () => {
    const { alice, bob, eve, atBob } = await ringing();
    eve.client.send(buildResponseTo(atBob, 200, 'OK', { toTag: 'evil', contact: eve.contact }));
    eve.client.send(buildResponseTo(atBob, 486, 'Busy Here', { toTag: 'evil' }));
    // Branches in the old `z9hG4bK-vx-<connection id>-…` shape, guessed for the first connections.
    const callerVia = atBob.headers('via')[1] ?? '';
    for (let id = 1; id <= 8; id++) {
      const forged = buildResponseTo(atBob, 200, 'OK', { toTag: 'evil', contact: eve.contact });
      eve.client.send(forged.replace(/^Via: .*\r\nVia: .*\r\n/m, `Via: SIP/2.0/WS 127.0.0.1;branch=z9hG4bK-vx-${id}-0123456789abcdef\r\nVia: ${callerVia}\r\n`));
    }
    expect(await alice.client.idle(100)).toEqual([]);

    bob.client.send(buildResponseTo(atBob, 180, 'Ringing', { toTag: 'bt', contact: bob.contact }));
    expect(tagOf(await alice.client.response(180, 'INVITE'))).toBe('bt');
    bob.client.send(buildResponseTo(atBob, 200, 'OK', { toTag: 'bt', contact: bob.contact }));
    expect(tagOf(await alice.client.response(200, 'INVITE'))).toBe('bt');
    expect(await alice.client.idle(50)).toEqual([]);
  });

  it('relays a 2xx retransmission after the answer, but not the same 2xx forged by another socket', async () => {
    const { alice, bob, eve, atBob } = await ringing();
    const ok = buildResponseTo(atBob, 200, 'OK', { toTag: 'bt', contact: bob.contact });
    bob.client.send(ok);
    await alice.client.response(200, 'INVITE');
    eve.client.send(ok);
    expect(await alice.client.idle(60)).toEqual([]);
    bob.client.send(ok); // the callee retransmits its 2xx until the ACK arrives
    expect(tagOf(await alice.client.response(200, 'INVITE'))).toBe('bt');
  });

  it('uses random 128-bit branch ids that carry no connection id', async () => {
    const { atBob } = await ringing();
    const branch = topBranch(atBob) ?? '';
    expect(branch).toMatch(/^z9hG4bK-vx-[0-9a-f]{32}$/);
  });
});

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

describe('routing: the registrar is the only source for user@domain', () => {
  it('forged Contacts in OPTIONS, BYE, MESSAGE, INVITE and REGISTER never divert requests for alice', async () => {
    const { ua } = await setup({ users });
    const alice = await registered(await ua('alice'), 'pa');
    const bob = await registered(await ua('bob'), 'pb');
    const mallory = await registered(await ua('mallory'), 'pm');
    const eve = await ua('eve'); // never authenticates

    // Unauthenticated, out of dialog: OPTIONS is proxied without a challenge.
    for (const contact of [alice.aor, alice.contact]) {
      eve.client.send(buildRequest('OPTIONS', alice.aor, { from: 'sip:eve@voxline.test', to: alice.aor, viaHost: eve.viaHost, contact }));
    }
    // A request that only looks in-dialog (To tag) and one that is challenged.
    eve.client.send(buildRequest('BYE', alice.aor, { from: 'sip:eve@voxline.test', to: alice.aor, toTag: 'x', viaHost: eve.viaHost, contact: alice.aor }));
    eve.client.send(buildRequest('MESSAGE', alice.aor, { from: 'sip:eve@voxline.test', to: alice.aor, viaHost: eve.viaHost, contact: alice.aor, body: 'x' }));
    expect((await eve.client.response(407, 'MESSAGE')).status).toBe(407);
    // An authenticated user binds alice's AOR and alice's own contact to *his* AOR ...
    const poisoned = await mallory.registerWithPassword('pm', { headers: [`Contact: <${alice.aor}>`, `Contact: <${alice.contact}>`] });
    expect(poisoned.status).toBe(200);
    // ... and sends authenticated requests carrying them as Contact.
    await mallory.sendWithProxyAuth('pm', 'MESSAGE', bob.aor, { contact: alice.aor, body: 'hi' });
    expect((await bob.client.request('MESSAGE')).body).toBe('hi');
    const malloryCall = await mallory.sendWithProxyAuth('pm', 'INVITE', bob.aor, { contact: alice.contact, body: 'v=0\r\n', contentType: 'application/sdp' });
    expect((await bob.client.request('INVITE')).header('call-id')).toBe(malloryCall.callId);

    const message = await bob.sendWithProxyAuth('pb', 'MESSAGE', alice.aor, { body: 'for alice only' });
    const atAlice = await alice.client.next((f) => f.method === 'MESSAGE' && f.header('call-id') === message.callId);
    expect(atAlice.body).toBe('for alice only');
    expect(atAlice.ruri).toBe(alice.contact);
    const call = await bob.sendWithProxyAuth('pb', 'INVITE', alice.aor, { contact: bob.contact, body: 'v=0\r\n', contentType: 'application/sdp' });
    const invite = await alice.client.next((f) => f.method === 'INVITE' && f.header('call-id') === call.callId);
    alice.client.send(buildResponseTo(invite, 200, 'OK', { toTag: 'at', contact: alice.contact }));
    expect(tagOf(await bob.client.response(200, 'INVITE'))).toBe('at');
    // In the dialog, bob's BYE goes to alice's contact: alice's binding, not mallory's copy of it.
    bob.client.send(buildRequest('BYE', alice.contact, {
      from: bob.aor, fromTag: call.fromTag, to: alice.aor, toTag: 'at', callId: call.callId, cseq: 3, viaHost: bob.viaHost,
    }));
    const bye = await alice.client.next((f) => f.method === 'BYE' && f.header('call-id') === call.callId);
    expect(bye.ruri).toBe(alice.contact);

    await alice.client.idle(60);
    expect(requestsAt(eve.client)).toEqual([]);
    expect(requestsAt(mallory.client)).toEqual([]);
  });

  it('in-dialog requests follow a user to a new connection once the same contact is registered there', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    const callId = rand(8);
    alice.client.send(buildRequest('INVITE', bob.aor, { from: alice.aor, fromTag: 'af', to: bob.aor, callId, viaHost: alice.viaHost, contact: alice.contact }));
    const invite = await bob.client.request('INVITE');
    bob.client.send(buildResponseTo(invite, 200, 'OK', { toTag: 'bt', contact: bob.contact }));
    await alice.client.response(200, 'INVITE');

    await alice.client.close();
    const again = await ua('alice'); // registered with a contact of its own ...
    again.contact = alice.contact; // ... and now with the contact of the dialog, as a reconnecting UA does
    expect((await again.register()).status).toBe(200);
    bob.client.send(buildRequest('BYE', alice.contact, { from: bob.aor, fromTag: 'bt', to: alice.aor, toTag: 'af', callId, cseq: 2, viaHost: bob.viaHost }));
    const bye = await again.client.request('BYE');
    expect(bye.header('call-id')).toBe(callId);
    again.client.send(buildResponseTo(bye, 200, 'OK'));
    expect((await bob.client.response(200, 'BYE')).status).toBe(200);
  });

  it('does not route an ACK addressed to a user (not a contact) anywhere', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    alice.client.send(buildRequest('ACK', bob.aor, { from: alice.aor, to: bob.aor, toTag: 'stray', viaHost: alice.viaHost }));
    expect(await bob.client.idle(60)).toEqual([]);
  });
});

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

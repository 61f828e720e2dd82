// @ts-check
import { describe, expect, it } from 'vitest';
import { autoCleanup, tagOf, topBranch, viaCount } from './test-bed.js';
import { buildRequest, buildResponseTo, rand } from './test-client.js';

/** @typedef {import('./test-bed.js').RawUa} RawUa */

const setup = autoCleanup();

/**
 * alice INVITEs bob; returns what both sides saw.
 * @param {RawUa} alice @param {RawUa} bob @param {{ headers?: string[] }} [o]
 */
async function invite(alice, bob, o = {}) {
  const branch = `z9hG4bK${rand()}`;
  const callId = rand(8);
  const fromTag = rand();
  const text = buildRequest('INVITE', bob.aor, {
    from: alice.aor, to: bob.aor, viaHost: alice.viaHost, contact: alice.contact, branch, callId, fromTag,
    body: 'v=0\r\n', contentType: 'application/sdp', headers: o.headers,
  });
  alice.client.send(text);
  expect((await alice.client.response(100, 'INVITE')).header('to')).not.toMatch(/tag=/);
  const atBob = await bob.client.request('INVITE');
  return { branch, callId, fromTag, atBob };
}

/** Full call setup; returns dialog data for in-dialog requests. @param {RawUa} alice @param {RawUa} bob @param {string} rr */
async function establish(alice, bob, rr) {
  const inv = await invite(alice, bob);
  bob.client.send(buildResponseTo(inv.atBob, 200, 'OK', { toTag: 'bobtag', contact: bob.contact }));
  const ok = await alice.client.response(200, 'INVITE');
  expect(ok.headers('record-route')).toEqual([rr]);
  const ack = buildRequest('ACK', bob.contact, {
    from: alice.aor, to: bob.aor, toTag: 'bobtag', fromTag: inv.fromTag, callId: inv.callId, viaHost: alice.viaHost,
    headers: [`Route: ${rr}`],
  });
  alice.client.send(ack);
  const ackAtBob = await bob.client.request('ACK');
  return { ...inv, ok, ackAtBob, toTag: 'bobtag' };
}

describe('proxy: INVITE transactions', () => {
  it('sends 100 Trying, relays 180 and 486, ACKs the 486 downstream and absorbs the caller ACK', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    const inv = await invite(alice, bob);
    expect(inv.atBob.ruri).toBe(bob.contact);
    bob.client.send(buildResponseTo(inv.atBob, 100, 'Trying'));
    bob.client.send(buildResponseTo(inv.atBob, 180, 'Ringing', { toTag: 'bt', contact: bob.contact }));
    expect(viaCount(await alice.client.response(180))).toBe(1);
    bob.client.send(buildResponseTo(inv.atBob, 486, 'Busy Here', { toTag: 'bt' }));
    const busy = await alice.client.response(486);
    expect(tagOf(busy)).toBe('bt');
    const hopAck = await bob.client.request('ACK');
    expect(topBranch(hopAck)).toBe(topBranch(inv.atBob));
    expect(hopAck.header('cseq')).toBe('1 ACK');
    expect(tagOf(hopAck)).toBe('bt');
    alice.client.send(buildRequest('ACK', bob.aor, { from: alice.aor, to: bob.aor, toTag: 'bt', fromTag: inv.fromTag, callId: inv.callId, branch: inv.branch }));
    expect(await bob.client.idle(80)).toEqual([]); // caller's ACK absorbed
    expect(alice.client.queue).toEqual([]); // only one 100 reached alice (bob's 100 is hop-by-hop)
  });

  it('answers 100 then 404 for an INVITE to an unregistered user', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    alice.client.send(buildRequest('INVITE', 'sip:ghost@voxline.test', { from: alice.aor, to: 'sip:ghost@voxline.test', contact: alice.contact }));
    expect((await alice.client.next()).status).toBe(100);
    expect((await alice.client.next()).status).toBe(404);
  });

  it('relays INVITE → 200 → ACK → BYE with Record-Route / Route handling, in both directions', async () => {
    const { ua, rr } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    const call = await establish(alice, bob, rr);
    expect(call.atBob.headers('record-route')).toEqual([rr]);
    expect(call.ackAtBob.headers('route')).toEqual([]); // server removed its own Route entry
    expect(call.ackAtBob.ruri).toBe(bob.contact);
    expect(viaCount(call.ackAtBob)).toBe(2);

    // callee hangs up: BYE to alice's Contact learned from the INVITE
    bob.client.send(buildRequest('BYE', alice.contact, {
      from: bob.aor, fromTag: call.toTag, to: alice.aor, toTag: call.fromTag, callId: call.callId, cseq: 1,
      viaHost: bob.viaHost, headers: [`Route: ${rr}`],
    }));
    const bye = await alice.client.request('BYE');
    expect(bye.headers('route')).toEqual([]);
    expect(bye.header('call-id')).toBe(call.callId);
    alice.client.send(buildResponseTo(bye, 200, 'OK'));
    const byeOk = await bob.client.response(200, 'BYE');
    expect(viaCount(byeOk)).toBe(1);
    expect(await alice.client.idle(50)).toEqual([]);
  });

  it('relays a re-INVITE and an in-dialog REFER + NOTIFY', async () => {
    const { ua, rr } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    const call = await establish(alice, bob, rr);
    const dialog = { from: alice.aor, fromTag: call.fromTag, to: bob.aor, toTag: call.toTag, callId: call.callId, viaHost: alice.viaHost, headers: [`Route: ${rr}`] };

    alice.client.send(buildRequest('INVITE', bob.contact, { ...dialog, cseq: 2, contact: alice.contact, body: 'v=0\r\n', contentType: 'application/sdp' }));
    expect((await alice.client.response(100, 'INVITE')).status).toBe(100);
    const reinvite = await bob.client.request('INVITE');
    expect(reinvite.header('cseq')).toBe('2 INVITE');
    expect(reinvite.headers('record-route')).toEqual([]);
    bob.client.send(buildResponseTo(reinvite, 200, 'OK', { contact: bob.contact }));
    expect((await alice.client.response(200, 'INVITE')).header('cseq')).toBe('2 INVITE');

    // bob transfers alice: REFER in the dialog, 202, then NOTIFY back
    bob.client.send(buildRequest('REFER', alice.contact, {
      from: bob.aor, fromTag: call.toTag, to: alice.aor, toTag: call.fromTag, callId: call.callId, cseq: 2, viaHost: bob.viaHost,
      contact: bob.contact, headers: [`Route: ${rr}`, 'Refer-To: <sip:carol@voxline.test>'],
    }));
    const refer = await alice.client.request('REFER');
    expect(refer.header('refer-to')).toBe('<sip:carol@voxline.test>');
    alice.client.send(buildResponseTo(refer, 202, 'Accepted'));
    expect((await bob.client.response(202, 'REFER')).status).toBe(202);
    alice.client.send(buildRequest('NOTIFY', bob.contact, {
      ...dialog, cseq: 3, headers: [`Route: ${rr}`, 'Event: refer', 'Subscription-State: active'], body: 'SIP/2.0 100 Trying\r\n', contentType: 'message/sipfrag',
    }));
    const notify = await bob.client.request('NOTIFY');
    expect(notify.body).toBe('SIP/2.0 100 Trying\r\n');
    bob.client.send(buildResponseTo(notify, 200, 'OK'));
    expect((await alice.client.response(200, 'NOTIFY')).status).toBe(200);
  });

  it('CANCEL before answer: 200 for the CANCEL, CANCEL downstream, 487 at the caller', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    const inv = await invite(alice, bob);
    bob.client.send(buildResponseTo(inv.atBob, 180, 'Ringing', { toTag: 'bt' }));
    await alice.client.response(180);
    alice.client.send(buildRequest('CANCEL', bob.aor, { from: alice.aor, to: bob.aor, fromTag: inv.fromTag, callId: inv.callId, branch: inv.branch, viaHost: alice.viaHost, headers: ['Reason: SIP;cause=487'] }));
    expect((await alice.client.response(200, 'CANCEL')).status).toBe(200);
    const cancel = await bob.client.request('CANCEL');
    expect(topBranch(cancel)).toBe(topBranch(inv.atBob));
    expect(cancel.ruri).toBe(inv.atBob.ruri);
    expect(cancel.header('reason')).toBe('SIP;cause=487');
    bob.client.send(buildResponseTo(cancel, 200, 'OK', { toTag: 'bt' }));
    bob.client.send(buildResponseTo(inv.atBob, 487, 'Request Terminated', { toTag: 'bt' }));
    expect((await alice.client.response(487, 'INVITE')).status).toBe(487);
    expect((await bob.client.request('ACK')).header('cseq')).toBe('1 ACK');
    expect(await alice.client.idle(50)).toEqual([]); // bob's 200-for-CANCEL was absorbed
  });

  it('answers 481 to a CANCEL that matches no transaction', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    alice.client.send(buildRequest('CANCEL', 'sip:bob@voxline.test', { from: alice.aor, to: 'sip:bob@voxline.test' }));
    expect((await alice.client.next()).status).toBe(481);
  });

  it('answers 480 to the caller when the ringing callee disconnects', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    await invite(alice, bob);
    await bob.client.close();
    expect((await alice.client.next((f) => f.status >= 200)).status).toBe(480);
  });
});

describe('proxy: forking to several bindings', () => {
  it('rings every tab, relays the first 200 and CANCELs the other branch', async () => {
    const { ua, rr } = await setup();
    const alice = await ua('alice');
    const tab1 = await ua('bob');
    const tab2 = await ua('bob');
    const inv = await invite(alice, tab1);
    const atTab2 = await tab2.client.request('INVITE');
    expect(inv.atBob.header('call-id')).toBe(atTab2.header('call-id'));
    expect(topBranch(inv.atBob)).not.toBe(topBranch(atTab2));
    tab1.client.send(buildResponseTo(inv.atBob, 180, 'Ringing', { toTag: 't1' }));
    tab2.client.send(buildResponseTo(atTab2, 200, 'OK', { toTag: 't2', contact: tab2.contact }));
    const ok = await alice.client.response(200, 'INVITE');
    expect(tagOf(ok)).toBe('t2');
    expect(ok.headers('record-route')).toEqual([rr]);
    const cancel = await tab1.client.request('CANCEL');
    expect(cancel.header('reason')).toMatch(/cause=200/);
    tab1.client.send(buildResponseTo(cancel, 200, 'OK', { toTag: 't1' }));
    tab1.client.send(buildResponseTo(inv.atBob, 487, 'Request Terminated', { toTag: 't1' }));
    expect((await tab1.client.request('ACK')).header('cseq')).toBe('1 ACK');
    expect((await alice.client.idle(80)).map((t) => t.split('\r\n')[0])).toEqual(['SIP/2.0 180 Ringing']);
  });

  it('waits for all branches and prefers a 6xx', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const tab1 = await ua('bob');
    const tab2 = await ua('bob');
    const inv = await invite(alice, tab1);
    const atTab2 = await tab2.client.request('INVITE');
    tab2.client.send(buildResponseTo(atTab2, 486, 'Busy Here', { toTag: 't2' }));
    expect(await alice.client.idle(60)).toEqual([]);
    tab1.client.send(buildResponseTo(inv.atBob, 603, 'Decline', { toTag: 't1' }));
    expect((await alice.client.next()).status).toBe(603);
    expect(await alice.client.idle(50)).toEqual([]);
    expect((await tab1.client.request('ACK')).status).toBe(0);
    expect((await tab2.client.request('ACK')).status).toBe(0);
  });

  it('delivers a MESSAGE to every tab and relays a single 200', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const tab1 = await ua('bob');
    const tab2 = await ua('bob');
    alice.client.send(buildRequest('MESSAGE', tab1.aor, { from: alice.aor, to: tab1.aor, body: 'both' }));
    const m1 = await tab1.client.request('MESSAGE');
    const m2 = await tab2.client.request('MESSAGE');
    tab1.client.send(buildResponseTo(m1, 200, 'OK', { toTag: 'a' }));
    tab2.client.send(buildResponseTo(m2, 200, 'OK', { toTag: 'b' }));
    expect((await alice.client.next()).status).toBe(200);
    expect(await alice.client.idle(60)).toEqual([]);
  });
});

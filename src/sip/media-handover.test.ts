/**
 * Handing a live call to new media in the same dialog (shared mode: the SIP stays in the engine,
 * the media lives in a tab; answered-call.ts, reinvite.ts's handOver, call-recovery.ts's
 * suspend/resume) through a real call on sip.js's core, fake media, a scripted far end and a
 * fake clock: detachMedia() when the tab goes, replaceMedia() when a tab brings new media.
 */
import { describe, expect, it, vi } from 'vitest';
import { SipError } from '../errors';
import { FakeCallMedia } from '../../test/fake-call-media';
import { useCallBedHooks, answeredIncoming, answeredOutgoing, bobUri, holdAccepted, type CallBed } from '../../test/sip-call-bed';
import type { CallSession } from './call-session';

let bed: CallBed;
useCallBedHooks((b) => (bed = b));

/** The bed's callRecoveryTimeoutMs (CallManager's default). */
const RECOVERY_TIMEOUT_MS = 30_000;

/** Every event of `call` with its payload, in order. */
function record(call: CallSession): Array<[string, unknown?]> {
  const seen: Array<[string, unknown?]> = [];
  for (const name of ['reconnecting', 'reconnected', 'held', 'resumed', 'remotehold', 'remoteresume', 'ended'] as const) {
    call.on(name, (payload?: unknown) => seen.push(payload === undefined ? [name] : [name, payload]));
  }
  return seen;
}

const cseqOf = (header: string | undefined): number => Number.parseInt(header ?? '', 10);

/** The re-INVITE of a handover: answered 200 with bob's offer of his existing session. */
function offerFromBob(sdp = 'v=0 bob-offers-his-session\r\n'): void {
  bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp });
}

describe('detachMedia(): the tab holding the media closed or reloaded', () => {
  it('one reconnecting {tab-closed}; the media closed; no ICE restart, no stats polling, no ending over 2× callRecoveryTimeoutMs', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    const polls = vi.spyOn(media, 'getStats');
    await bed.settle(1000);
    const pollsBefore = polls.mock.calls.length;
    expect(pollsBefore).toBeGreaterThan(0); // the watch samples inbound RTP while the media is there
    const detachedAt = Date.now();
    call.detachMedia();
    expect(call.state).toBe('reconnecting');
    expect(seen).toEqual([['reconnecting', { reason: 'tab-closed', at: detachedAt }]]);
    expect(media.log.at(-1)).toBe('close');
    media.setConnectionState('failed'); // a late report of the closed media: not ours any more
    await bed.settle(2 * RECOVERY_TIMEOUT_MS + 5000);
    expect(seen).toHaveLength(1);
    expect(call.state).toBe('reconnecting');
    expect(bed.peer.requests('INVITE')).toHaveLength(1); // the initial INVITE only
    expect(bed.peer.requests('BYE')).toHaveLength(0);
    expect(polls.mock.calls.length).toBe(pollsBefore);
    call.detachMedia(); // twice: nothing more
    expect(seen).toHaveLength(1);
  });

  it('while an ICE-restart recovery is under way: no second reconnecting, its attempts stop, the incident goes on', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    const downAt = Date.now();
    media.setConnectionState('failed');
    await bed.settle();
    expect(bed.peer.requests('INVITE')).toHaveLength(2); // the first restart attempt
    bed.peer.respond(bed.peer.last('INVITE'), 503, 'Service Unavailable');
    await bed.settle(100);
    call.detachMedia();
    await bed.settle(2 * RECOVERY_TIMEOUT_MS);
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    expect(seen).toEqual([['reconnecting', { reason: 'network', at: downAt }]]);
    const replacing = call.replaceMedia(new FakeCallMedia());
    await bed.settle();
    offerFromBob();
    await replacing;
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
    expect(seen[1]![1]).toEqual({ at: Date.now(), downtimeMs: Date.now() - downAt });
  });

  it('their re-INVITE meanwhile gets 491 (they try again after the §14.1 wait); answered normally once the new media is in', async () => {
    const { call, media, dialog } = await answeredOutgoing(bed);
    call.detachMedia();
    const before = media.log.length;
    const theirs = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 their-ice-restart\r\n' });
    await bed.settle();
    expect(bed.peer.answersTo(theirs)).toEqual([491]);
    const offerless = bed.peer.inDialog(dialog, 'INVITE'); // a refresh without an offer: the same
    await bed.settle();
    expect(bed.peer.answersTo(offerless)).toEqual([491]);
    expect(media.log.length).toBe(before);
    expect(call.state).toBe('reconnecting');

    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh);
    await bed.settle();
    offerFromBob();
    await replacing;
    const again = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 their-offer-again\r\n' });
    await bed.settle();
    expect(bed.peer.answersTo(again)).toEqual([200]);
    expect(fresh.calls.at(-1)).toBe('createAnswer hold=false');
    expect(media.log.length).toBe(before);
  });

  it('hangup() while detached: BYE, ended local-hangup; their BYE while detached ends the call as connection-lost', async () => {
    const { call } = await answeredOutgoing(bed);
    const seen = record(call);
    call.detachMedia();
    await call.hangup();
    expect(bed.peer.requests('BYE')).toHaveLength(1);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'ended']);
    expect(seen[1]![1]).toEqual({ reason: 'local-hangup' });

    const second = await answeredIncoming(bed);
    const events = record(second.call);
    second.call.detachMedia();
    const bye = bed.peer.inDialog(second.dialog, 'BYE');
    await bed.settle();
    expect(bed.peer.answersTo(bye)).toEqual([200]);
    expect(events.at(-1)).toEqual(['ended', { reason: 'connection-lost' }]);
  });

  it('the link comes back while detached: no refresh re-INVITE (there is no media to offer; the handover\'s re-INVITE refreshes the target)', async () => {
    const { call } = await answeredOutgoing(bed);
    call.detachMedia();
    call.linkDown();
    await call.refreshTarget();
    await bed.settle(10_000);
    expect(bed.peer.requests('INVITE')).toHaveLength(1);
  });

  it('is refused before the call is answered', async () => {
    const placing = bed.manager.place(bobUri(), {}, {});
    await bed.settle();
    const call = await placing;
    expect(() => call.detachMedia()).toThrow(/detachMedia\(\) is not possible on an outgoing call in state "connecting"/);
    await expect(call.replaceMedia(new FakeCallMedia())).rejects.toMatchObject({ code: 'invalid-state' });
  });
});

describe('replaceMedia(media): the call goes on with a new tab\'s media', () => {
  it('one re-INVITE without offer; bob\'s offer answered by the new media in the ACK; reconnected once with the downtime; the watch on the new media', async () => {
    const { call, media, invite } = await answeredOutgoing(bed);
    const seen = record(call);
    call.detachMedia();
    const detachedAt = Date.now();
    await bed.settle(2500); // the reload
    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh);
    await bed.settle();
    expect(call.currentMedia).toBe(fresh);
    const reinvite = bed.peer.last('INVITE');
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    expect(reinvite.header('call-id')).toBe(invite.header('call-id'));
    expect(reinvite.header('to')).toContain('tag=b1');
    expect(cseqOf(reinvite.header('cseq'))).toBe(cseqOf(invite.header('cseq')) + 1);
    expect(reinvite.header('contact')).toBe(invite.header('contact')!.replace(/>$/, ';vxh=2>')); // moved: a far end keeping a peer connection per Contact renews it
    expect(reinvite.body ?? '').toBe('');
    await bed.settle(500);
    offerFromBob('v=0 bob-offer\r\n');
    await replacing;
    const ack = bed.peer.last('ACK');
    expect(ack.header('cseq')).toBe(`${cseqOf(reinvite.header('cseq'))} ACK`);
    expect(ack.body).toBe('v=0 answer 1 hold=false\r\n');
    expect(fresh.log).toEqual(['createAnswer hold=false to v=0 bob-offer']);
    expect(media.log.slice(media.log.indexOf('close'))).toEqual(['close']); // the old one: closed at detachMedia(), nothing after
    expect(call.state).toBe('answered');
    expect(seen).toEqual([
      ['reconnecting', { reason: 'tab-closed', at: detachedAt }],
      ['reconnected', { at: detachedAt + 3000, downtimeMs: 3000 }],
    ]);
    await bed.settle(RECOVERY_TIMEOUT_MS);
    expect(seen).toHaveLength(2);

    // The watch is armed again, on the new media: its failure restarts ICE with it.
    fresh.setConnectionState('failed');
    await bed.settle();
    expect(seen.at(-1)).toEqual(['reconnecting', expect.objectContaining({ reason: 'network' })]);
    expect(fresh.calls.at(-1)).toBe('createOffer hold=false iceRestart');
    expect(bed.peer.last('INVITE').body).toBe('v=0 offer 2 hold=false\r\n');
  });

  it('a held call: the new media answers as held, the call is held again (no held/resumed events)', async () => {
    const { call } = await answeredOutgoing(bed);
    await holdAccepted(bed, call);
    const seen = record(call);
    call.detachMedia();
    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh);
    await bed.settle();
    offerFromBob('v=0 bob-recvonly\r\n');
    await replacing;
    expect(fresh.calls).toEqual(['createAnswer hold=true']);
    expect(bed.peer.last('ACK').body).toBe('v=0 answer 1 hold=true\r\n');
    expect(call.state).toBe('held');
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
  });

  it('keeps the mute: the new media is muted before it answers', async () => {
    const { call } = await answeredOutgoing(bed);
    call.mute();
    call.detachMedia();
    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh);
    await bed.settle();
    offerFromBob();
    await replacing;
    expect(fresh.calls).toEqual(['setMuted true', 'createAnswer hold=false']);
  });

  it('491 (their own re-INVITE pending): sent again after the §14.1 wait (2.1–4 s: we made the Call-ID), then handed over', async () => {
    const { call } = await answeredOutgoing(bed);
    const seen = record(call);
    call.detachMedia();
    const replacing = call.replaceMedia(new FakeCallMedia());
    await bed.settle();
    const first = bed.peer.last('INVITE');
    bed.peer.respond(first, 491, 'Request Pending');
    await bed.settle(2099);
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    await bed.settle(4000 - 2099);
    expect(bed.peer.requests('INVITE')).toHaveLength(3);
    const again = bed.peer.last('INVITE');
    expect(cseqOf(again.header('cseq'))).toBe(cseqOf(first.header('cseq')) + 1);
    expect(again.body ?? '').toBe('');
    offerFromBob();
    await replacing;
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
    expect(call.state).toBe('answered');
  });

  it('an incoming call (bob made the Call-ID) waits 0–2 s after a 491', async () => {
    const { call } = await answeredIncoming(bed);
    call.detachMedia();
    const replacing = call.replaceMedia(new FakeCallMedia());
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 491, 'Request Pending');
    await bed.settle(2000);
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    offerFromBob();
    await replacing;
    expect(call.state).toBe('answered');
  });

  it.each([
    [481, 'Call/Transaction Does Not Exist'],
    [408, 'Request Timeout'],
  ])('%i: rejects with SipError; the call stays detached (no reconnected); terminate(\'resume-failed\') sends BYE', async (status, reason) => {
    const { call } = await answeredOutgoing(bed);
    const seen = record(call);
    call.detachMedia();
    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh).catch((e: unknown) => e);
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), status, reason);
    const err = await replacing;
    expect(err).toBeInstanceOf(SipError);
    expect(err).toMatchObject({ status });
    expect(call.state).toBe('reconnecting');
    expect(seen.map(([name]) => name)).toEqual(['reconnecting']);
    const theirs = bed.peer.inDialog(bed.peer.dialogOf(bed.peer.requests('INVITE')[0]!, 'b1'), 'INVITE', { sdp: 'v=0 x\r\n', cseq: 200 });
    await bed.settle();
    expect(bed.peer.answersTo(theirs)).toEqual([491]); // still detached
    call.terminate('resume-failed');
    expect(bed.peer.requests('BYE')).toHaveLength(1);
    expect(seen.at(-1)).toEqual(['ended', { reason: 'resume-failed' }]);
    expect(fresh.log.at(-1)).toBe('close');
  });

  it('no answer at all (Timer B, 32 s): rejects with SipError 408', async () => {
    const { call } = await answeredOutgoing(bed);
    call.detachMedia();
    const replacing = call.replaceMedia(new FakeCallMedia()).catch((e: unknown) => e);
    await bed.settle(40_000);
    expect(await replacing).toMatchObject({ status: 408 });
    expect(call.state).toBe('reconnecting');
  });

  it('an unusable offer in the 2xx (none, or the new media refuses it): ACK without body, rejects, detached; BYE on terminate', async () => {
    const { call } = await answeredOutgoing(bed);
    call.detachMedia();
    const replacing = call.replaceMedia(new FakeCallMedia()).catch((e: unknown) => e);
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK'); // no SDP
    const err = await replacing;
    expect((err as Error).message).toMatch(/offer could not be used \(its 2xx carries no offer\)/);
    expect(bed.peer.requests('ACK')).toHaveLength(2);
    expect(bed.peer.last('ACK').body ?? '').toBe('');
    expect(call.state).toBe('reconnecting');

    const refusing = new FakeCallMedia();
    refusing.failNext.createAnswer = new Error('bad fingerprint');
    const retrying = call.replaceMedia(refusing).catch((e: unknown) => e);
    await bed.settle();
    offerFromBob();
    expect(((await retrying) as Error).message).toMatch(/bad fingerprint/);
    expect(bed.peer.requests('BYE')).toHaveLength(0);
    call.terminate('resume-failed');
    expect(bed.peer.requests('BYE')).toHaveLength(1);
  });

  it('a live handover (no detachMedia first): the old media closed, no reconnecting/reconnected, the new one answers', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh);
    expect(media.log.at(-1)).toBe('close');
    expect(call.state).toBe('answered');
    await bed.settle();
    offerFromBob();
    await replacing;
    expect(fresh.calls).toEqual(['createAnswer hold=false']);
    expect(seen).toEqual([]);
    await bed.settle(RECOVERY_TIMEOUT_MS);
    expect(seen).toEqual([]);
  });

  it('a second replaceMedia() while one is under way overtakes it: the same re-INVITE, answered by the second media; the first rejects', async () => {
    const { call } = await answeredOutgoing(bed);
    const seen = record(call);
    call.detachMedia();
    const first = new FakeCallMedia();
    const replacing = call.replaceMedia(first).catch((e: unknown) => e);
    await expect(call.replaceMedia(first)).rejects.toThrow(/the call has this media already/);
    await bed.settle();
    const second = new FakeCallMedia();
    const overtaking = call.replaceMedia(second);
    expect(first.log).toEqual(['close']);
    offerFromBob();
    expect(await replacing).toMatchObject({ code: 'invalid-state', message: 'replaceMedia(): overtaken' });
    await overtaking;
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    expect(second.calls).toEqual(['createAnswer hold=false']);
    expect(bed.peer.last('ACK').body).toBe('v=0 answer 1 hold=false\r\n');
    expect(call.currentMedia).toBe(second);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
    expect(call.state).toBe('answered');
  });

  it('hangup() while handing over: BYE, replaceMedia() rejects, the new media closed', async () => {
    const { call } = await answeredOutgoing(bed);
    call.detachMedia();
    const fresh = new FakeCallMedia();
    const replacing = call.replaceMedia(fresh).catch((e: unknown) => e);
    await bed.settle();
    await call.hangup();
    expect(await replacing).toMatchObject({ code: 'invalid-state' });
    expect(bed.peer.requests('BYE')).toHaveLength(1);
    expect(fresh.log.at(-1)).toBe('close');
  });

  it('detached again while handing over (the new tab closed too): rejects, stays detached, can be handed over once more', async () => {
    const { call } = await answeredOutgoing(bed);
    const seen = record(call);
    call.detachMedia();
    const first = new FakeCallMedia();
    const replacing = call.replaceMedia(first).catch((e: unknown) => e);
    await bed.settle();
    call.detachMedia();
    expect(first.log.at(-1)).toBe('close');
    offerFromBob();
    expect(await replacing).toBeInstanceOf(Error);
    expect(bed.peer.last('ACK').body ?? '').toBe('');
    const second = new FakeCallMedia();
    const again = call.replaceMedia(second);
    await bed.settle();
    offerFromBob();
    await again;
    expect(second.calls).toEqual(['createAnswer hold=false']);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
    expect(call.state).toBe('answered');
  });
});

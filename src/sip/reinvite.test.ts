/**
 * Offer/answer inside an answered call (reinvite.ts through a real call on sip.js's core, fake
 * media, scripted far end): hold/unhold, their re-INVITEs, glare (491 both ways, §14.1 wait),
 * the target refresh after a reconnect.
 */
import { describe, expect, it } from 'vitest';
import { SipError } from '../errors';
import { glareDelayMs } from './reinvite';
import { useCallBedHooks, answeredIncoming, answeredOutgoing, type CallBed } from '../../test/sip-call-bed';

let bed: CallBed;
useCallBedHooks((b) => (bed = b));

const cseqOf = (header: string | undefined): number => Number.parseInt(header ?? '', 10);

describe('glareDelayMs (RFC 3261 §14.1)', () => {
  it('is 2.1–4 s for the owner of the Call-ID and 0–2 s otherwise, in 10 ms steps', () => {
    expect(glareDelayMs(true, () => 0)).toBe(2100);
    expect(glareDelayMs(true, () => 0.99999)).toBe(4000);
    expect(glareDelayMs(false, () => 0)).toBe(0);
    expect(glareDelayMs(false, () => 0.99999)).toBe(2000);
    for (let i = 0; i < 50; i++) expect(glareDelayMs(Math.random() < 0.5) % 10).toBe(0);
  });
});

describe('our re-INVITEs', () => {
  it('hold(): re-INVITE with a hold offer, 200 → ACK, acceptAnswer, held; unhold(): resumed', async () => {
    const { call, media, invite } = await answeredOutgoing(bed);
    const events: string[] = [];
    call.on('held', () => events.push('held'));
    call.on('resumed', () => events.push('resumed'));
    const holding = call.hold();
    await bed.settle();
    const reinvite = bed.peer.last('INVITE');
    expect(reinvite).not.toBe(invite);
    expect(reinvite.header('call-id')).toBe(invite.header('call-id'));
    expect(cseqOf(reinvite.header('cseq'))).toBe(cseqOf(invite.header('cseq')) + 1);
    expect(reinvite.header('to')).toContain('tag=b1');
    expect(reinvite.header('contact')).toBeDefined();
    expect(reinvite.body).toBe('v=0 offer 2 hold=true\r\n');
    bed.peer.respond(reinvite, 200, 'OK', { sdp: 'v=0 held-answer\r\n' });
    await holding;
    expect(bed.peer.last('ACK').header('cseq')).toBe(`${cseqOf(reinvite.header('cseq'))} ACK`);
    expect(media.log.slice(-2)).toEqual(['createOffer hold=true', 'acceptAnswer v=0 held-answer']);
    expect(call.state).toBe('held');

    const resuming = call.unhold();
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 resumed\r\n' });
    await resuming;
    expect(bed.peer.last('INVITE').body).toBe('v=0 offer 3 hold=false\r\n');
    expect(call.state).toBe('answered');
    expect(events).toEqual(['held', 'resumed']);
  });

  it('a refused hold (488): the offer is rolled back, hold() rejects with SipError, the call stays answered', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const holding = call.hold().catch((e: unknown) => e);
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 488, 'Not Acceptable Here');
    const err = await holding;
    expect(err).toBeInstanceOf(SipError);
    expect(err).toMatchObject({ status: 488, message: 'hold refused: SIP 488 Not Acceptable Here' });
    expect(media.calls.slice(-2)).toEqual(['createOffer hold=true', 'rollback']);
    expect(media.held).toBe(false);
    expect(call.state).toBe('answered');
  });

  it('a 2xx whose answer is unusable: ACK, then BYE with Reason 488, ended failed', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const ended: unknown[] = [];
    call.on('ended', (e) => ended.push(e));
    const holding = call.hold();
    await bed.settle();
    media.failNext.acceptAnswer = new Error('bad answer');
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 broken\r\n' });
    await holding;
    expect(bed.peer.requests('ACK')).toHaveLength(2);
    expect(bed.peer.last('BYE').header('reason')).toContain('cause=488');
    expect(ended).toEqual([{ reason: 'failed' }]);
  });

  it('refreshTarget() (after a reconnect): a re-INVITE that keeps the hold state', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const holding = call.hold();
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 a\r\n' });
    await holding;
    const refreshing = call.refreshTarget();
    await bed.settle();
    expect(bed.peer.requests('INVITE')).toHaveLength(3);
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 b\r\n' });
    await refreshing;
    expect(media.calls.filter((c) => c.startsWith('createOffer'))).toEqual(['createOffer hold=false', 'createOffer hold=true', 'createOffer hold=true']);
    expect(call.state).toBe('held');
  });
});

describe('glare', () => {
  it('their re-INVITE while ours is out gets 491 (from the core); a 491 to ours: rollback, wait 2.1–4 s (we own the Call-ID), offer again', async () => {
    const { call, media, dialog } = await answeredOutgoing(bed);
    const holding = call.hold();
    await bed.settle();
    const ours = bed.peer.last('INVITE');
    const theirs = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 their-offer\r\n' });
    expect(bed.peer.answersTo(theirs)).toEqual([491]);
    bed.peer.respond(ours, 491, 'Request Pending');
    await bed.settle();
    expect(media.calls.slice(-2)).toEqual(['createOffer hold=true', 'rollback']);
    expect(bed.peer.requests('ACK')).toHaveLength(2); // the core ACKs the 491
    await bed.settle(2099);
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    await bed.settle(4000 - 2099);
    expect(bed.peer.requests('INVITE')).toHaveLength(3);
    const retry = bed.peer.last('INVITE');
    expect(cseqOf(retry.header('cseq'))).toBeGreaterThan(cseqOf(ours.header('cseq')));
    bed.peer.respond(retry, 200, 'OK', { sdp: 'v=0 at-last\r\n' });
    await holding;
    expect(call.state).toBe('held');
  });

  it('as the callee (not the Call-ID owner) the retry comes within 2 s; after three 491s hold() rejects with 491', async () => {
    const { call } = await answeredIncoming(bed);
    const holding = call.hold().catch((e: unknown) => e);
    for (let i = 0; i < 4; i++) {
      await bed.settle();
      expect(bed.peer.requests('INVITE')).toHaveLength(i + 1);
      bed.peer.respond(bed.peer.last('INVITE'), 491, 'Request Pending');
      await bed.settle(2000);
    }
    expect(await holding).toMatchObject({ status: 491 });
    expect(bed.peer.requests('INVITE')).toHaveLength(4);
    expect(call.state).toBe('answered');
  });

  it('their re-INVITE while we are still making our offer (nothing sent yet): we answer 491 ourselves', async () => {
    const { call, media, dialog } = await answeredOutgoing(bed);
    let release = (): void => undefined;
    media.holdNext.createOffer = new Promise<void>((r) => (release = r));
    const holding = call.hold();
    await bed.settle();
    const theirs = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 their-offer\r\n' });
    expect(bed.peer.answersTo(theirs)).toEqual([491]);
    expect(media.calls).not.toContain('createAnswer');
    release();
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 ok\r\n' });
    await holding;
    expect(call.state).toBe('held');
  });
});

describe('their re-INVITEs', () => {
  it('answered keeping our hold: createAnswer(offer, {hold: true}) in a 200; after the ACK our next re-INVITE may go', async () => {
    const { call, media, dialog } = await answeredIncoming(bed);
    const holding = call.hold();
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 a\r\n' });
    await holding;
    const theirs = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 new-offer\r\n' });
    await bed.settle();
    expect(bed.peer.answersTo(theirs)).toEqual([200]);
    expect(media.log.at(-1)).toBe('createAnswer hold=true to v=0 new-offer');
    const ok = bed.peer.responses('INVITE').at(-1)!;
    expect(ok.body).toMatch(/hold=true/);
    expect(ok.header('contact')).toBeDefined();
    // Our unhold waits for their ACK, then goes out.
    const resuming = call.unhold();
    await bed.settle();
    expect(bed.peer.requests('INVITE')).toHaveLength(1);
    bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq });
    await bed.settle();
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 b\r\n' });
    await resuming;
    expect(call.state).toBe('answered');
  });

  it('without an offer: our offer goes in the 200, the answer comes in the ACK', async () => {
    const { media, dialog } = await answeredOutgoing(bed);
    const theirs = bed.peer.inDialog(dialog, 'INVITE');
    await bed.settle();
    expect(bed.peer.answersTo(theirs)).toEqual([200]);
    expect(bed.peer.responses('INVITE').at(-1)!.body).toBe('v=0 offer 2 hold=false\r\n');
    bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq, sdp: 'v=0 answer-in-ack\r\n' });
    await bed.settle();
    expect(media.log.slice(-2)).toEqual(['createOffer hold=false', 'acceptAnswer v=0 answer-in-ack']);
  });

  it('without an offer from a new Contact (the other party reloaded and resumes the call): our offer comes from a renewed peer connection; from the same Contact it does not', async () => {
    const { media, dialog } = await answeredOutgoing(bed);
    bed.peer.inDialog(dialog, 'INVITE', { contact: 'sip:bob@198.51.100.9:5060;transport=ws' });
    await bed.settle();
    bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq, sdp: 'v=0 answer-1\r\n' });
    await bed.settle();
    bed.peer.inDialog(dialog, 'INVITE', { contact: 'sip:bob@198.51.100.9:5060;transport=ws' });
    await bed.settle();
    bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq, sdp: 'v=0 answer-2\r\n' });
    await bed.settle();
    expect(media.log.filter((l) => l.startsWith('createOffer') || l === 'renew').slice(1)).toEqual(['renew', 'createOffer hold=false', 'createOffer hold=false']);
  });

  it('an offer the media refuses: 488, the call goes on', async () => {
    const { call, media, dialog } = await answeredOutgoing(bed);
    media.failNext.createAnswer = new Error('no common codec');
    const theirs = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 video-only\r\n' });
    await bed.settle();
    expect(bed.peer.answersTo(theirs)).toEqual([488]);
    expect(call.state).toBe('answered');
    const holding = call.hold();
    await bed.settle();
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 a\r\n' });
    await holding;
    expect(call.state).toBe('held');
  });
});

/**
 * A call's setup and teardown on sip.js's core, against a scripted far end (test/sip-call-bed.ts:
 * a real UserAgent core over an in-memory transport, fake media): INVITE both ways, every end
 * reason, CANCEL races, forked answers, offerless INVITEs.
 */
import { describe, expect, it } from 'vitest';
import { InvalidStateError, MediaError } from '../errors';
import type { CallEnd, CallSession } from './call-session';
import { endReasonFor } from './call-events';
import { NO_ANSWER_TIMEOUT_MS } from './invite-server';
import { useCallBedHooks, BOB_CONTACT, bobUri, type CallBed } from '../../test/sip-call-bed';
import type { SipFrame } from '../../test/fake-registrar';

describe('endReasonFor', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'rejected'],
    [404, 'not-found'],
    [604, 'not-found'],
    [487, 'canceled'],
    [480, 'unavailable'],
    [408, 'unavailable'],
    [503, 'unavailable'],
    [488, 'failed'],
    [500, 'failed'],
  ])('SIP %i → %s', (status, reason) => {
    expect(endReasonFor(status)).toBe(reason);
  });
});

let bed: CallBed;
const beds = useCallBedHooks((b) => (bed = b));

/** Records a call's events (`ended` with its payload). */
function record(call: CallSession): { events: string[]; ended: CallEnd[] } {
  const events: string[] = [];
  const ended: CallEnd[] = [];
  for (const name of ['ringing', 'answered', 'held', 'resumed'] as const) call.on(name, () => events.push(name));
  call.on('ended', (end) => {
    events.push('ended');
    ended.push(end);
  });
  return { events, ended };
}

/** Alice calls bob; returns the call once the INVITE is out. */
async function dial(headers: Record<string, string> = {}): Promise<{ call: CallSession; invite: SipFrame; log: ReturnType<typeof record> }> {
  const placing = bed.manager.place(bobUri(), headers, {});
  await bed.settle();
  const call = await placing;
  return { call, invite: bed.peer.last('INVITE'), log: record(call) };
}

describe('outgoing call', () => {
  it('INVITE with our offer, 180 → ringing, 200 with the answer → acceptAnswer, ACK, answered; their BYE → 200, remote-hangup', async () => {
    const { call, invite, log } = await dial({ 'X-Ticket': '42' });
    const media = bed.medias[0]!;
    expect(invite.body).toBe('v=0 offer 1 hold=false\r\n');
    expect(invite.header('content-type')).toBe('application/sdp');
    expect(invite.header('x-ticket')).toBe('42');
    expect(invite.header('contact')).toMatch(/;ob>$/);
    expect(invite.header('allow')).toContain('REFER');
    expect(call.state).toBe('connecting');
    bed.peer.respond(invite, 100, 'Trying');
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'b1' });
    expect(call.state).toBe('ringing');
    bed.peer.respond(invite, 200, 'OK', { toTag: 'b1', sdp: 'v=0 answer-from-bob\r\n' });
    await bed.settle();
    expect(media.calls).toEqual(['createOffer hold=false', 'acceptAnswer']);
    expect(media.log[1]).toBe('acceptAnswer v=0 answer-from-bob');
    const ack = bed.peer.last('ACK');
    expect(ack.header('cseq')).toBe(`${Number.parseInt(invite.header('cseq')!, 10)} ACK`);
    expect(call.state).toBe('answered');
    const bye = bed.peer.inDialog(bed.peer.dialogOf(invite, 'b1'), 'BYE');
    expect(bed.peer.answersTo(bye)).toEqual([200]);
    expect(log.events).toEqual(['ringing', 'answered', 'ended']);
    expect(log.ended).toEqual([{ reason: 'remote-hangup' }]);
    expect(media.calls.at(-1)).toBe('close');
  });

  it.each([
    [486, 'Busy Here', { reason: 'busy', status: 486 }],
    [404, 'Not Found', { reason: 'not-found', status: 404 }],
    [603, 'Decline', { reason: 'rejected', status: 603 }],
    [480, 'Temporarily Unavailable', { reason: 'unavailable', status: 480 }],
    [500, 'Server Internal Error', { reason: 'failed', status: 500 }],
    [302, 'Moved Temporarily', { reason: 'failed', status: 302 }],
  ])('a final %i ends the call with %o; the INVITE is ACKed', async (status, reason, end) => {
    const { invite, log } = await dial();
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'b1' });
    bed.peer.respond(invite, status, reason, { toTag: 'b1' });
    await bed.settle();
    expect(log.ended).toEqual([end]);
    expect(bed.peer.requests('ACK')).toHaveLength(1);
    expect(bed.medias[0]!.calls.at(-1)).toBe('close');
  });

  it('401: the core answers the challenge (same Call-ID, higher CSeq, Authorization) and the call goes on', async () => {
    const { invite, log } = await dial();
    bed.peer.respond(invite, 401, 'Unauthorized', { toTag: 'r1', headers: ['WWW-Authenticate: Digest realm="voxline.test", nonce="abc123", qop="auth", algorithm=MD5'] });
    await bed.settle();
    const again = bed.peer.last('INVITE');
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    expect(again.header('call-id')).toBe(invite.header('call-id'));
    expect(again.header('authorization')).toMatch(/^Digest .*username="alice"/);
    expect(again.body).toBe(invite.body);
    bed.peer.respond(again, 200, 'OK', { toTag: 'b1', sdp: 'v=0 a\r\n' });
    await bed.settle();
    expect(log.events).toEqual(['answered']);
  });

  it('hangup() after 180: CANCEL (the INVITE’s branch); the 487 ends the call as canceled', async () => {
    const { call, invite, log } = await dial();
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'b1' });
    await call.hangup();
    const cancel = bed.peer.last('CANCEL');
    expect(cancel.header('via')).toBe(invite.header('via'));
    expect(log.ended).toEqual([]);
    bed.peer.respond(cancel, 200, 'OK');
    bed.peer.respond(invite, 487, 'Request Terminated', { toTag: 'b1' });
    await bed.settle();
    expect(log.ended).toEqual([{ reason: 'canceled' }]);
    expect(log.events).toEqual(['ringing', 'ended']);
  });

  it('hangup() before any provisional: the CANCEL waits for one (RFC 3261 §9.1)', async () => {
    const { call, invite } = await dial();
    await call.hangup();
    expect(bed.peer.requests('CANCEL')).toHaveLength(0);
    bed.peer.respond(invite, 100, 'Trying');
    expect(bed.peer.requests('CANCEL')).toHaveLength(1);
  });

  it('a 200 that crosses our CANCEL is ACKed and hung up (BYE); the call ends as canceled, never answered', async () => {
    const { call, invite, log } = await dial();
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'b1' });
    await call.hangup();
    bed.peer.respond(invite, 200, 'OK', { toTag: 'b1', sdp: 'v=0 late\r\n' });
    await bed.settle();
    expect(bed.peer.requests('ACK')).toHaveLength(1);
    const bye = bed.peer.last('BYE');
    expect(bye.header('to')).toContain('tag=b1');
    expect(log.events).toEqual(['ringing', 'ended']);
    expect(log.ended).toEqual([{ reason: 'canceled' }]);
    expect(bed.medias[0]!.calls).not.toContain('acceptAnswer');
  });

  it('a 200 that arrives while hangup() waits for the answer to apply is ACKed and hung up too', async () => {
    const { call, invite, log } = await dial();
    let release = (): void => undefined;
    bed.medias[0]!.holdNext.acceptAnswer = new Promise<void>((r) => (release = r));
    bed.peer.respond(invite, 200, 'OK', { toTag: 'b1', sdp: 'v=0 a\r\n' });
    await bed.settle();
    await call.hangup();
    release();
    await bed.settle();
    expect(bed.peer.requests('ACK')).toHaveLength(1);
    expect(bed.peer.requests('BYE')).toHaveLength(1);
    expect(log.events).toEqual(['ended']);
    expect(log.ended).toEqual([{ reason: 'canceled' }]);
  });

  it('forked INVITE: the first 2xx makes the call; a 2xx from a second phone is ACKed and hung up, the call goes on', async () => {
    const { call, invite, log } = await dial();
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'phone1' });
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'phone2' });
    bed.peer.respond(invite, 200, 'OK', { toTag: 'phone1', sdp: 'v=0 one\r\n' });
    bed.peer.respond(invite, 200, 'OK', { toTag: 'phone2', sdp: 'v=0 two\r\n' });
    await bed.settle();
    expect(bed.peer.requests('ACK').map((a) => /tag=(\w+)/.exec(a.header('to')!)?.[1]).sort()).toEqual(['phone1', 'phone2']);
    expect(bed.peer.requests('BYE').map((b) => /tag=(\w+)/.exec(b.header('to')!)?.[1])).toEqual(['phone2']);
    expect(bed.medias[0]!.log.filter((l) => l.startsWith('acceptAnswer'))).toEqual(['acceptAnswer v=0 one']);
    expect(call.state).toBe('answered');
    expect(log.events).toEqual(['ringing', 'answered']);
    await call.hangup();
    expect(bed.peer.requests('BYE').map((b) => /tag=(\w+)/.exec(b.header('to')!)?.[1])).toEqual(['phone2', 'phone1']);
    expect(log.ended).toEqual([{ reason: 'local-hangup' }]);
  });

  it('a 2xx whose answer the media refuses (or that has none): ACK, BYE with Reason 488, ended failed', async () => {
    const { invite, log } = await dial();
    bed.medias[0]!.failNext.acceptAnswer = new Error('bad SDP');
    bed.peer.respond(invite, 200, 'OK', { toTag: 'b1', sdp: 'v=0 broken\r\n' });
    await bed.settle();
    expect(bed.peer.requests('ACK')).toHaveLength(1);
    expect(bed.peer.last('BYE').header('reason')).toContain('cause=488');
    expect(log.ended).toEqual([{ reason: 'failed' }]);

    const second = await dial();
    bed.peer.respond(second.invite, 200, 'OK', { toTag: 'b2' });
    await bed.settle();
    expect(bed.peer.requests('BYE')).toHaveLength(2);
    expect(second.log.ended).toEqual([{ reason: 'failed' }]);
  });

  it('the core’s Timer B (no answer at all) ends the call as unavailable (408)', async () => {
    const { log } = await dial();
    await bed.settle(32_000);
    expect(log.ended).toEqual([{ reason: 'unavailable', status: 408 }]);
  });
});

/** Bob calls alice: the INVITE arrives, the call is announced. */
async function ringing(sdp: string | null = 'v=0 offer-from-bob\r\n') {
  const sent = bed.peer.invite(sdp === null ? {} : { sdp });
  await bed.settle();
  const call = bed.incoming.at(-1)!;
  return { call, sent, log: record(call), answers: () => bed.peer.answersTo(sent.text) };
}

describe('incoming call', () => {
  it('100 and 180 at once; answer(): createAnswer, 200 with our answer; ACK; hangup(): BYE, local-hangup', async () => {
    const { call, sent, log, answers } = await ringing();
    expect(answers()).toEqual([100, 180]);
    expect(call).toMatchObject({ direction: 'incoming', state: 'ringing', remote: { user: 'bob', uri: 'sip:bob@voxline.test' } });
    await bed.manager.answer(call, {});
    const media = bed.medias[0]!;
    expect(media.log[0]).toBe('createAnswer hold=false to v=0 offer-from-bob');
    const ok = bed.peer.responses('INVITE').find((r) => r.status === 200)!;
    expect(ok.body).toBe('v=0 answer 1 hold=false\r\n');
    expect(ok.header('contact')).toBeDefined();
    expect(call.state).toBe('answered');
    const dialog = sent.dialog(ok);
    bed.peer.inDialog(dialog, 'ACK', { cseq: 1 });
    await call.hangup();
    expect(bed.peer.last('BYE').startLine).toBe(`BYE ${BOB_CONTACT} SIP/2.0`);
    expect(log.events).toEqual(['answered', 'ended']);
    expect(log.ended).toEqual([{ reason: 'local-hangup' }]);
    expect(media.calls.at(-1)).toBe('close');
  });

  it('reject(): 486, ended rejected (486)', async () => {
    const { call, log, answers } = await ringing();
    await call.reject();
    expect(answers()).toEqual([100, 180, 486]);
    expect(log.ended).toEqual([{ reason: 'rejected', status: 486 }]);
  });

  it('CANCEL: 200 to the CANCEL, 487 to the INVITE, ended canceled; answer() then throws InvalidStateError', async () => {
    const { call, sent, log, answers } = await ringing();
    const cancel = bed.peer.cancel(sent.text);
    expect(bed.peer.answersTo(cancel)).toEqual([200]);
    expect(answers()).toEqual([100, 180, 487]);
    expect(log.ended).toEqual([{ reason: 'canceled' }]);
    await expect(bed.manager.answer(call, {})).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('a CANCEL while answer() makes the answer: 487, no 200, ended canceled, answer() resolves', async () => {
    const { call, sent, log, answers } = await ringing();
    let release = (): void => undefined;
    bed.mediaSetup = (media) => (media.holdNext.createAnswer = new Promise<void>((r) => (release = r)));
    const answering = bed.manager.answer(call, {});
    await bed.settle();
    expect(bed.medias[0]!.calls).toEqual(['createAnswer hold=false']);
    bed.peer.cancel(sent.text);
    release();
    await expect(answering).resolves.toBeUndefined();
    expect(answers()).toEqual([100, 180, 487]);
    expect(log.ended).toEqual([{ reason: 'canceled' }]);
  });

  it('an INVITE without an offer: our offer goes in the 200, the answer comes in the ACK', async () => {
    const { call, sent } = await ringing(null);
    await bed.manager.answer(call, {});
    const ok = bed.peer.responses('INVITE').find((r) => r.status === 200)!;
    expect(ok.body).toBe('v=0 offer 1 hold=false\r\n');
    bed.peer.inDialog(sent.dialog(ok), 'ACK', { cseq: 1, sdp: 'v=0 answer-in-ack\r\n' });
    await bed.settle();
    expect(bed.medias[0]!.log).toEqual(['createOffer hold=false', 'acceptAnswer v=0 answer-in-ack']);
    expect(call.state).toBe('answered');
  });

  it('an offerless INVITE whose ACK brings no answer: BYE with Reason 488, ended failed', async () => {
    const { call, sent, log } = await ringing(null);
    await bed.manager.answer(call, {});
    const ok = bed.peer.responses('INVITE').find((r) => r.status === 200)!;
    bed.peer.inDialog(sent.dialog(ok), 'ACK', { cseq: 1 });
    await bed.settle();
    expect(bed.peer.last('BYE').header('reason')).toContain('cause=488');
    expect(log.ended).toEqual([{ reason: 'failed' }]);
  });

  it('hangup() before the ACK of our 200: ended at once, the BYE goes out when the ACK arrives', async () => {
    const { call, sent, log } = await ringing();
    await bed.manager.answer(call, {});
    await call.hangup();
    expect(log.ended).toEqual([{ reason: 'local-hangup' }]);
    expect(bed.peer.requests('BYE')).toHaveLength(0);
    const ok = bed.peer.responses('INVITE').find((r) => r.status === 200)!;
    bed.peer.inDialog(sent.dialog(ok), 'ACK', { cseq: 1 });
    expect(bed.peer.requests('BYE')).toHaveLength(1);
  });

  it('nobody answers: 480 after 60 s, ended failed', async () => {
    const { log, answers } = await ringing();
    await bed.settle(NO_ANSWER_TIMEOUT_MS - 1);
    expect(log.ended).toEqual([]);
    await bed.settle(1);
    expect(answers()).toEqual([100, 180, 480]);
    expect(log.ended).toEqual([{ reason: 'failed' }]);
  });

  it('a body that is not SDP: 415, no call announced', async () => {
    const { text } = bed.peer.invite({ sdp: 'hello', contentType: 'text/plain' });
    await bed.settle();
    expect(bed.peer.answersTo(text)).toEqual([100, 415]);
    expect(bed.incoming).toHaveLength(0);
  });

  it('answer() with media that cannot use the offer: MediaError, 488, ended failed', async () => {
    const { call, log, answers } = await ringing();
    bed.mediaSetup = (media) => (media.failNext.createAnswer = new Error('Failed to parse SessionDescription'));
    const err = await bed.manager.answer(call, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as Error).message).toMatch(/offer could not be used/);
    expect(answers()).toEqual([100, 180, 488]);
    expect(log.ended).toEqual([{ reason: 'failed' }]);
    expect(bed.medias[0]!.calls.at(-1)).toBe('close');
  });

  it('beyond maxIncomingCalls a further INVITE is answered 486 and not announced', async () => {
    await beds.replace({ maxIncomingCalls: 1 });
    const first = await ringing();
    const second = bed.peer.invite({ sdp: 'v=0 x\r\n' });
    await bed.settle();
    expect(bed.incoming).toEqual([first.call]);
    expect(bed.peer.answersTo(second.text)).toEqual([100, 486]);
    expect(first.answers()).toEqual([100, 180]);
  });
});

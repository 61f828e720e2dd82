/**
 * Early media of an outgoing call on sip.js's core (test/sip-call-bed.ts: a real core over an
 * in-memory transport, fake media): 18x with SDP applied as a provisional answer while the call
 * rings, the `ringing {earlyMedia}` contract, forked early dialogs (the first branch plays, any
 * branch's 2xx may win), and the 2xx's final answer.
 */
import { describe, expect, it } from 'vitest';
import type { CallSession } from './call-session';
import { bobUri, useCallBedHooks, type CallBed } from '../../test/sip-call-bed';
import type { SipFrame } from '../../test/fake-registrar';

let bed: CallBed;
useCallBedHooks((b) => (bed = b));

/** Alice calls bob; returns the call once the INVITE is out, and its events with their payloads. */
async function dial(): Promise<{ call: CallSession; invite: SipFrame; events: string[] }> {
  const placing = bed.manager.place(bobUri(), {}, {});
  await bed.settle();
  const call = await placing;
  const events: string[] = [];
  call.on('ringing', (e) => events.push(`ringing earlyMedia=${String(e.earlyMedia)}`));
  call.on('answered', () => events.push('answered'));
  call.on('ended', (end) => events.push(`ended ${end.reason}`));
  return { call, invite: bed.peer.last('INVITE'), events };
}

/** What the media was asked to apply, in order (`acceptAnswer provisional v=0 …`). */
const answers = (): string[] => bed.medias[0]!.log.filter((l) => l.startsWith('acceptAnswer'));

const toTags = (method: string): (string | undefined)[] => bed.peer.requests(method).map((r) => /tag=(\w+)/.exec(r.header('to')!)?.[1]);

describe('early media', () => {
  it('a 180 with SDP answered at once by a 200 (auto-answering phone): ringing is still reported, before answered', async () => {
    const { call, invite, events } = await dial();
    // Applying the 180's SDP takes a while (a real peer connection does); the 200 comes meanwhile.
    let release = (): void => undefined;
    bed.medias[0]!.holdNext.acceptAnswer = new Promise<void>((resolve) => (release = resolve));
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'ph', sdp: 'v=0 early\r\n' });
    await bed.settle();
    bed.peer.respond(invite, 200, 'OK', { toTag: 'ph', sdp: 'v=0 early\r\n' });
    await bed.settle();
    release();
    await bed.settle();
    expect(call.state).toBe('answered');
    expect(events).toEqual(['ringing earlyMedia=true', 'answered']);
  });

  it('183 with SDP: its answer is applied at once (provisional), one ringing {earlyMedia: true}, state ringing, stats work; the 200 answer is final', async () => {
    const { call, invite, events } = await dial();
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'gw', sdp: 'v=0 early\r\n' });
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early']);
    expect(call.state).toBe('ringing');
    expect(events).toEqual(['ringing earlyMedia=true']);
    expect((await call.getStats()).codec).toBe('fake'); // from the call's media, while ringing
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'gw', sdp: 'v=0 early\r\n' }); // a retransmission
    await bed.settle();
    expect(answers()).toHaveLength(1);
    bed.peer.respond(invite, 200, 'OK', { toTag: 'gw', sdp: 'v=0 final\r\n' });
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early', 'acceptAnswer v=0 final']);
    expect(bed.medias[0]!.signalingState).toBe('stable');
    expect(call.state).toBe('answered');
    expect(events).toEqual(['ringing earlyMedia=true', 'answered']);
    expect(bed.peer.requests('ACK')).toHaveLength(1);
  });

  it('a plain 180, then a 183 with SDP: ringing {earlyMedia: false}, then once more {earlyMedia: true}; a 200 without SDP takes the branch\'s early answer', async () => {
    const { call, invite, events } = await dial();
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'gw' });
    await bed.settle();
    expect(events).toEqual(['ringing earlyMedia=false']);
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'gw' });
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'gw', sdp: 'v=0 early\r\n' });
    await bed.settle();
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'gw' });
    await bed.settle();
    expect(events).toEqual(['ringing earlyMedia=false', 'ringing earlyMedia=true']);
    bed.peer.respond(invite, 200, 'OK', { toTag: 'gw' });
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early', 'acceptAnswer v=0 early']);
    expect(call.state).toBe('answered');
    expect(events).toEqual(['ringing earlyMedia=false', 'ringing earlyMedia=true', 'answered']);
  });

  it.each([
    ['branchA', 'branchB'],
    ['branchB', 'branchA'],
  ])('forked INVITE with early media from two branches: the first branch plays; the 2xx of %s wins and gives the final answer; the other 2xx is ACKed and hung up', async (winner, loser) => {
    const { call, invite, events } = await dial();
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'branchA', sdp: 'v=0 early-A\r\n' });
    await bed.settle();
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'branchB', sdp: 'v=0 early-B\r\n' });
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early-A']);
    expect(events).toEqual(['ringing earlyMedia=true']);
    bed.peer.respond(invite, 200, 'OK', { toTag: winner, sdp: `v=0 final-${winner}\r\n` });
    bed.peer.respond(invite, 200, 'OK', { toTag: loser, sdp: `v=0 final-${loser}\r\n` });
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early-A', `acceptAnswer v=0 final-${winner}`]);
    expect(toTags('ACK').sort()).toEqual(['branchA', 'branchB']);
    expect(toTags('BYE')).toEqual([loser]);
    expect(call.state).toBe('answered');
    expect(events).toEqual(['ringing earlyMedia=true', 'answered']);
    await call.hangup();
    expect(toTags('BYE')).toEqual([loser, winner]);
  });

  describe('forked INVITE answered by another WebRTC endpoint than the early media\'s (another ICE ufrag and DTLS fingerprint)', () => {
    /** An answer from endpoint `who` (its ufrag and fingerprint), version `n`. */
    const sdpOf = (who: string, n = 1): string => `v=0 ${who}-${n}\r\na=ice-ufrag:${who}\r\na=fingerprint:sha-256 ${who.toUpperCase()}:01\r\n`;

    /** A's 183 plays, B's 183 does not, B's 200 wins; returns the call once B's 2xx is ACKed. */
    async function bWins(bEndpoint = 'bbbb') {
      const dialled = await dial();
      const { invite } = dialled;
      bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'branchA', sdp: sdpOf('aaaa') });
      bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'branchB', sdp: sdpOf(bEndpoint) });
      await bed.settle();
      bed.peer.respond(invite, 200, 'OK', { toTag: 'branchB', sdp: sdpOf(bEndpoint) });
      await bed.settle();
      return dialled;
    }

    it('B\'s 2xx is applied, ACKed, then a re-INVITE to B restarts ICE (same media, same microphone); answered once B accepts it; A\'s late 2xx is ACKed and hung up', async () => {
      const { call, invite, events } = await bWins();
      const media = bed.medias[0]!;
      expect(media.calls).toEqual(['createOffer hold=false', 'acceptAnswer provisional', 'acceptAnswer', 'restartIce', 'createOffer hold=false iceRestart']);
      expect(toTags('ACK')).toEqual(['branchB']);
      const reinvite = bed.peer.last('INVITE');
      expect(bed.peer.requests('INVITE')).toHaveLength(2);
      expect(/tag=(\w+)/.exec(reinvite.header('to')!)?.[1]).toBe('branchB');
      expect(reinvite.header('call-id')).toBe(invite.header('call-id'));
      expect(reinvite.body).toMatch(/^v=0 offer 2 /);
      expect(call.state).toBe('ringing'); // not answered before B can be heard
      expect(events).toEqual(['ringing earlyMedia=true']);
      bed.peer.respond(reinvite, 200, 'OK', { sdp: sdpOf('bbbb', 2) });
      await bed.settle();
      expect(answers().at(-1)).toBe(`acceptAnswer ${sdpOf('bbbb', 2).trim()}`);
      expect(media.signalingState).toBe('stable');
      expect(call.state).toBe('answered');
      expect(events).toEqual(['ringing earlyMedia=true', 'answered']);
      expect(toTags('ACK')).toEqual(['branchB', 'branchB']);
      // A answers too, late (its CANCEL crossed its 2xx): ACK and BYE that dialog (RFC 3261 §13.2.2.4).
      bed.peer.respond(invite, 200, 'OK', { toTag: 'branchA', sdp: sdpOf('aaaa') });
      await bed.settle();
      expect(toTags('ACK')).toEqual(['branchB', 'branchB', 'branchA']);
      expect(toTags('BYE')).toEqual(['branchA']);
      expect(call.state).toBe('answered');
      expect(media.calls.filter((c) => c.startsWith('createOffer'))).toHaveLength(2);
      await call.hangup();
      expect(toTags('BYE')).toEqual(['branchA', 'branchB']);
    });

    it('B is the same endpoint as A (an SBC such as rtpengine answers for every branch): no re-INVITE, answered at once', async () => {
      const { call, events } = await bWins('aaaa');
      expect(bed.medias[0]!.calls).toEqual(['createOffer hold=false', 'acceptAnswer provisional', 'acceptAnswer']);
      expect(bed.peer.requests('INVITE')).toHaveLength(1);
      expect(call.state).toBe('answered');
      expect(events).toEqual(['ringing earlyMedia=true', 'answered']);
    });

    it('B refuses the re-INVITE: the call cannot be heard, BYE with Reason 488 to B, ended failed', async () => {
      const { call, events } = await bWins();
      bed.peer.respond(bed.peer.last('INVITE'), 488, 'Not Acceptable Here');
      await bed.settle();
      expect(call.state).toBe('ended');
      expect(events).toEqual(['ringing earlyMedia=true', 'ended failed']);
      expect(toTags('BYE')).toEqual(['branchB']);
      expect(bed.peer.last('BYE').header('reason')).toContain('cause=488');
      expect(bed.medias[0]!.log.at(-1)).toBe('close');
    });

    it('hangup() while the re-INVITE to B is out: BYE to B, ended local-hangup, the media closed', async () => {
      const { call, events } = await bWins();
      await call.hangup();
      await bed.settle();
      expect(events).toEqual(['ringing earlyMedia=true', 'ended local-hangup']);
      expect(toTags('BYE')).toEqual(['branchB']);
      expect(bed.peer.requests('CANCEL')).toHaveLength(0);
      expect(bed.medias[0]!.log.at(-1)).toBe('close');
    });
  });

  it('two 183s and a 200 racing (they arrive while the first 183 is applied): the first branch plays, the final answer comes after it, ringing before answered', async () => {
    const { invite, events } = await dial();
    let release = (): void => undefined;
    bed.medias[0]!.holdNext.acceptAnswer = new Promise<void>((r) => (release = r));
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'branchA', sdp: 'v=0 early-A\r\n' });
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'branchB', sdp: 'v=0 early-B\r\n' });
    bed.peer.respond(invite, 200, 'OK', { toTag: 'branchB', sdp: 'v=0 final-B\r\n' });
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early-A']);
    expect(events).toEqual([]);
    release();
    await bed.settle();
    expect(answers()).toEqual(['acceptAnswer provisional v=0 early-A', 'acceptAnswer v=0 final-B']);
    expect(events).toEqual(['ringing earlyMedia=true', 'answered']);
  });

  it('early media the media cannot use: ringing {earlyMedia: false}, the call goes on and is answered by the 200', async () => {
    const { call, invite, events } = await dial();
    bed.medias[0]!.failNext.acceptAnswer = new Error('bad early SDP');
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'gw', sdp: 'v=0 broken\r\n' });
    await bed.settle();
    expect(events).toEqual(['ringing earlyMedia=false']);
    expect(call.state).toBe('ringing');
    bed.peer.respond(invite, 200, 'OK', { toTag: 'gw', sdp: 'v=0 final\r\n' });
    await bed.settle();
    expect(call.state).toBe('answered');
    expect(events).toEqual(['ringing earlyMedia=false', 'answered']);
  });

  it('hangup() while early media plays: CANCEL, ended canceled, the media closed', async () => {
    const { call, invite, events } = await dial();
    bed.peer.respond(invite, 183, 'Session Progress', { toTag: 'gw', sdp: 'v=0 early\r\n' });
    await bed.settle();
    await call.hangup();
    await bed.settle();
    expect(bed.peer.requests('CANCEL')).toHaveLength(1);
    bed.peer.respond(bed.peer.last('CANCEL'), 200, 'OK');
    bed.peer.respond(invite, 487, 'Request Terminated', { toTag: 'gw' });
    await bed.settle();
    expect(events).toEqual(['ringing earlyMedia=true', 'ended canceled']);
    expect(bed.medias[0]!.log.at(-1)).toBe('close');
  });
});

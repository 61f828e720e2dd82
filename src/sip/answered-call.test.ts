/**
 * Media recovery and remote hold through a real call on sip.js's core (answered-call.ts with
 * call-recovery.ts and reinvite.ts; fake media, scripted far end, fake clock): the ICE-restart
 * re-INVITE, the call's `reconnecting` state and events, glare, the signalling link going down,
 * giving up with `connection-lost`, and `remotehold`/`remoteresume`.
 */
import { describe, expect, it } from 'vitest';
import { useCallBedHooks, answeredIncoming, answeredOutgoing, holdAccepted, type CallBed } from '../../test/sip-call-bed';
import type { CallSession } from './call-session';

let bed: CallBed;
useCallBedHooks((b) => (bed = b));

/** Every event of `call` with its payload, in order. */
function record(call: CallSession): Array<[string, unknown?]> {
  const seen: Array<[string, unknown?]> = [];
  for (const name of ['reconnecting', 'reconnected', 'remotehold', 'remoteresume', 'held', 'resumed', 'ended'] as const) {
    call.on(name, (payload?: unknown) => seen.push(payload === undefined ? [name] : [name, payload]));
  }
  return seen;
}

const offers = (media: { calls: string[] }): string[] => media.calls.filter((c) => c.startsWith('createOffer'));

describe('ICE-restart recovery of an answered call', () => {
  it('media failed: state reconnecting, one re-INVITE restarting ICE with our Contact; media back: answered again, one reconnected', async () => {
    const { call, media, invite } = await answeredOutgoing(bed);
    const seen = record(call);
    media.setConnectionState('failed');
    await bed.settle();
    expect(call.state).toBe('reconnecting');
    expect(seen.map(([name]) => name)).toEqual(['reconnecting']);
    expect(seen[0]![1]).toMatchObject({ reason: 'network' });
    const reinvite = bed.peer.last('INVITE');
    expect(reinvite).not.toBe(invite);
    expect(reinvite.header('contact')).toContain('sip:');
    expect(offers(media).at(-1)).toBe('createOffer hold=false iceRestart');
    bed.peer.respond(reinvite, 200, 'OK', { sdp: 'v=0 restarted\r\n' });
    await bed.settle();
    expect(bed.peer.requests('ACK')).toHaveLength(2);
    media.setConnectionState('connected');
    await bed.settle(60_000);
    expect(call.state).toBe('answered');
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    expect(bed.peer.requests('BYE')).toHaveLength(0);
  });

  it('a held call restarts ICE keeping its hold, goes back to held, and hold() is refused while reconnecting', async () => {
    const { call, media } = await answeredOutgoing(bed);
    await holdAccepted(bed, call);
    media.setConnectionState('failed');
    await bed.settle();
    expect(call.state).toBe('reconnecting');
    await expect(call.unhold()).rejects.toMatchObject({ code: 'invalid-state', message: expect.stringContaining('"reconnecting"') });
    expect(offers(media).at(-1)).toBe('createOffer hold=true iceRestart');
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 restarted\r\n' });
    await bed.settle();
    media.setConnectionState('connected');
    expect(call.state).toBe('held');
  });

  it('attempts refused (503) are retried with backoff; one reconnecting and one reconnected for the whole incident', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    media.setConnectionState('failed');
    for (let i = 0; i < 3; i++) {
      await bed.settle();
      bed.peer.respond(bed.peer.last('INVITE'), 503, 'Service Unavailable');
      await bed.settle(4000);
    }
    // Refused at 0, 4 and 8 s: attempts at 0, 0.5 (0 + 0.5 s), 5 (4 + 1 s) and 10 s (8 + 2 s).
    expect(bed.peer.requests('INVITE')).toHaveLength(5);
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 restarted\r\n' });
    await bed.settle();
    media.setConnectionState('connected');
    await bed.settle(30_000);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
    expect(call.state).toBe('answered');
  });

  it('glare: our restart gets 491 while theirs is answered; their restart brings the media back, ours is not sent again', async () => {
    const { call, media, dialog } = await answeredOutgoing(bed);
    const seen = record(call);
    media.setConnectionState('failed');
    await bed.settle();
    const ours = bed.peer.last('INVITE');
    const theirs = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 their-restart\r\n' });
    expect(bed.peer.answersTo(theirs)).toEqual([491]); // ours is out: the core answers 491
    bed.peer.respond(ours, 491, 'Request Pending');
    await bed.settle(500);
    // Within our §14.1 wait (2.1–4 s, we own the Call-ID) their retry comes, and is answered.
    const retry = bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0 their-restart-again\r\n' });
    await bed.settle();
    expect(bed.peer.answersTo(retry)).toEqual([200]);
    bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq });
    media.setConnectionState('connected');
    await bed.settle(10_000);
    expect(bed.peer.requests('INVITE')).toHaveLength(2);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
  });

  it('the link goes down during the incident: no re-INVITE until it is back; the refresh after the reconnect is the one ICE restart', async () => {
    const { call, media } = await answeredIncoming(bed);
    const seen = record(call);
    bed.manager.pauseAll();
    media.setConnectionState('failed');
    await bed.settle(20_000);
    expect(bed.peer.requests('INVITE')).toHaveLength(0);
    expect(seen).toEqual([['reconnecting', expect.objectContaining({ reason: 'signalling' })]]);
    bed.manager.refreshAll();
    await bed.settle();
    expect(bed.peer.requests('INVITE')).toHaveLength(1);
    expect(offers(media).at(-1)).toBe('createOffer hold=false iceRestart');
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 restarted\r\n' });
    await bed.settle();
    media.setConnectionState('connected');
    await bed.settle(30_000);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
  });

  it('the link goes down with our restart unanswered: it is given up (rollback, no waiting for Timer B), a new one goes after the reconnect', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    media.setConnectionState('failed');
    await bed.settle();
    const lost = bed.peer.last('INVITE');
    bed.manager.pauseAll();
    await bed.settle();
    expect(media.calls.at(-1)).toBe('rollback');
    bed.manager.refreshAll();
    await bed.settle();
    const fresh = bed.peer.last('INVITE');
    expect(fresh).not.toBe(lost);
    expect(bed.peer.requests('INVITE')).toHaveLength(3);
    expect(offers(media).slice(-2)).toEqual(['createOffer hold=false iceRestart', 'createOffer hold=false iceRestart']);
    bed.peer.respond(fresh, 200, 'OK', { sdp: 'v=0 restarted\r\n' });
    await bed.settle();
    expect(media.log.at(-1)).toBe('acceptAnswer v=0 restarted');
    expect(bed.peer.requests('ACK')).toHaveLength(2);
    media.setConnectionState('connected');
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'reconnected']);
  });

  it('after a reconnect with the media connected, the refresh is a plain re-INVITE and nothing is reported', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    bed.manager.pauseAll();
    bed.manager.refreshAll();
    await bed.settle();
    expect(offers(media).at(-1)).toBe('createOffer hold=false');
    bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 refreshed\r\n' });
    await bed.settle(10_000);
    expect(seen).toEqual([]);
  });

  it('not back within callRecoveryTimeoutMs (30 s): BYE with the connection-lost Reason, ended connection-lost, media closed', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    media.setConnectionState('failed');
    const answered = new Set<unknown>();
    let seconds = 0;
    for (; seconds < 40 && call.state !== 'ended'; seconds++) {
      for (const reinvite of bed.peer.requests('INVITE').slice(1)) {
        if (!answered.has(reinvite)) bed.peer.respond(reinvite, 503, 'Service Unavailable');
        answered.add(reinvite);
      }
      await bed.settle(1000);
    }
    expect(seconds).toBe(30);
    expect(answered.size).toBeGreaterThanOrEqual(5);
    expect(seen.map(([name]) => name)).toEqual(['reconnecting', 'ended']);
    expect(seen[1]![1]).toEqual({ reason: 'connection-lost' });
    expect(bed.peer.last('BYE').header('reason')).toBe('SIP;cause=408;text="Connection lost"');
    expect(media.calls.at(-1)).toBe('close');
    expect(call.state).toBe('ended');
  });

  it('a BYE while recovering, or one carrying the connection-lost Reason, ends the call connection-lost; a plain BYE remote-hangup', async () => {
    const first = await answeredOutgoing(bed);
    const seen = record(first.call);
    first.media.setConnectionState('failed');
    await bed.settle();
    bed.peer.inDialog(first.dialog, 'BYE');
    await bed.settle();
    expect(seen.at(-1)).toEqual(['ended', { reason: 'connection-lost' }]);

    const second = await answeredIncoming(bed);
    const ended: unknown[] = [];
    second.call.on('ended', (e) => ended.push(e));
    bed.peer.inDialog(second.dialog, 'BYE', { headers: ['Reason: SIP;cause=408;text="Connection lost"'] });
    await bed.settle();
    const third = await answeredIncoming(bed);
    third.call.on('ended', (e) => ended.push(e));
    bed.peer.inDialog(third.dialog, 'BYE');
    await bed.settle();
    expect(ended).toEqual([{ reason: 'connection-lost' }, { reason: 'remote-hangup' }]);
  });
});

describe('remote hold', () => {
  it('their sendonly offer: remotehold once; inactive meanwhile: nothing new; sendrecv: remoteresume; our own state untouched', async () => {
    const { call, dialog } = await answeredIncoming(bed);
    const seen = record(call);
    const reoffer = async (direction: string): Promise<void> => {
      bed.peer.inDialog(dialog, 'INVITE', { sdp: `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=${direction}\r\n` });
      await bed.settle();
      bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq });
      await bed.settle();
    };
    await reoffer('sendonly');
    await reoffer('inactive');
    expect(seen).toEqual([['remotehold']]);
    expect(call.state).toBe('answered');
    await reoffer('sendrecv');
    await reoffer('sendrecv');
    expect(seen).toEqual([['remotehold'], ['remoteresume']]);
  });

  it('no no-inbound-audio recovery while the far end holds us', async () => {
    const { call, media, dialog } = await answeredOutgoing(bed);
    const seen = record(call);
    media.packetsReceived = 100;
    await bed.settle(2000);
    bed.peer.inDialog(dialog, 'INVITE', { sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\n' });
    await bed.settle();
    bed.peer.inDialog(dialog, 'ACK', { cseq: dialog.cseq });
    await bed.settle(20_000); // no packet for 20 s
    expect(seen).toEqual([['remotehold']]);
    expect(bed.peer.requests('INVITE')).toHaveLength(1);
  });

  it('packets stop while nobody holds: reconnecting (no-inbound-audio)', async () => {
    const { call, media } = await answeredOutgoing(bed);
    const seen = record(call);
    media.packetsReceived = 100;
    await bed.settle(2000);
    await bed.settle(5000);
    expect(seen).toEqual([['reconnecting', expect.objectContaining({ reason: 'no-inbound-audio' })]]);
  });
});

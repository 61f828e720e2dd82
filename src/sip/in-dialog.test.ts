/**
 * In-dialog requests of a call on sip.js's core (fake media, scripted far end): DTMF over INFO
 * both ways, blind transfer (REFER) both ways, 481 for requests to dialogs that do not exist,
 * mute and remote audio, and ending everything at logout without a timer left behind.
 */
import { Grammar, type URI } from 'sip.js';
import { describe, expect, it, vi } from 'vitest';
import { InvalidStateError, SipError } from '../errors';
import type { CallSession } from './call-session';
import { DTMF_PAUSE_MS } from './dialog-requests';
import { useCallBedHooks, answeredIncoming, answeredOutgoing, bobUri, type CallBed, type PeerDialog } from '../../test/sip-call-bed';

let bed: CallBed;
useCallBedHooks((b) => (bed = b));

const carol = (): URI => Grammar.URIParse('sip:carol@voxline.test')!;

describe('DTMF over SIP INFO', () => {
  it('sendDtmf(…, "info"): one INFO per tone (application/dtmf-relay), "," waits 2 s', async () => {
    const { call } = await answeredOutgoing(bed);
    const sending = call.sendDtmf('1,#', 'info', 160);
    await bed.settle();
    const infos = (): string[] => bed.peer.requests('INFO').map((f) => f.body);
    expect(infos()).toEqual(['Signal=1\r\nDuration=160\r\n']);
    expect(bed.peer.last('INFO').header('content-type')).toBe('application/dtmf-relay');
    await bed.settle(DTMF_PAUSE_MS - 1);
    expect(infos()).toHaveLength(1);
    await bed.settle(1);
    expect(await sending).toBe('info');
    expect(infos()).toEqual(['Signal=1\r\nDuration=160\r\n', 'Signal=#\r\nDuration=160\r\n']);
  });

  it.each([
    ['the other side hangs up', 'remote-hangup'],
    ['we hang up', 'local-hangup'],
  ] as const)('a "," pause of SIP INFO DTMF is cut short when the call ends (%s): no timer left, no INFO after the end', async (_how, reason) => {
    const { call, dialog } = await answeredOutgoing(bed);
    await bed.settle(64_000); // the INVITE transaction's timers are over: only the call's remain
    const watching = vi.getTimerCount(); // the call's media watch (call-recovery.ts)
    const sending = call.sendDtmf('1,2,3', 'info', 100);
    await bed.settle();
    bed.peer.respond(bed.peer.last('INFO'), 200, 'OK'); // its transaction (and timers) done
    await bed.settle(DTMF_PAUSE_MS / 2);
    expect(vi.getTimerCount()).toBe(watching + 1); // the pause
    const ended: string[] = [];
    call.on('ended', (end) => ended.push(end.reason));
    if (reason === 'remote-hangup') bed.peer.inDialog(dialog, 'BYE');
    else await call.hangup();
    if (reason === 'local-hangup') bed.peer.respond(bed.peer.last('BYE'), 200, 'OK');
    await bed.settle();
    expect(ended).toEqual([reason]);
    expect(await sending).toBe('info');
    expect(vi.getTimerCount()).toBe(0);
    await bed.settle(3 * DTMF_PAUSE_MS);
    expect(bed.peer.requests('INFO').map((f) => f.body)).toEqual(['Signal=1\r\nDuration=100\r\n']);
  });

  it('auto prefers RFC 4733 in the audio when the media can; rtp without it throws InvalidStateError saying why', async () => {
    const { call, media } = await answeredOutgoing(bed);
    media.rtpDtmfReason = "the answer's telephone-event is at 8000 Hz, not at opus's 48000 Hz";
    const refused = call.sendDtmf('12', 'rtp', 100);
    await expect(refused).rejects.toBeInstanceOf(InvalidStateError);
    await expect(refused).rejects.toThrow("RFC 4733 DTMF is not possible on this call: the answer's telephone-event is at 8000 Hz, not at opus's 48000 Hz");
    expect(bed.peer.requests('INFO')).toHaveLength(0);
    media.rtpDtmf = true;
    expect(await call.sendDtmf('12', 'auto', 100)).toBe('rtp');
    expect(media.log.filter((l) => l.startsWith('sendDtmf'))).toEqual(['sendDtmf 12 100', 'sendDtmf 12 100']);
    expect(bed.peer.requests('INFO')).toHaveLength(0);
    await expect(call.sendDtmf('12x', 'auto', 100)).rejects.toBeInstanceOf(TypeError);
  });

  it('auto falls back to SIP INFO when RFC 4733 is not possible (telephone-event at another clock rate), and says so', async () => {
    const { call, media } = await answeredOutgoing(bed);
    media.rtpDtmfReason = "the answer's telephone-event is at 8000 Hz, not at opus's 48000 Hz";
    expect(await call.sendDtmf('15', 'auto', 100)).toBe('info');
    await bed.settle();
    expect(bed.peer.requests('INFO').map((f) => f.body)).toEqual(['Signal=1\r\nDuration=100\r\n', 'Signal=5\r\nDuration=100\r\n']);
  });

  it('an INFO from the other side: 200, and a dtmf event (dtmf-relay and dtmf bodies)', async () => {
    const { call, dialog } = await answeredIncoming(bed);
    const tones: string[] = [];
    call.on('dtmf', (e) => tones.push(e.tone));
    const relay = bed.peer.inDialog(dialog, 'INFO', { body: 'Signal=5\r\nDuration=100\r\n', contentType: 'application/dtmf-relay' });
    const plain = bed.peer.inDialog(dialog, 'INFO', { body: 'b', contentType: 'application/dtmf' });
    const other = bed.peer.inDialog(dialog, 'INFO', { body: 'hello', contentType: 'text/plain' });
    expect([relay, plain, other].map((t) => bed.peer.answersTo(t))).toEqual([[200], [200], [200]]);
    expect(tones).toEqual(['5', 'B']);
  });
});

describe('blind transfer (REFER)', () => {
  it('transfer(): REFER with Refer-To and Referred-By; 202 → BYE, ended local-hangup; their NOTIFYs get 200', async () => {
    const { call, dialog } = await answeredOutgoing(bed);
    const ended: unknown[] = [];
    call.on('ended', (e) => ended.push(e));
    const transferring = call.transfer(carol());
    await bed.settle();
    const refer = bed.peer.last('REFER');
    expect(refer.header('refer-to')).toBe('<sip:carol@voxline.test>');
    expect(refer.header('referred-by')).toBe('<sip:alice@voxline.test>');
    const notify = bed.peer.inDialog(dialog, 'NOTIFY', { body: 'SIP/2.0 100 Trying', contentType: 'message/sipfrag', headers: ['Event: refer', 'Subscription-State: active'] });
    expect(bed.peer.answersTo(notify)).toEqual([200]);
    bed.peer.respond(refer, 202, 'Accepted');
    await transferring;
    expect(bed.peer.requests('BYE')).toHaveLength(1);
    expect(ended).toEqual([{ reason: 'local-hangup' }]);
  });

  it('a refused transfer rejects with SipError; the call goes on', async () => {
    const { call } = await answeredOutgoing(bed);
    const transferring = call.transfer(carol()).catch((e: unknown) => e);
    await bed.settle();
    bed.peer.respond(bed.peer.last('REFER'), 603, 'Decline');
    const err = await transferring;
    expect(err).toBeInstanceOf(SipError);
    expect(err).toMatchObject({ status: 603 });
    expect(call.state).toBe('answered');
    expect(bed.peer.requests('BYE')).toHaveLength(0);
  });

  it('their REFER: 202, NOTIFY 100 Trying, a new call to the target (with Referred-By) announced as transferred', async () => {
    const { call, dialog } = await answeredOutgoing(bed);
    const transfers: Array<[CallSession, CallSession]> = [];
    bed.manager.on('transferred', (from, next) => transfers.push([from, next]));
    const refer = bed.peer.inDialog(dialog, 'REFER', { headers: ['Refer-To: <sip:carol@voxline.test>', 'Referred-By: <sip:bob@voxline.test>'] });
    expect(bed.peer.answersTo(refer)).toEqual([202]);
    const notify = bed.peer.last('NOTIFY');
    expect(notify.header('event')).toBe('refer');
    expect(notify.body).toBe('SIP/2.0 100 Trying');
    expect(transfers).toHaveLength(1);
    expect(transfers[0]![0]).toBe(call);
    const next = transfers[0]![1];
    expect(next).toMatchObject({ direction: 'outgoing', remote: { user: 'carol' } });
    await bed.settle();
    const invite = bed.peer.last('INVITE');
    expect(invite.startLine).toBe('INVITE sip:carol@voxline.test SIP/2.0');
    expect(invite.header('referred-by')).toBe('<sip:bob@voxline.test>');
    // Carol rings while the old call lasts: the transferor hears about it.
    bed.peer.respond(invite, 180, 'Ringing', { toTag: 'c1' });
    expect(bed.peer.last('NOTIFY').body).toBe('SIP/2.0 180 Ringing');
    // The transferor hangs up; carol answers: no NOTIFY on the dead dialog.
    bed.peer.inDialog(dialog, 'BYE');
    bed.peer.respond(invite, 200, 'OK', { toTag: 'c1', sdp: 'v=0 carol\r\n' });
    await bed.settle();
    expect(next.state).toBe('answered');
    expect(bed.peer.requests('NOTIFY')).toHaveLength(2);
  });

  it('a REFER without Refer-To: 400', async () => {
    const { dialog } = await answeredOutgoing(bed);
    const refer = bed.peer.inDialog(dialog, 'REFER');
    expect(bed.peer.answersTo(refer)).toEqual([400]);
  });
});

describe('481 for requests to dialogs that do not exist (the core answers)', () => {
  const stray = (dialog: PeerDialog): PeerDialog => ({ ...dialog, remoteTag: 'no-such-tag', cseq: 500 });

  it.each(['BYE', 'INFO', 'INVITE', 'REFER', 'NOTIFY'])('%s with an unknown To tag', async (method) => {
    const { call, dialog } = await answeredOutgoing(bed);
    const sent = bed.peer.inDialog(stray(dialog), method, method === 'NOTIFY' ? { headers: ['Event: refer'] } : {});
    expect(bed.peer.answersTo(sent)).toEqual([481]);
    expect(call.state).toBe('answered');
  });

  it('a BYE in a dialog that ended', async () => {
    const { call, dialog } = await answeredIncoming(bed);
    await call.hangup();
    const late = bed.peer.inDialog(dialog, 'BYE');
    expect(bed.peer.answersTo(late)).toEqual([481]);
  });
});

describe('mute, remote audio, ending', () => {
  it('mute() while ringing reaches the media made at answer(); remotestream comes from the media', async () => {
    bed.peer.invite({ sdp: 'v=0 o\r\n' });
    await bed.settle();
    const call = bed.incoming[0]!;
    const events: string[] = [];
    call.on('muted', () => events.push('muted'));
    call.on('remotestream', () => events.push('remotestream'));
    call.mute();
    call.mute();
    await bed.manager.answer(call, {});
    const media = bed.medias[0]!;
    expect(media.muted).toBe(true);
    const stream = {} as MediaStream;
    media.receiveRemoteStream(stream);
    expect(call.remoteStream).toBe(stream);
    call.unmute();
    expect(media.muted).toBe(false);
    expect(events).toEqual(['muted', 'remotestream']);
  });

  it('terminateAll(): CANCEL, 486 and BYE go out, every call ends local-hangup, and no timer is left once the user agent stops', async () => {
    const answered = await answeredOutgoing(bed);
    const placing = bed.manager.place(bobUri(), {}, {});
    await bed.settle();
    const outgoing = await placing;
    bed.peer.respond(bed.peer.last('INVITE'), 180, 'Ringing', { toTag: 'b2' });
    bed.peer.invite({ sdp: 'v=0 o\r\n' });
    await bed.settle();
    const incoming = bed.incoming[0]!;
    const ends: Record<string, unknown> = {};
    for (const [name, call] of Object.entries({ answered: answered.call, outgoing, incoming })) call.on('ended', (e) => (ends[name] = e));
    bed.manager.terminateAll();
    expect(ends).toEqual({ answered: { reason: 'local-hangup' }, outgoing: { reason: 'local-hangup' }, incoming: { reason: 'local-hangup' } });
    expect(bed.peer.requests('BYE')).toHaveLength(1);
    expect(bed.peer.requests('CANCEL')).toHaveLength(1);
    expect(bed.peer.responses('INVITE').map((r) => r.status)).toContain(486);
    expect(bed.medias.every((m) => m.signalingState === 'closed')).toBe(true);
    await bed.stop();
    await bed.settle();
    expect(vi.getTimerCount()).toBe(0);
  });
});

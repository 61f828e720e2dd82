/**
 * Calls across a reload (call-resume.ts, stored-call.ts): the page before the reload is one call
 * bed, the reloaded page another one, sharing one fake `sessionStorage`. The far end is scripted.
 */
import { describe, expect, it, vi } from 'vitest';
import { FakePageEvents, FakeSessionStorage } from '../../test/fake-session-storage';
import { answeredIncoming, answeredOutgoing, holdAccepted, useCallBedHooks, type CallBed } from '../../test/sip-call-bed';
import { createLogger } from '../logger';
import { CallResume } from './call-resume';
import type { CallSession } from './call-session';
import { SessionStore } from './session-store';
import { isStoredCall, type StoredCall } from './stored-call';

let bed: CallBed;
const hooks = useCallBedHooks((b) => (bed = b));

const WINDOW_MS = 30_000;
const identity = { user: 'alice', domain: 'voxline.test', servers: ['wss://bed.test'] };

/** One tab: its sessionStorage and page events, kept across "reloads". */
function tab() {
  const storage = new FakeSessionStorage();
  const page = new FakePageEvents();
  const lines: string[] = [];
  const logger = createLogger('debug', 'test', (level, _ns, message) => lines.push(`${level}:${message}`));
  /** Starts storing (and resuming) the calls of `b` in this tab, as the client does after login(). */
  const attach = (b: CallBed): { resume: CallResume; announced: CallSession[] } => {
    const store = new SessionStore(identity, logger, { sessionStorage: storage, addEventListener: page.addEventListener, removeEventListener: page.removeEventListener });
    const resume = new CallResume(store.slot('calls', isStoredCall), b.manager, b.core.userAgentCore, { windowMs: WINDOW_MS, logger });
    const announced: CallSession[] = [];
    resume.start((call) => announced.push(call));
    return { resume, announced };
  };
  const record = (): { v: number; entries: StoredCall[] } | null => {
    const text = [...storage.map.entries()].find(([key]) => key.startsWith('voxline:calls:'))?.[1];
    return text === undefined ? null : (JSON.parse(text) as { v: number; entries: StoredCall[] });
  };
  return { storage, page, lines, attach, record, warnings: () => lines.filter((l) => l.startsWith('warn:')) };
}

const emptyStats = { rttMs: null, jitterMs: null, packetsLost: 0, packetsReceived: 0, mos: null, codec: 'fake', bytesSent: 0, bytesReceived: 0, inboundAudioEnergy: 0, outboundAudioEnergy: 0, inboundAudioLevel: 0 };
const cseqOf = (header: string | undefined): number => Number.parseInt(header ?? '', 10);

/** Alice's page reloads: what is stored is written (pagehide), the old page goes, a new one logs in. */
async function reload(t: ReturnType<typeof tab>): Promise<CallBed> {
  t.page.fire();
  await hooks.replace({});
  return bed;
}

/**
 * Alice's outgoing call is answered, her page reloads and logs in again: the resume re-INVITE is
 * on its way; `ended` collects the resumed call's end.
 */
async function reloadedDuringCall(): Promise<{ t: ReturnType<typeof tab>; next: CallBed; announced: CallSession[]; ended: unknown[] }> {
  const t = tab();
  t.attach(bed);
  await answeredOutgoing(bed);
  const next = await reload(t);
  const { announced } = t.attach(next);
  await next.settle();
  const ended: unknown[] = [];
  announced[0]!.on('ended', (e) => ended.push(e));
  return { t, next, announced, ended };
}

describe('what is stored while a call is up', () => {
  it('an answered call: versioned record with the dialog and public facts, a deadline, nothing secret', async () => {
    const t = tab();
    t.attach(bed);
    const { call, invite } = await answeredOutgoing(bed);
    await bed.settle(200); // at most one write per 200 ms (the store's write interval)
    const record = t.record()!;
    expect(record.v).toBe(1);
    expect(record.entries).toHaveLength(1);
    const entry = record.entries[0]!;
    expect(entry).toMatchObject({ id: call.id, direction: 'outgoing', remote: { user: 'bob', uri: 'sip:bob@voxline.test' }, held: false, muted: false, answeredAt: call.answeredAt });
    expect(entry.deadline).toBe(Date.now() + WINDOW_MS);
    expect(entry.answeredAt).toBeGreaterThan(0);
    expect(entry.dialog).toMatchObject({ callId: invite.header('call-id'), remoteTag: 'b1', localSeq: cseqOf(invite.header('cseq')), remoteTarget: 'sip:bob@192.0.2.7:5060;transport=ws', routeSet: [] });
    const text = t.storage.dump();
    expect(text).not.toContain('secret'); // the bed's password
    expect(text).not.toMatch(/v=0|answer-from-bob|offer|fingerprint|ice-pwd|authorization/i);
  });

  it('keeps the CSeq current: each in-dialog request, ours or theirs, is written', async () => {
    const t = tab();
    t.attach(bed);
    const { call, dialog } = await answeredIncoming(bed);
    await bed.settle(300);
    expect(t.record()!.entries[0]!.dialog).toMatchObject({ localSeq: null, remoteSeq: 1 });
    bed.peer.inDialog(dialog, 'INFO', { body: 'Signal=5\r\nDuration=100\r\n', contentType: 'application/dtmf-relay' });
    await bed.settle(300);
    expect(t.record()!.entries[0]!.dialog.remoteSeq).toBe(2);
    await holdAccepted(bed, call);
    await bed.settle(300);
    const entry = t.record()!.entries[0]!;
    expect(entry.dialog.localSeq).toBe(cseqOf(bed.peer.last('INVITE').header('cseq')));
    expect(entry.held).toBe(true);
    call.mute();
    await bed.settle(300);
    expect(t.record()!.entries[0]!.muted).toBe(true);
  });

  it('a held call whose media went down (reconnecting, #14) is stored as held', async () => {
    const t = tab();
    t.attach(bed);
    const { call, media } = await answeredOutgoing(bed);
    await holdAccepted(bed, call);
    media.setConnectionState('failed');
    await bed.settle(300);
    expect(call.state).toBe('reconnecting');
    expect(t.record()!.entries[0]!.held).toBe(true);
  });

  it('nothing before the answer; the entry is removed when the call ends', async () => {
    const t = tab();
    t.attach(bed);
    await bed.settle(300);
    expect(t.record()).toBeNull();
    const { call } = await answeredOutgoing(bed);
    await bed.settle(300);
    expect(t.record()).not.toBeNull();
    await call.hangup();
    await bed.settle(300);
    expect(t.record()).toBeNull();
  });

  it('corrupted storage is ignored with one warning: nothing resumed, and it is overwritten', async () => {
    const t = tab();
    t.attach(bed);
    await answeredOutgoing(bed);
    await bed.settle(300);
    const key = [...t.storage.map.keys()][0]!;
    t.storage.setItem(key, '{"v":1,"entries":[{"id":42,"deadline":9e15}]}');
    const next = await reload(t);
    t.storage.setItem(key, '{"v":1,"entries":[{"id":42,"deadline":9e15}]}'); // as the page left it, garbled
    const { announced } = t.attach(next);
    await next.settle(300);
    expect(announced).toEqual([]);
    expect(t.warnings()).toEqual([`warn:ignored sessionStorage "${key}" (unreadable)`]);
    expect(next.peer.requests('INVITE')).toHaveLength(0);
    expect(t.record()).toBeNull(); // the next write replaced it
  });
});

describe('after the reload', () => {
  it('resumes the call: same dialog, next CSeq, new Contact, no offer (theirs comes in the 2xx, ours in the ACK); answered with its id and answer time; no BYE', async () => {
    const t = tab();
    t.attach(bed);
    const { call, invite } = await answeredOutgoing(bed);
    const before = { id: call.id, answeredAt: call.answeredAt, contact: invite.header('contact') };
    await bed.settle();
    const next = await reload(t);
    const { announced } = t.attach(next);
    await next.settle();
    const reinvite = next.peer.last('INVITE');
    expect(reinvite.header('call-id')).toBe(invite.header('call-id'));
    expect(reinvite.header('to')).toContain('tag=b1');
    expect(reinvite.header('from')).toContain(/;tag=([^;>\s]+)/.exec(invite.header('from')!)![1]);
    expect(cseqOf(reinvite.header('cseq'))).toBe(cseqOf(invite.header('cseq')) + 1);
    expect(reinvite.header('contact')).not.toBe(before.contact); // a target refresh from the new page
    expect(reinvite.body ?? '').toBe('');
    expect(announced.map((c) => [c.id, c.direction, c.answeredAt, c.state])).toEqual([[before.id, 'outgoing', before.answeredAt, 'answered']]);
    next.peer.respond(reinvite, 200, 'OK', { sdp: 'v=0 offer-of-bob\r\n' });
    await next.settle();
    const ack = next.peer.last('ACK');
    expect(ack.header('cseq')).toBe(`${cseqOf(reinvite.header('cseq'))} ACK`);
    expect(ack.body).toBe('v=0 answer 1 hold=false\r\n');
    expect(next.medias[0]!.log).toEqual(['createAnswer hold=false to v=0 offer-of-bob']);
    expect(announced[0]!.state).toBe('answered');
    expect(next.peer.requests('BYE')).toHaveLength(0);
    // Still stored, with the new CSeq, for a further reload.
    await next.settle(300);
    expect(t.record()!.entries[0]!.dialog.localSeq).toBe(cseqOf(reinvite.header('cseq')));
  });

  it('no audio 0.5 s after the resume: our own offer restarts ICE (once); audio flowing: nothing more is sent', async () => {
    const t = tab();
    t.attach(bed);
    await answeredOutgoing(bed);
    const next = await reload(t);
    t.attach(next);
    await next.settle();
    next.peer.respond(next.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 offer-of-bob\r\n' });
    await next.settle(400);
    expect(next.peer.requests('INVITE')).toHaveLength(1);
    await next.settle(150);
    const restart = next.peer.requests('INVITE')[1]!;
    expect(restart.body).toBe('v=0 offer 2 hold=false\r\n');
    expect(next.medias[0]!.log).toContain('createOffer hold=false iceRestart');
    next.peer.respond(restart, 200, 'OK', { sdp: 'v=0 answer-of-bob\r\n' });
    await next.settle(5000);
    expect(next.peer.requests('INVITE')).toHaveLength(2);

    // The same with audio arriving: no second re-INVITE.
    const again = await reload(t);
    again.mediaSetup = (media) => vi.spyOn(media, 'getStats').mockResolvedValue({ ...emptyStats, bytesReceived: 160 });
    t.attach(again);
    await again.settle();
    again.peer.respond(again.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 offer-of-bob\r\n' });
    await again.settle(5000);
    expect(again.peer.requests('INVITE')).toHaveLength(1);
  });

  it('a held, muted incoming call comes back held (hold answer) and muted', async () => {
    const t = tab();
    t.attach(bed);
    const { call } = await answeredIncoming(bed);
    await holdAccepted(bed, call);
    call.mute();
    const next = await reload(t);
    const { announced } = t.attach(next);
    await next.settle();
    next.peer.respond(next.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 offer-of-bob\r\n' });
    await next.settle();
    expect(next.peer.last('ACK').body).toBe('v=0 answer 1 hold=true\r\n');
    expect(announced[0]!).toMatchObject({ direction: 'incoming', state: 'held', muted: true });
    expect(next.medias[0]!.muted).toBe(true);
  });

  it('481: the far end no longer knows the call → ended resume-failed, no BYE, nothing stored', async () => {
    const { t, next, ended } = await reloadedDuringCall();
    next.peer.respond(next.peer.last('INVITE'), 481, 'Call/Transaction Does Not Exist');
    await next.settle(300);
    expect(ended).toEqual([{ reason: 'resume-failed' }]);
    expect(next.peer.requests('BYE')).toHaveLength(0);
    expect(next.medias[0]!.log.at(-1)).toBe('close');
    expect(t.record()).toBeNull();
  });

  it('491 (the far end\'s own re-INVITE is pending): sent again after the §14.1 wait, then resumed', async () => {
    const { next, announced } = await reloadedDuringCall();
    next.peer.respond(next.peer.last('INVITE'), 491, 'Request Pending');
    await next.settle(2000);
    expect(next.peer.requests('INVITE')).toHaveLength(1);
    await next.settle(2100); // 2.1–4 s: we made the Call-ID
    const again = next.peer.requests('INVITE');
    expect(again).toHaveLength(2);
    expect(cseqOf(again[1]!.header('cseq'))).toBe(cseqOf(again[0]!.header('cseq')) + 1);
    next.peer.respond(again[1]!, 200, 'OK', { sdp: 'v=0 offer-of-bob\r\n' });
    await next.settle();
    expect(next.peer.last('ACK').body).toBe('v=0 answer 1 hold=false\r\n');
    expect(announced[0]!.state).toBe('answered');
    expect(next.peer.requests('BYE')).toHaveLength(0);
  });

  it('408 (no answer): ended resume-failed, and a BYE in the old dialog', async () => {
    const t = tab();
    t.attach(bed);
    const { invite } = await answeredOutgoing(bed);
    const next = await reload(t);
    const { announced } = t.attach(next);
    await next.settle();
    const ended: unknown[] = [];
    announced[0]!.on('ended', (e) => ended.push(e));
    next.peer.respond(next.peer.last('INVITE'), 408, 'Request Timeout');
    await next.settle(300);
    expect(ended).toEqual([{ reason: 'resume-failed' }]);
    const bye = next.peer.last('BYE');
    expect(bye.header('call-id')).toBe(invite.header('call-id'));
    expect(t.record()).toBeNull();
  });

  it('a 2xx without an offer: ACK, then BYE, ended resume-failed', async () => {
    const { next, ended } = await reloadedDuringCall();
    next.peer.respond(next.peer.last('INVITE'), 200, 'OK');
    await next.settle(300);
    expect(next.peer.requests('ACK')).toHaveLength(1);
    expect(next.peer.requests('BYE')).toHaveLength(1);
    expect(ended).toEqual([{ reason: 'resume-failed' }]);
  });

  it('no response at all (Timer B): ended resume-failed with a BYE', async () => {
    const { next, ended } = await reloadedDuringCall();
    await next.settle(33_000);
    expect(ended).toEqual([{ reason: 'resume-failed' }]);
    expect(next.peer.requests('BYE')).toHaveLength(1);
  });

  it('window passed: not resumed (no re-INVITE), announced then ended resume-failed with a BYE, nothing stored', async () => {
    const t = tab();
    t.attach(bed);
    await answeredOutgoing(bed);
    const next = await reload(t);
    await next.settle(WINDOW_MS + 1);
    const { announced } = t.attach(next);
    const ended: unknown[] = [];
    await Promise.resolve();
    expect(announced).toEqual([]); // in a task after login()
    await next.settle(1);
    announced[0]?.on('ended', (e) => ended.push(e));
    expect(announced).toHaveLength(1);
    expect(announced[0]!.state).toBe('ended');
    expect(next.peer.requests('INVITE')).toHaveLength(0);
    expect(next.peer.requests('BYE')).toHaveLength(1);
    expect(next.medias).toHaveLength(0);
    await next.settle(300);
    expect(t.record()).toBeNull();
  });
});

describe('isStoredCall', () => {
  it('refuses entries of the wrong shape', async () => {
    const t = tab();
    t.attach(bed);
    await answeredOutgoing(bed);
    await bed.settle(300);
    const good = t.record()!.entries[0]!;
    expect(isStoredCall(good)).toBe(true);
    for (const bad of [null, 1, { ...good, direction: 'sideways' }, { ...good, dialog: { ...good.dialog, routeSet: [1] } }, { ...good, remote: null }, { ...good, dialog: { ...good.dialog, localSeq: -1 } }]) {
      expect(isStoredCall(bad)).toBe(false);
    }
  });
});

/**
 * Calls in shared mode (#16 stage 3) through real Clients: every "tab" is a Client whose
 * SharedWorker is a fake joining it, over a cloning channel, to one in-process WorkerHub with
 * real engines on the scripted registrar (test/shared-worker-bed.ts). Each tab's media is a
 * FakeCallMedia (src/sip/media.ts mocked), so a test sees in which tab a call's media was made
 * and used.
 */
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest, buildResponseTo, parseSip, rand } from '../../server/test-client.js';
import type { FakeCallMedia } from '../../test/fake-call-media';
import type { SipFrame } from '../../test/fake-registrar';
import { useSharedWorkerBed } from '../../test/shared-worker-bed';
import type { Call } from '../client/call';
import type { Client } from '../client/client';
import { MediaError } from '../errors';

/** The media each tab made, by tab (in the order the tabs' Clients were made). */
const tabMedia = vi.hoisted(() => [] as FakeCallMedia[][]);
vi.mock('../sip/media', async () => ({ pageCallMedia: (await import('../../test/fake-call-media')).fakePageCallMedia(tabMedia) }));

const bed = useSharedWorkerBed({ callMedia: tabMedia });

interface Tab {
  client: Client;
  calls: Call[];
  ends: string[];
}

/** `count` tabs logged in as alice; each records its incoming calls and how each call it saw ended. */
async function tabs(count: number, options: { resumeCalls?: boolean } = {}): Promise<Tab[]> {
  const made = Array.from({ length: count }, () => {
    const client = bed.newClient({ sharedWorker: '/voxline.worker.js', logLevel: 'silent', ...options });
    const tab: Tab = { client, calls: [], ends: [] };
    client.on('incomingcall', (call) => {
      tab.calls.push(call);
      call.on('ended', (e) => tab.ends.push(`${e.reason}${e.status ? ` ${e.status}` : ''}`));
    });
    return tab;
  });
  await Promise.all(made.map((t) => t.client.login('alice', 'pw')));
  return made;
}

const sent = (): SipFrame[] => bed.registrar.socket.sent.filter((f) => f.trim()).map((f) => parseSip(f) as SipFrame);
const responses = (status: number): SipFrame[] => sent().filter((f) => f.status === status);
const requests = (method: string): SipFrame[] => bed.registrar.requests.filter((r) => r.method === method);

/** Bob calls alice; returns how to ACK the 200 once it is out. */
function bobCalls(): { ack(): void } {
  const callId = rand(8);
  const fromTag = rand();
  bed.registrar.socket.receive(buildRequest('INVITE', 'sip:alice@voxline.test', { from: 'sip:bob@voxline.test', fromTag, to: 'sip:alice@voxline.test', callId, cseq: 1, contact: 'sip:bob@192.0.2.7;transport=ws', body: 'v=0 bob\r\n', contentType: 'application/sdp' }));
  return {
    ack() {
      const ok = responses(200).find((r) => r.header('call-id') === callId)!;
      const toTag = /;tag=([^;>\s]+)/.exec(ok.header('to')!)![1];
      bed.registrar.socket.receive(buildRequest('ACK', /<([^>]+)>/.exec(ok.header('contact')!)![1]!, { from: 'sip:bob@voxline.test', fromTag, to: 'sip:alice@voxline.test', toTag, callId, cseq: 1 }));
    },
  };
}

/** Bob answers alice's INVITE (200 with SDP); alice ACKs. */
function bobAnswers(invite: SipFrame): void {
  bed.registrar.socket.receive(buildResponseTo(invite, 200, 'OK', { toTag: 'bob1', contact: 'sip:bob@192.0.2.7;transport=ws', headers: ['Content-Type: application/sdp'], body: 'v=0 bob-answer\r\n' }));
}

/** Two tabs; tab 1 calls bob, who answers; resolves once tab 2 lists the call as answered. */
async function answeredInTabOne(): Promise<{ one: Tab; two: Tab; call: Call }> {
  const [one, two] = await tabs(2);
  const call = await one!.client.call('bob');
  bobAnswers(requests('INVITE')[0]!);
  await vi.waitFor(() => expect(two!.client.calls[0]?.state).toBe('answered'));
  return { one: one!, two: two!, call };
}

const mediaCalls = (tab: number): string[] => (tabMedia[tab] ?? []).flatMap((m) => m.calls);

describe('shared mode: calls across tabs', () => {
  it('an incoming call rings in 3 tabs; answered in tab 2, its media is made and used there only, tabs 1 and 3 see answered-elsewhere', async () => {
    const [one, two, three] = await tabs(3);
    const far = bobCalls();
    await vi.waitFor(() => [one, two, three].forEach((t) => expect(t!.calls).toHaveLength(1)));
    expect(responses(180)).toHaveLength(1);
    for (const t of [one, two, three]) expect(t!.client.calls.map((c) => c.state)).toEqual(['ringing']);
    await two!.calls[0]!.answer();
    far.ack();
    await vi.waitFor(() => expect(one!.ends).toEqual(['answered-elsewhere']));
    await vi.waitFor(() => expect(three!.ends).toEqual(['answered-elsewhere']));
    expect(responses(200).filter((r) => r.method === 'INVITE')).toHaveLength(1);
    expect(two!.calls[0]!.state).toBe('answered');
    expect(two!.ends).toEqual([]);
    expect(mediaCalls(1)).toEqual(['createAnswer hold=false']);
    expect(mediaCalls(0)).toEqual([]);
    expect(mediaCalls(2)).toEqual([]);
    expect(one!.client.calls).toEqual([]);
    expect(two!.client.calls).toHaveLength(1);
    expect((await one!.calls[0]!.getStats()).codec).toBeNull();
    expect((await two!.calls[0]!.getStats()).codec).toBe('fake');
  });

  it('reject() from tab 3 rejects the call (486) in every tab', async () => {
    const [one, two, three] = await tabs(3);
    bobCalls();
    await vi.waitFor(() => expect(three!.calls).toHaveLength(1));
    await three!.calls[0]!.reject();
    for (const t of [one, two, three]) await vi.waitFor(() => expect(t!.ends).toEqual(['rejected 486']));
    expect(responses(486)).toHaveLength(1);
    expect(tabMedia.flat()).toEqual([]);
  });

  it('a microphone refused in the answering tab: MediaError there, and the call rings on in every tab', async () => {
    const [one, two] = await tabs(2);
    bobCalls();
    await vi.waitFor(() => expect(two!.calls).toHaveLength(1));
    bed.microphone = () => Promise.reject(Object.assign(new Error('denied'), { name: 'NotAllowedError' }));
    await expect(two!.calls[0]!.answer()).rejects.toBeInstanceOf(MediaError);
    expect(one!.calls[0]!.state).toBe('ringing');
    expect(two!.calls[0]!.state).toBe('ringing');
    expect(one!.ends).toEqual([]);
  });

  it('an outgoing call from tab 1: media in tab 1, listed in tab 2; both hang it up: one BYE, both see it end', async () => {
    const [one, two] = await tabs(2);
    const call = await one!.client.call('bob');
    const invite = requests('INVITE')[0]!;
    expect(mediaCalls(0)).toEqual(['createOffer hold=false']);
    await vi.waitFor(() => expect(two!.client.calls.map((c) => c.id)).toEqual([call.id]));
    bobAnswers(invite);
    await vi.waitFor(() => expect(two!.client.calls[0]!.state).toBe('answered'));
    expect(call.state).toBe('answered');
    const ended: string[] = [];
    call.on('ended', (e) => ended.push(e.reason));
    two!.client.calls[0]!.on('ended', (e) => ended.push(`tab 2: ${e.reason}`));
    const other = two!.client.calls[0]!;
    await Promise.all([other.hangup(), call.hangup()]); // both tabs: one BYE, no error
    await vi.waitFor(() => expect(ended.sort()).toEqual(['local-hangup', 'tab 2: local-hangup']));
    await expect(other.hangup()).resolves.toBeUndefined();
    // A hangup that crossed the call's end on its way to the worker (a real port is asynchronous) resolves too.
    const proxy = (two!.client as unknown as { engine: { proxy: { request(c: unknown): Promise<unknown> } } }).engine.proxy;
    await expect(proxy.request({ op: 'call-op', callId: call.id, method: 'hangup', args: [] })).resolves.toBeUndefined();
    await expect(proxy.request({ op: 'call-op', callId: call.id, method: 'hold', args: [] })).rejects.toThrow(/is not live/);
    expect(requests('BYE')).toHaveLength(1);
    expect(mediaCalls(0)).toEqual(['createOffer hold=false', 'acceptAnswer', 'close']);
    expect(mediaCalls(1)).toEqual([]);
  });

  it('hold() and sendDtmf() from a tab that does not own the call act on the owner\'s media', async () => {
    const { two, call } = await answeredInTabOne();
    const other = two.client.calls[0]!;
    const holding = other.hold();
    await vi.waitFor(() => expect(requests('INVITE')).toHaveLength(2));
    bobAnswers(requests('INVITE')[1]!);
    await holding;
    await vi.waitFor(() => expect(call.state).toBe('held'));
    await expect(other.sendDtmf('1', { method: 'info' })).resolves.toEqual({ method: 'info' });
    await expect(other.sendDtmf('1')).resolves.toEqual({ method: 'info' }); // the owner's media: no RFC 4733 here
    expect(mediaCalls(0)).toEqual(['createOffer hold=false', 'acceptAnswer', 'createOffer hold=true', 'acceptAnswer', 'sendDtmf 1 100']);
    expect(mediaCalls(1)).toEqual([]);
    expect(requests('INFO')).toHaveLength(2);
  });

  it('resumeCalls off, the owning tab gone (its Web Lock released): its call ends with BYE, the other tab sees it end and stays registered', async () => {
    const [one, two] = await tabs(2, { resumeCalls: false });
    const far = bobCalls();
    await vi.waitFor(() => expect(one!.calls).toHaveLength(1));
    await one!.calls[0]!.answer();
    far.ack();
    await vi.waitFor(() => expect(two!.ends).toEqual(['answered-elsewhere']));
    const outgoing = await two!.client.call('bob');
    bed.tabGone(0);
    await vi.waitFor(() => expect(requests('BYE')).toHaveLength(1));
    await bed.settle();
    expect(outgoing.state).toBe('connecting');
    expect(requests('CANCEL')).toHaveLength(0);
    expect(two!.client.registered).toBe(true);
    expect(bed.registrar.removals).toHaveLength(0);
  });

  it('an outgoing call placed in a tab that then goes: ended in the other tabs as local-hangup', async () => {
    const { one, two } = await answeredInTabOne();
    const ended: string[] = [];
    two.client.calls[0]!.on('ended', (e) => ended.push(e.reason));
    one.client.destroy();
    await vi.waitFor(() => expect(ended).toEqual(['local-hangup']));
    expect(requests('BYE')).toHaveLength(1);
    expect(two.client.calls).toEqual([]);
  });

  it('a tab that logs in later lists the live calls; a ringing call rings there too', async () => {
    const [one] = await tabs(1);
    const placed = await one!.client.call('bob');
    bobCalls();
    await vi.waitFor(() => expect(one!.calls).toHaveLength(1));
    const [late] = await tabs(1);
    await vi.waitFor(() => expect(late!.client.calls.map((c) => c.id).sort()).toEqual([placed.id, one!.calls[0]!.id].sort()));
    expect(late!.calls.map((c) => c.id)).toEqual([one!.calls[0]!.id]);
  });

  it('the owner\'s media going down: every tab sees reconnecting and reconnected once; the ICE restart runs on the owner\'s media', async () => {
    const { two, call } = await answeredInTabOne();
    const seen: string[] = [];
    call.on('reconnecting', () => seen.push('tab 1 reconnecting'));
    call.on('reconnected', () => seen.push('tab 1 reconnected'));
    two.client.calls[0]!.on('reconnecting', () => seen.push('tab 2 reconnecting'));
    two.client.calls[0]!.on('reconnected', () => seen.push('tab 2 reconnected'));
    const media = tabMedia[0]![0]!;
    media.setConnectionState('failed');
    // Pushed by the tab at once (media-state), not found at the media watch's next getStats() a second later.
    await vi.waitFor(() => expect(requests('INVITE')).toHaveLength(2), { timeout: 500 });
    expect(media.calls).toContain('createOffer hold=false iceRestart');
    expect(two.client.calls[0]!.state).toBe('reconnecting');
    bobAnswers(requests('INVITE')[1]!);
    await vi.waitFor(() => expect(media.calls.filter((c) => c === 'acceptAnswer')).toHaveLength(2));
    media.setConnectionState('connected');
    await vi.waitFor(() => expect(seen.filter((e) => e.endsWith('reconnected'))).toHaveLength(2));
    expect(seen.sort()).toEqual(['tab 1 reconnected', 'tab 1 reconnecting', 'tab 2 reconnected', 'tab 2 reconnecting']);
    expect(call.state).toBe('answered');
    expect(mediaCalls(1)).toEqual([]);
  });

  it('client.audio.setInputDevice() in the owning tab moves its call\'s microphone; in another tab it touches no call', async () => {
    const { one, two } = await answeredInTabOne();
    await two.client.audio.setInputDevice('headset');
    expect(mediaCalls(0).filter((c) => c.startsWith('replaceInput'))).toEqual([]);
    await one.client.audio.setInputDevice('headset');
    expect(mediaCalls(0).filter((c) => c.startsWith('replaceInput'))).toEqual([expect.stringMatching(/^replaceInput \S+ owned=true$/)]);
  });

  it('logout() in one tab ends the live calls in every tab (local-hangup, BYE) before the unREGISTER', async () => {
    const { two, call } = await answeredInTabOne();
    const ended: string[] = [];
    call.on('ended', (e) => ended.push(`tab 1: ${e.reason}`));
    two.client.calls[0]!.on('ended', (e) => ended.push(`tab 2: ${e.reason}`));
    await two.client.logout();
    await vi.waitFor(() => expect(ended.sort()).toEqual(['tab 1: local-hangup', 'tab 2: local-hangup']));
    expect(requests('BYE')).toHaveLength(1);
    expect(bed.registrar.requests.findIndex((r) => r.method === 'BYE')).toBeLessThan(bed.registrar.requests.indexOf(bed.registrar.removals[0]!));
    expect(mediaCalls(0).at(-1)).toBe('close');
  });
});

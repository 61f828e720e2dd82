/**
 * Shared mode × reload (#15 × #16, call-claims.ts) through real Clients, as shared-calls.test.ts:
 * every "tab" is a Client whose SharedWorker is a fake joined to an in-process WorkerHub with
 * real engines on the scripted registrar (test/shared-worker-bed.ts), each tab with its own fake
 * media and its own `sessionStorage` (a "reload" is a new Client on the same storage, after the
 * old one's Web Lock was released); a "new worker" is a fresh hub.
 */
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest, buildResponseTo, parseSip, rand } from '../../server/test-client.js';
import type { FakeCallMedia } from '../../test/fake-call-media';
import type { SipFrame } from '../../test/fake-registrar';
import { FakeSessionStorage } from '../../test/fake-session-storage';
import { useSharedWorkerBed } from '../../test/shared-worker-bed';
import type { Call } from '../client/call';
import type { Client } from '../client/client';
import type { StoredCall } from '../sip/stored-call';
import { PROTOCOL_VERSION, readEngineMessage, readPageMessage } from './protocol';

/** The media each tab made, by tab (in the order the tabs' Clients were made). */
const tabMedia = vi.hoisted(() => [] as FakeCallMedia[][]);
vi.mock('../sip/media', async () => ({ pageCallMedia: (await import('../../test/fake-call-media')).fakePageCallMedia(tabMedia) }));

const bed = useSharedWorkerBed({ callMedia: tabMedia });

interface Tab {
  client: Client;
  storage: FakeSessionStorage;
  /** Every call event this tab saw, as `event` or `event reason`. */
  seen: string[];
  resumed: Call[];
  /** The index of this client's media list in `tabMedia`. */
  media: number;
}

/** A tab (or the reload of one: give its storage) logged in as alice. */
async function openTab(storage = new FakeSessionStorage(), options: Record<string, unknown> = {}): Promise<Tab> {
  const client = bed.newClient({ sharedWorker: '/voxline.worker.js', logLevel: 'silent', ...options });
  const tab: Tab = { client, storage, seen: [], resumed: [], media: tabMedia.length - 1 };
  const follow = (call: Call): void => {
    for (const name of ['reconnecting', 'reconnected', 'ended'] as const) call.on(name, (e?: { reason?: string }) => tab.seen.push(e?.reason ? `${name} ${e.reason}` : name));
  };
  client.on('incomingcall', follow);
  client.on('callresumed', (call) => {
    tab.resumed.push(call);
    follow(call);
  });
  vi.stubGlobal('sessionStorage', storage); // read at login: this tab's own
  await client.login('alice', 'pw');
  return tab;
}

const sent = (): SipFrame[] => bed.registrar.socket.sent.filter((f) => f.trim()).map((f) => parseSip(f) as SipFrame);
const requests = (method: string): SipFrame[] => bed.registrar.requests.filter((r) => r.method === method);
const contactOf = (frame: SipFrame): string => /<([^>]+)>/.exec(frame.header('contact')!)![1]!;
const stored = (tab: Tab): StoredCall[] => [...tab.storage.map].filter(([key]) => key.startsWith('voxline:calls:')).flatMap(([, text]) => (JSON.parse(text) as { entries: StoredCall[] }).entries);

/** Tab `owner` calls bob, bob answers; tab `other` lists the call. */
async function answeredCall(owner: Tab): Promise<Call> {
  const call = await owner.client.call('bob');
  const invite = requests('INVITE')[0]!;
  bed.registrar.socket.receive(buildResponseTo(invite, 200, 'OK', { toTag: 'bob1', contact: 'sip:bob@192.0.2.7;transport=ws', headers: ['Content-Type: application/sdp'], body: 'v=0 bob-answer\r\n' }));
  await vi.waitFor(() => expect(call.state).toBe('answered'));
  await vi.waitFor(() => expect(stored(owner).map((c) => c.id)).toEqual([call.id]));
  return call;
}

/** Bob answers the handover's re-INVITE (no offer in it) with his offer; alice's ACK carries the answer. */
async function bobOffers(count: number): Promise<SipFrame> {
  await vi.waitFor(() => expect(requests('INVITE')).toHaveLength(count));
  const reinvite = requests('INVITE')[count - 1]!;
  bed.registrar.socket.receive(buildResponseTo(reinvite, 200, 'OK', { toTag: 'bob1', contact: 'sip:bob@192.0.2.7;transport=ws', headers: ['Content-Type: application/sdp'], body: 'v=0 bob-offer\r\n' }));
  return reinvite;
}

/** The tab's Web Lock is released: it reloaded (or closed). */
const reload = (index: number): void => bed.tabGone(index);

describe('shared mode: a call survives a reload of its tab (resumeCalls)', () => {
  it('the owning tab keeps its call records in its own sessionStorage, nothing secret; the other tab keeps none', async () => {
    const one = await openTab();
    const two = await openTab();
    const call = await answeredCall(one);
    const [record] = stored(one);
    expect(record).toMatchObject({ id: call.id, direction: 'outgoing', answeredAt: call.answeredAt, dialog: { remoteTag: 'bob1' } });
    expect(record!.deadline).toBeGreaterThan(Date.now());
    expect(JSON.stringify([...one.storage.map])).not.toContain('pw');
    expect(stored(two)).toEqual([]);
  });

  it('owner tab gone with another tab open: no BYE, tab-closed there; the same tab claims: offerless re-INVITE, callresumed, reconnected once', async () => {
    const one = await openTab();
    const two = await openTab();
    const call = await answeredCall(one);
    await vi.waitFor(() => expect(two.client.calls.map((c) => c.id)).toEqual([call.id]));
    two.client.calls[0]!.on('reconnecting', (e) => two.seen.push(`reconnecting ${e.reason}`));
    two.client.calls[0]!.on('reconnected', () => two.seen.push('reconnected'));
    const firstContact = contactOf(requests('INVITE')[0]!);
    reload(0);
    await vi.waitFor(() => expect(two.seen).toEqual(['reconnecting tab-closed']));
    await bed.settle(50);
    expect(requests('BYE')).toHaveLength(0);

    const again = await openTab(one.storage);
    const reinvite = await bobOffers(2);
    expect(reinvite.header('call-id')).toBe(requests('INVITE')[0]!.header('call-id'));
    expect(reinvite.body ?? '').toBe(''); // no offer: bob's offer is answered in the ACK
    expect(contactOf(reinvite)).toBe(`${firstContact};vxh=2`); // the same engine and binding; moved for the far end (answered-call.ts)
    await vi.waitFor(() => expect(again.resumed).toHaveLength(1));
    const back = again.resumed[0]!;
    expect({ id: back.id, direction: back.direction, remote: back.remote.uri, answeredAt: back.answeredAt }).toEqual({ id: call.id, direction: 'outgoing', remote: call.remote.uri, answeredAt: call.answeredAt });
    await vi.waitFor(() => expect(two.seen).toEqual(['reconnecting tab-closed', 'reconnected']));
    await vi.waitFor(() => expect(requests('ACK').at(-1)?.body).toMatch(/^v=0 answer/));
    expect(tabMedia[again.media]![0]!.calls).toEqual(['createAnswer hold=false']);
    expect(back.state).toBe('answered');
    expect(again.client.calls.map((c) => c.id)).toEqual([call.id]);
    expect(requests('BYE')).toHaveLength(0);
    // No inbound audio 500 ms after the handover: one ICE restart from the new media.
    await vi.waitFor(() => expect(requests('INVITE')).toHaveLength(3), { timeout: 2000 });
    expect(tabMedia[again.media]![0]!.calls.at(-1)).toBe('createOffer hold=false iceRestart');
    expect(stored(again).map((c) => c.id)).toEqual([call.id]);
  });

  it('an incoming call answered in tab 1 (tab 2 saw answered-elsewhere): tab 1 reloads and takes it back', async () => {
    const one = await openTab();
    const two = await openTab();
    const callId = rand(8);
    bed.registrar.socket.receive(buildRequest('INVITE', 'sip:alice@voxline.test', { from: 'sip:bob@voxline.test', fromTag: 'bobtag', to: 'sip:alice@voxline.test', callId, cseq: 1, contact: 'sip:bob@192.0.2.7;transport=ws', body: 'v=0 bob\r\n', contentType: 'application/sdp' }));
    await vi.waitFor(() => expect(one.client.calls).toHaveLength(1));
    const call = one.client.calls[0]!;
    await call.answer();
    await vi.waitFor(() => expect(two.seen).toEqual(['ended answered-elsewhere']));
    await vi.waitFor(() => expect(stored(one)).toHaveLength(1));
    reload(0);
    const again = await openTab(one.storage);
    const reinvite = await bobOffers(1);
    expect(reinvite.header('call-id')).toBe(callId);
    await vi.waitFor(() => expect(again.resumed.map((c) => [c.id, c.direction])).toEqual([[call.id, 'incoming']]));
    await vi.waitFor(() => expect(again.resumed[0]!.state).toBe('answered'));
    expect(two.client.calls).toEqual([]);
    expect(two.seen).toEqual(['ended answered-elsewhere']);
  });

  it('no claim within callResumeWindowMs: ended resume-failed in the other tab, BYE', async () => {
    const one = await openTab(undefined, { callResumeWindowMs: 200 });
    const two = await openTab(undefined, { callResumeWindowMs: 200 });
    const call = await answeredCall(one);
    await vi.waitFor(() => expect(two.client.calls).toHaveLength(1));
    two.client.calls[0]!.on('ended', (e) => two.seen.push(`ended ${e.reason}`));
    reload(0);
    await bed.settle(100);
    expect(requests('BYE')).toHaveLength(0);
    await vi.waitFor(() => expect(two.seen).toEqual(['ended resume-failed']));
    expect(requests('BYE')).toHaveLength(1);
    expect(requests('BYE')[0]!.header('call-id')).toBe(requests('INVITE')[0]!.header('call-id'));
    // A late claim of the ended call: nothing restored.
    const again = await openTab(one.storage, { callResumeWindowMs: 200 });
    await bed.settle(50);
    expect(requests('INVITE')).toHaveLength(1);
    expect(again.resumed).toEqual([]);
    expect(call.id).toBeTruthy();
  });

  it('the last tab gone with a kept call: the engine stays registered until the window passed, then BYE and unREGISTER', async () => {
    const one = await openTab(undefined, { callResumeWindowMs: 200 });
    await answeredCall(one);
    reload(0);
    await bed.settle(50);
    expect(bed.registrar.removals).toHaveLength(0);
    expect(bed.hub.engineCount).toBe(1);
    await vi.waitFor(() => expect(bed.registrar.removals).toHaveLength(1));
    const order = bed.registrar.requests.map((r) => r.method);
    expect(order.lastIndexOf('BYE')).toBeGreaterThan(-1);
    expect(order.lastIndexOf('BYE')).toBeLessThan(bed.registrar.requests.indexOf(bed.registrar.removals[0]!));
    expect(bed.hub.engineCount).toBe(0);
  });

  it('resumeCalls: false: BYE at once when the owning tab goes, and no record kept', async () => {
    const one = await openTab(undefined, { resumeCalls: false });
    const two = await openTab(undefined, { resumeCalls: false });
    const call = await one.client.call('bob');
    bed.registrar.socket.receive(buildResponseTo(requests('INVITE')[0]!, 200, 'OK', { toTag: 'bob1', contact: 'sip:bob@192.0.2.7;transport=ws', headers: ['Content-Type: application/sdp'], body: 'v=0 bob-answer\r\n' }));
    await vi.waitFor(() => expect(two.client.calls[0]?.state).toBe('answered'));
    expect(stored(one)).toEqual([]);
    reload(0);
    await vi.waitFor(() => expect(requests('BYE')).toHaveLength(1));
    expect(call.id).toBeTruthy();
  });

  it('a new worker (the only tab reloaded): the claim\'s record brings the dialog back, re-INVITE from the new Contact, callresumed', async () => {
    const one = await openTab();
    const call = await answeredCall(one);
    const first = requests('INVITE')[0]!;
    reload(0);
    bed.newHub(); // the old worker died with its only tab
    const again = await openTab(one.storage);
    const reinvite = await bobOffers(2);
    expect(bed.registrar.sockets).toHaveLength(2);
    expect(reinvite.header('call-id')).toBe(first.header('call-id'));
    expect(reinvite.header('to')).toContain('tag=bob1');
    expect(reinvite.header('from')).toBe(first.header('from'));
    expect(Number.parseInt(reinvite.header('cseq')!, 10)).toBeGreaterThan(Number.parseInt(first.header('cseq')!, 10));
    expect(contactOf(reinvite)).not.toBe(contactOf(first));
    expect(reinvite.body ?? '').toBe('');
    await vi.waitFor(() => expect(again.resumed.map((c) => [c.id, c.answeredAt])).toEqual([[call.id, call.answeredAt]]));
    await vi.waitFor(() => expect(tabMedia[again.media]![0]!.calls).toEqual(['createAnswer hold=false']));
    expect(again.resumed[0]!.state).toBe('answered');
    expect(sent().filter((f) => f.method === 'BYE')).toHaveLength(0);
  });

  it('malformed claims, a claim naming another dialog, and a claim of a call another tab owns are ignored', async () => {
    const one = await openTab();
    const call = await answeredCall(one);
    const [record] = stored(one);
    const foreign = { ...record!, dialog: { ...record!.dialog, remoteTag: 'not-bob' } };
    const key = [...one.storage.map.keys()].find((k) => k.startsWith('voxline:calls:'))!;
    // A duplicated tab (its sessionStorage a copy) claims the call tab 1 still owns.
    const copy = new FakeSessionStorage();
    copy.map.set(key, one.storage.map.get(key)!);
    const duplicate = await openTab(copy);
    // And a tab with garbage and another dialog in its storage.
    const odd = new FakeSessionStorage();
    odd.map.set(key, JSON.stringify({ v: 1, entries: [foreign] }));
    const other = await openTab(odd);
    const proxy = (other.client as unknown as { engine: { proxy: { post(m: unknown): void } } }).engine.proxy;
    proxy.post({ voxline: 2, kind: 'command', seq: 99, command: { op: 'login', user: 'alice', password: 'pw', claims: [{ id: call.id }, 42, null] } });
    await bed.settle(50);
    expect(requests('INVITE')).toHaveLength(1);
    expect(duplicate.resumed).toEqual([]);
    expect(other.resumed).toEqual([]);
    expect(call.state).toBe('answered');
    expect(tabMedia[one.media]![0]!.calls).toEqual(['createOffer hold=false', 'acceptAnswer']);
    // Tab 1 goes: the other dialog's claim still takes nothing; the copy's parked claim does.
    reload(0);
    await bobOffers(2);
    await vi.waitFor(() => expect(duplicate.resumed.map((c) => c.id)).toEqual([call.id]));
    expect(other.resumed).toEqual([]);
  });
});

describe('shared mode: claims under pressure', () => {
  it('the claiming tab goes again before the handover completed: the call is kept again (no BYE), and the next reload takes it', async () => {
    const one = await openTab();
    await openTab(); // another tab keeps the worker
    const call = await answeredCall(one);
    reload(0);
    const again = await openTab(one.storage);
    await vi.waitFor(() => expect(requests('INVITE')).toHaveLength(2)); // the handover's re-INVITE, unanswered
    reload(2);
    await bed.settle(50);
    expect(requests('BYE')).toHaveLength(0);
    expect(again.resumed.map((c) => c.id)).toEqual([call.id]);
    const third = await openTab(one.storage);
    await bed.settle(50);
    // The handover's re-INVITE is still out: its answer now goes to the new tab's media (reinvite.ts handOver()).
    await bobOffers(2);
    await vi.waitFor(() => expect(third.resumed.map((c) => c.id)).toEqual([call.id]));
    await vi.waitFor(() => expect(third.resumed[0]!.state).toBe('answered'));
    await vi.waitFor(() => expect(tabMedia[third.media]![0]!.calls).toEqual(['createAnswer hold=false']));
    expect(tabMedia[again.media]![0]!.calls).toEqual([]); // made, never used: the tab went before bob answered
    expect(requests('BYE')).toHaveLength(0);
  });
});

describe('protocol: the messages of claims', () => {
  it('a `stored` list reaches the page; one without a list is ignored with a log line; a login with claims is a command', () => {
    const lines: string[] = [];
    expect(readEngineMessage({ voxline: PROTOCOL_VERSION, kind: 'stored', calls: [] }, (l) => lines.push(l))).toEqual({ voxline: PROTOCOL_VERSION, kind: 'stored', calls: [] });
    expect(readEngineMessage({ voxline: PROTOCOL_VERSION, kind: 'stored', calls: 'x' }, (l) => lines.push(l))).toBeNull();
    expect(lines).toEqual(['ignored a malformed message from the engine (kind stored)']);
    const login = { voxline: PROTOCOL_VERSION, kind: 'command', seq: 1, command: { op: 'login', user: 'alice', password: 'pw', claims: [{ id: 'x' }] } };
    expect(readPageMessage(login, (l) => lines.push(l))).toEqual(login); // the claims themselves are checked by the hub (call-claims.ts)
  });
});

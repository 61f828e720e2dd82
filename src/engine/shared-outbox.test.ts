/**
 * The outbox across a reload of a tab in shared mode (#15 × #16), through real Clients: every
 * "tab" is a Client whose SharedWorker is a fake joining it, over a cloning channel, to one
 * in-process WorkerHub running real engines on the scripted registrar (test/shared-worker-bed.ts),
 * and each tab has its own fake `sessionStorage` and `pagehide` (a reload = pagehide, destroy, a
 * new Client on the same storage). The link is kept down by failing every new socket while
 * `linkDown` holds.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildResponseTo } from '../../server/test-client.js';
import { FakeSessionStorage } from '../../test/fake-session-storage';
import type { SipFrame } from '../../test/fake-registrar';
import type { FakeWebSocket } from '../../test/fake-websocket';
import { useSharedWorkerBed } from '../../test/shared-worker-bed';
import type { Client } from '../client/client';
import type { MessageStatus } from '../client/events';

let linkDown: boolean;
let restores: number;

/** Every worker joins the hub; the `restore-messages` commands it is sent are counted. */
const bed = useSharedWorkerBed({
  connect(workerEnd) {
    bed.hub.attach(workerEnd);
    const deliver = workerEnd.onmessage!;
    workerEnd.onmessage = (event) => {
      if ((event.data as { command?: { op?: string } }).command?.op === 'restore-messages') restores++;
      deliver(event);
    };
  },
});

beforeEach(() => {
  linkDown = false;
  restores = 0;
  // While the link is down, every new socket fails before the registrar can open it.
  const registrarSocket = globalThis.WebSocket as unknown as new (url: string, protocol: string) => FakeWebSocket;
  vi.stubGlobal('WebSocket', function (url: string, protocol: string) {
    const socket = new registrarSocket(url, protocol);
    if (linkDown) {
      socket.readyState = 2;
      queueMicrotask(() => socket.fail());
    }
    return socket;
  });
});

interface Tab {
  client: Client;
  statuses: MessageStatus[];
  storage: FakeSessionStorage;
  /** The page goes away (a reload): `pagehide` as browsers fire it, then the client is gone. */
  leave(): void;
}

/** A tab on `storage` (its own `sessionStorage`, kept across its reloads), logged in as alice. */
async function openTab(storage = new FakeSessionStorage(), options: { persistOutbox?: boolean } = {}): Promise<Tab> {
  const pagehide = new Set<(event: { persisted: boolean }) => void>();
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('addEventListener', (type: string, listener: (event: { persisted: boolean }) => void) => type === 'pagehide' && pagehide.add(listener));
  vi.stubGlobal('removeEventListener', (type: string, listener: (event: { persisted: boolean }) => void) => type === 'pagehide' && pagehide.delete(listener));
  const client = bed.newClient({ sharedWorker: '/voxline.worker.js', reconnect: { fastRetryDelayMs: 20, fastRetryWindowMs: 60_000 }, ...options });
  const statuses: MessageStatus[] = [];
  client.on('messagestatus', (s) => statuses.push(s));
  await client.login('alice', 'pw');
  expect(client.shared).toBe(true);
  return {
    client,
    statuses,
    storage,
    leave() {
      for (const listener of [...pagehide]) listener({ persisted: false });
      client.destroy();
    },
  };
}

/** MESSAGE requests the registrar received. */
const messages = (): SipFrame[] => bed.registrar.requests.filter((r) => r.method === 'MESSAGE');
const answer = (request: SipFrame): void => bed.registrar.socket.receive(buildResponseTo(request, 200, 'OK', { toTag: 'b1' }));
const storedIds = (storage: FakeSessionStorage): string[] => [...storage.map.values()].flatMap((v) => (JSON.parse(v) as { entries: Array<{ id: string }> }).entries.map((e) => e.id));
const BODIES = ['one', 'two', 'three'];

/** The link goes down and stays down; `tab` queues three messages, kept in its storage. */
async function queueWhileDown(tab: Tab): Promise<void> {
  linkDown = true;
  bed.registrar.socket.serverClose(1006, 'gone');
  await vi.waitFor(() => expect(tab.client.connectionState).not.toBe('connected'));
  for (const body of BODIES) void tab.client.sendMessage('bob', body, { id: `app-${body}` }).catch(() => undefined);
  await vi.waitFor(() => expect(storedIds(tab.storage)).toEqual(['app-one', 'app-two', 'app-three']));
}

const summary = (statuses: MessageStatus[]): string[] => statuses.map((s) => `${s.id}:${s.status}:${s.restored}`);

describe('shared mode: the outbox survives a reload of its tab (persistOutbox)', () => {
  it('another tab keeps the worker alive: the reloaded tab claims its messages; each is sent once, in order, its outcome reported there, restored', async () => {
    const first = await openTab();
    const other = await openTab();
    await queueWhileDown(first);
    first.leave();
    const reloaded = await openTab(first.storage);
    expect(restores).toBe(1);
    linkDown = false;
    await vi.waitFor(() => expect(messages().map((m) => m.body)).toEqual(BODIES), { timeout: 4000 });
    for (const request of messages()) answer(request);
    await vi.waitFor(() => expect(reloaded.statuses).toHaveLength(3));
    expect(summary(reloaded.statuses)).toEqual(['app-one:delivered:true', 'app-two:delivered:true', 'app-three:delivered:true']);
    expect(reloaded.statuses.map((s) => [s.to, s.body])).toEqual(BODIES.map((b) => ['bob', b]));
    expect(other.statuses).toEqual([]);
    await vi.waitFor(() => expect(first.storage.map.size).toBe(0));
    await bed.settle(50);
    expect(messages()).toHaveLength(3);
  });

  it('outcomes known while the tab was away are replayed to it; one still in flight is rebound to it; nothing is sent twice', async () => {
    const first = await openTab();
    await openTab();
    await queueWhileDown(first);
    first.leave();
    linkDown = false;
    await vi.waitFor(() => expect(messages().map((m) => m.body)).toEqual(BODIES), { timeout: 4000 });
    answer(messages()[0]!);
    answer(messages()[1]!);
    await bed.settle(10);
    const reloaded = await openTab(first.storage);
    await vi.waitFor(() => expect(reloaded.statuses).toHaveLength(2));
    expect(summary(reloaded.statuses)).toEqual(['app-one:delivered:true', 'app-two:delivered:true']);
    expect(storedIds(first.storage)).toEqual(['app-three']);
    answer(messages()[2]!);
    await vi.waitFor(() => expect(summary(reloaded.statuses)).toEqual(['app-one:delivered:true', 'app-two:delivered:true', 'app-three:delivered:true']));
    await vi.waitFor(() => expect(first.storage.map.size).toBe(0));
    await bed.settle(50);
    expect(messages()).toHaveLength(3);
  });

  it('the only tab reloaded (the worker is gone, a fresh one starts): its messages are re-submitted in order, before anything new, reported restored', async () => {
    const first = await openTab();
    await queueWhileDown(first);
    first.leave();
    await vi.waitFor(() => expect(bed.hub.engineCount).toBe(0));
    bed.newHub();
    linkDown = false;
    const reloaded = await openTab(first.storage);
    const fresh = reloaded.client.sendMessage('bob', 'four', { id: 'app-four' });
    await vi.waitFor(() => expect(messages().map((m) => m.body)).toEqual([...BODIES, 'four']));
    for (const request of messages()) answer(request);
    await fresh;
    await vi.waitFor(() => expect(reloaded.statuses).toHaveLength(4));
    expect(summary(reloaded.statuses)).toEqual(['app-one:delivered:true', 'app-two:delivered:true', 'app-three:delivered:true', 'app-four:delivered:false']);
    await vi.waitFor(() => expect(first.storage.map.size).toBe(0));
  });

  it('a stored message past its deadline is reported expired on the reloaded tab and not sent', async () => {
    const first = await openTab();
    await queueWhileDown(first);
    first.leave();
    bed.newHub();
    linkDown = false;
    const [key, text] = [...first.storage.map][0]!;
    const record = JSON.parse(text) as { v: number; entries: Array<{ deadline: number }> };
    record.entries[0]!.deadline = Date.now() - 1;
    first.storage.map.set(key, JSON.stringify(record));
    const reloaded = await openTab(first.storage);
    await vi.waitFor(() => expect(messages().map((m) => m.body)).toEqual(['two', 'three']));
    for (const request of messages()) answer(request);
    await vi.waitFor(() => expect(reloaded.statuses).toHaveLength(3));
    expect(summary(reloaded.statuses).sort()).toEqual(['app-one:expired:true', 'app-three:delivered:true', 'app-two:delivered:true']);
    expect(reloaded.statuses.find((s) => s.id === 'app-one')!.error).toMatchObject({ name: 'TimeoutError' });
  });

  it('persistOutbox: false stores nothing and restores nothing', async () => {
    const storage = new FakeSessionStorage();
    const first = await openTab(storage, { persistOutbox: false });
    await openTab(new FakeSessionStorage(), { persistOutbox: false });
    linkDown = true;
    bed.registrar.socket.serverClose(1006, 'gone');
    await vi.waitFor(() => expect(first.client.connectionState).not.toBe('connected'));
    void first.client.sendMessage('bob', 'memory only', { id: 'm1' }).catch(() => undefined);
    await bed.settle(10);
    first.leave();
    expect(storage.writes).toEqual([]);
    const reloaded = await openTab(storage, { persistOutbox: false });
    linkDown = false;
    await vi.waitFor(() => expect(messages()).toHaveLength(1), { timeout: 4000 });
    answer(messages()[0]!);
    await bed.settle(50);
    expect(restores).toBe(0);
    expect(reloaded.statuses).toEqual([]);
    expect(storage.writes).toEqual([]);
  });

  it('logout() empties the tab\'s stored messages; each is reported failed', async () => {
    const first = await openTab();
    await openTab();
    await queueWhileDown(first);
    await first.client.logout();
    await vi.waitFor(() => expect(first.statuses).toHaveLength(3));
    expect(first.statuses.map((s) => `${s.status}:${s.restored}`)).toEqual(['failed:false', 'failed:false', 'failed:false']);
    expect(first.storage.map.size).toBe(0);
  });
});

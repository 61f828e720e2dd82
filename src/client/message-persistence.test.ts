/**
 * The outbox across a page reload, through real Clients over the scripted registrar and one fake
 * `sessionStorage` shared by the "pages" (a reload = a new Client over the same storage): ids
 * stable, order kept, outcomes reported as `messagestatus`, nothing secret stored, storage
 * failures survived.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildResponseTo } from '../../server/test-client.js';
import { FakePageEvents, FakeSessionStorage } from '../../test/fake-session-storage';
import type { SipFrame } from '../../test/fake-registrar';
import { useRegistrarBed } from '../../test/registrar-bed';
import { ConfigurationError, InvalidStateError, SipError, TimeoutError } from '../errors';
import { resolveOptions } from '../resolve-options';
import type { Client } from './client';
import type { MessageStatus } from './events';

const bed = useRegistrarBed({ fakeTimers: false });
const PASSWORD = 'Secr3t-Pa55word';
let storage: FakeSessionStorage;
let page: FakePageEvents;
let warnings: string[];

beforeEach(() => {
  storage = new FakeSessionStorage();
  page = new FakePageEvents();
  warnings = [];
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('addEventListener', page.addEventListener);
  vi.stubGlobal('removeEventListener', page.removeEventListener);
});

/** A "page": a new Client (with a log sink that records warnings), its statuses, logged in. */
async function openPage(user = 'alice', options: { persistOutbox?: boolean; messageTimeoutMs?: number } = {}) {
  const client: Client = bed.newClient({ logLevel: 'warn', logger: (level, _ns, message) => void (level === 'warn' && warnings.push(message)), ...options });
  const statuses: MessageStatus[] = [];
  client.on('messagestatus', (s) => statuses.push(s));
  await client.login(user, PASSWORD);
  return { client, statuses };
}

/** MESSAGE requests received since `from`. */
function messages(from = 0): SipFrame[] {
  return bed.registrar.requests.slice(from).filter((r) => r.method === 'MESSAGE');
}

function answer(request: SipFrame, status = 200, reason = 'OK'): void {
  bed.registrar.socket.receive(buildResponseTo(request, status, reason, { toTag: 'b1' }));
}

/** The page goes away: `pagehide`, then nothing of it runs any more. */
function leave(p: { client: Client }): void {
  page.fire();
  p.client.destroy();
}

function stored(): Array<Record<string, unknown>> {
  const values = [...storage.map.values()];
  return values.flatMap((v) => (JSON.parse(v) as { entries: Array<Record<string, unknown>> }).entries);
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('the outbox across a reload (persistOutbox)', () => {
  it('keeps what is unconfirmed; after login() the next page sends it first, in order, with the same ids, and reports it restored', async () => {
    const first = await openPage();
    const receipts = ['one', 'two', 'three'].map((body) => first.client.sendMessage('bob', body, { id: `app-${body}` }).catch(() => undefined));
    await vi.waitFor(() => expect(messages()).toHaveLength(3));
    page.fire(); // the page goes away; nothing was answered
    expect(stored().map((m) => m.id)).toEqual(['app-one', 'app-two', 'app-three']);
    first.client.destroy();
    await Promise.all(receipts);

    const before = bed.registrar.requests.length;
    const second = await openPage();
    const fresh = second.client.sendMessage('bob', 'four');
    await vi.waitFor(() => expect(messages(before)).toHaveLength(4));
    expect(messages(before).map((m) => m.body)).toEqual(['one', 'two', 'three', 'four']);
    for (const request of messages(before)) answer(request);
    const receipt = await fresh;
    await vi.waitFor(() => expect(second.statuses).toHaveLength(4));
    expect(second.statuses.map((s) => [s.id, s.status, s.to, s.body, s.restored])).toEqual([
      ['app-one', 'delivered', 'bob', 'one', true],
      ['app-two', 'delivered', 'bob', 'two', true],
      ['app-three', 'delivered', 'bob', 'three', true],
      [receipt.id, 'delivered', 'bob', 'four', false],
    ]);
    expect(receipt.id).toMatch(/^[0-9a-f]{32}$/);
    await vi.waitFor(() => expect(storage.map.size).toBe(0));
  });

  it('stores the message and nothing else: no password, no SIP header, no server URL', async () => {
    const { client } = await openPage();
    void client.sendMessage('bob', 'hello', { id: 'm1' }).catch(() => undefined);
    await vi.waitFor(() => expect(messages()).toHaveLength(1));
    await vi.waitFor(() => expect(storage.map.size).toBe(1));
    const dump = storage.dump();
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toMatch(/authorization|digest|nonce|response=|via:|call-id|cseq|ws:\/\/|registrar\.test/i);
    expect(stored()).toEqual([{ id: 'm1', to: 'sip:bob@voxline.test', body: 'hello', contentType: 'text/plain;charset=utf-8', deadline: expect.any(Number) }]);
  });

  it('reports each outcome on this page too: delivered (with the receipt id) and failed (SipError), and empties the storage', async () => {
    const { client, statuses } = await openPage();
    const ok = client.sendMessage('bob', 'hi');
    const bad = client.sendMessage('nobody', 'hi?', { id: 'x1' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(messages()).toHaveLength(2));
    answer(messages()[0]!);
    answer(messages()[1]!, 404, 'Not Found');
    const { id } = await ok;
    expect(await bad).toBeInstanceOf(SipError);
    expect(statuses.map((s) => [s.id, s.status, s.to, s.restored])).toEqual([
      [id, 'delivered', 'bob', false],
      ['x1', 'failed', 'nobody', false],
    ]);
    expect(statuses[0]!.error).toBeUndefined();
    expect(statuses[1]!.error).toMatchObject({ name: 'SipError', status: 404 });
    await vi.waitFor(() => expect(storage.map.size).toBe(0));
  });

  it('refuses an id already waiting, and a bad id, with TypeError before sending', async () => {
    const { client } = await openPage();
    void client.sendMessage('bob', 'a', { id: 'same' }).catch(() => undefined);
    await expect(client.sendMessage('bob', 'b', { id: 'same' })).rejects.toThrow(/"options.id" "same" is already in the outbox/);
    for (const id of ['', 'x'.repeat(201), 'a\nb', 42]) {
      await expect(client.sendMessage('bob', 'c', { id: id as string })).rejects.toThrow(TypeError);
    }
    await vi.waitFor(() => expect(messages()).toHaveLength(1));
    await tick();
    expect(messages()).toHaveLength(1);
  });

  it('reports restored messages past their deadline as expired at login, and does not send them', async () => {
    const first = await openPage('alice', { messageTimeoutMs: 50 });
    void first.client.sendMessage('bob', 'too late', { id: 'late' }).catch(() => undefined);
    leave(first);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const before = bed.registrar.requests.length;
    const second = await openPage();
    // Reported after login() resolved: listeners added right after `await login()` hear of it too.
    expect(second.statuses).toHaveLength(0);
    const late: MessageStatus[] = [];
    second.client.on('messagestatus', (s) => late.push(s));
    await vi.waitFor(() => expect(second.statuses).toHaveLength(1));
    expect(late).toEqual(second.statuses);
    expect(second.statuses[0]).toMatchObject({ id: 'late', status: 'expired', restored: true, body: 'too late' });
    expect(second.statuses[0]!.error).toBeInstanceOf(TimeoutError);
    await vi.waitFor(() => expect(storage.map.size).toBe(0));
    expect(messages(before)).toHaveLength(0);
  });

  it('logout() drops what waits (failed, InvalidStateError); destroy() keeps it for the tab\'s next login, without a status', async () => {
    const a = await openPage();
    const dropped = a.client.sendMessage('bob', 'dropped', { id: 'd' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(messages()).toHaveLength(1));
    await a.client.logout();
    expect(await dropped).toBeInstanceOf(InvalidStateError);
    expect(a.statuses.map((s) => [s.id, s.status, s.error?.name])).toEqual([['d', 'failed', 'InvalidStateError']]);
    await vi.waitFor(() => expect(storage.map.size).toBe(0));

    const b = await openPage();
    const kept = b.client.sendMessage('bob', 'kept', { id: 'k' }).catch((e: unknown) => e);
    b.client.destroy();
    const err = await kept;
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toMatch(/kept for the next login\(\) in this tab/);
    expect(b.statuses).toEqual([]);
    expect(stored().map((m) => m.id)).toEqual(['k']);

    const c = await openPage();
    await vi.waitFor(() => expect(messages().map((m) => m.body).at(-1)).toBe('kept'));
    expect(page.listeners.size).toBe(1);
    answer(messages().at(-1)!);
    await vi.waitFor(() => expect(c.statuses.map((s) => [s.id, s.status, s.restored])).toEqual([['k', 'delivered', true]]));
  });

  it('another user in the same tab gets nothing of alice\'s', async () => {
    const a = await openPage('alice');
    void a.client.sendMessage('bob', 'from alice', { id: 'a1' }).catch(() => undefined);
    leave(a);
    const before = bed.registrar.requests.length;
    const carol = await openPage('carol');
    await tick();
    expect(messages(before)).toHaveLength(0);
    expect(carol.statuses).toEqual([]);
    expect(stored().map((m) => m.id)).toEqual(['a1']);
  });

  it('persistOutbox: false writes nothing and restores nothing', async () => {
    const a = await openPage('alice');
    void a.client.sendMessage('bob', 'kept', { id: 'a1' }).catch(() => undefined);
    leave(a);
    const written = storage.writes.length;
    const before = bed.registrar.requests.length;
    const b = await openPage('alice', { persistOutbox: false });
    void b.client.sendMessage('bob', 'memory only').catch(() => undefined);
    await tick();
    expect(messages(before).map((m) => m.body)).toEqual(['memory only']);
    expect(storage.writes.length).toBe(written);
    expect(b.statuses).toEqual([]);
  });

  it('a full sessionStorage (QuotaExceededError) costs one warning; messages are still delivered', async () => {
    storage.full = true;
    const { client, statuses } = await openPage();
    const sent = [client.sendMessage('bob', 'a'), client.sendMessage('bob', 'b')];
    await vi.waitFor(() => expect(messages()).toHaveLength(2));
    page.fire();
    for (const request of messages()) answer(request);
    await Promise.all(sent);
    expect(statuses.map((s) => s.status)).toEqual(['delivered', 'delivered']);
    expect(warnings.filter((w) => /QuotaExceededError/.test(w))).toHaveLength(1);
  });

  it('corrupted storage is ignored with one warning: login works and nothing is sent', async () => {
    const first = await openPage();
    void first.client.sendMessage('bob', 'x', { id: 'x' }).catch(() => undefined);
    leave(first);
    const [key] = [...storage.map.keys()];
    storage.map.set(key!, '{"v":1,"entries":[{"id":"x","to":"not a uri"');
    const before = bed.registrar.requests.length;
    const second = await openPage();
    expect(second.client.registered).toBe(true);
    await tick();
    expect(messages(before)).toHaveLength(0);
    expect(warnings.filter((w) => /ignored sessionStorage "voxline:outbox:alice@/.test(w))).toHaveLength(1);
  });

  it('validates persistOutbox', () => {
    expect(resolveOptions({ servers: ['ws://ok.test'] }).persistOutbox).toBe(true);
    expect(resolveOptions({ servers: ['ws://ok.test'], persistOutbox: false }).persistOutbox).toBe(false);
    expect(() => resolveOptions({ servers: ['ws://ok.test'], persistOutbox: 'no' })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ servers: ['ws://ok.test'], persistOutbox: 'no' })).toThrow(/persistOutbox/);
  });
});

/**
 * Shared mode (#16) through real Clients: every "tab" is a Client whose SharedWorker is a fake
 * that joins it, over a cloning channel, to one in-process WorkerHub running real engines on the
 * scripted registrar (test/shared-worker-bed.ts). Counts sockets, REGISTER bindings and events
 * per tab.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest } from '../../server/test-client.js';
import { useSharedWorkerBed } from '../../test/shared-worker-bed';
import type { Client } from '../client/client';
import { AuthenticationError, InvalidStateError } from '../errors';
import { createLogger } from '../logger';
import { directChannel } from './direct-channel';
import { PROTOCOL_VERSION } from './protocol';

let warnings: string[];
let hubLog: string[] = [];
/** What the fake worker does when created: connect to the hub, fail to load, or speak another version. */
let workerMode: 'ok' | 'missing' | 'old' | 'silent' = 'ok';

const bed = useSharedWorkerBed({
  hubLogger: () => createLogger('debug', 'hub', (level, _ns, message) => hubLog.push(`${level} ${message}`)),
  connect(workerEnd, url, worker) {
    if (url.startsWith('https://elsewhere.test/')) throw new DOMException('Failed to construct SharedWorker: cross-origin', 'SecurityError');
    // A real port holds messages until the worker's onconnect; attaching at once does the same here.
    if (workerMode === 'ok') bed.hub.attach(workerEnd);
    else if (workerMode === 'missing') setTimeout(() => worker.onerror?.({}));
    else if (workerMode === 'old') workerEnd.onmessage = () => workerEnd.postMessage({ voxline: PROTOCOL_VERSION + 1, kind: 'welcome' });
  },
});

beforeEach(() => {
  workerMode = 'ok';
  hubLog = [];
});

function tab(): { client: Client; changes: string[]; events: string[] } {
  warnings = [];
  const client = bed.newClient({ sharedWorker: '/voxline.worker.js', logLevel: 'warn', logger: (level, _ns, message) => level === 'warn' && !message.includes('not encrypted') && warnings.push(message) });
  const changes: string[] = [];
  const events: string[] = [];
  client.on('connectionchange', (c) => changes.push(c.state));
  for (const name of ['registered', 'unregistered', 'loggedout'] as const) client.on(name, () => events.push(name));
  client.on('message', (m) => events.push(`message:${m.body}`));
  return { client, changes, events };
}

const incomingMessage = (body: string): string =>
  buildRequest('MESSAGE', 'sip:alice@voxline.test', { from: 'sip:bob@voxline.test', to: 'sip:alice@voxline.test', body, contentType: 'text/plain' });

describe('shared mode: one link and one registration for every tab', () => {
  it.each([1, 3, 10])('%i tab(s) logged in as alice: one WebSocket, one REGISTER binding, each tab told connected and registered once', async (count) => {
    const tabs = Array.from({ length: count }, tab);
    await Promise.all(tabs.map((t) => t.client.login('alice', 'pw')));
    expect(bed.registrar.sockets).toHaveLength(1);
    expect(bed.registrar.bindingRequests).toHaveLength(1);
    expect(bed.hub.engineCount).toBe(1);
    for (const t of tabs) {
      expect(t.client.shared).toBe(true);
      expect(t.changes).toEqual(['connected']);
      expect(t.events).toEqual(['registered']);
      expect(t.client).toMatchObject({ registered: true, user: 'alice', connectionState: 'connected' });
    }
  });

  it('a second tab\'s login() as the same user resolves at once: no new REGISTER; a wrong password is refused', async () => {
    const first = tab();
    await first.client.login('alice', 'pw');
    const second = tab();
    await second.client.login('alice', 'pw');
    expect(bed.registrar.registers).toHaveLength(1);
    const third = tab();
    await expect(third.client.login('alice', 'other')).rejects.toBeInstanceOf(AuthenticationError);
    expect(third.client.registered).toBe(false);
  });

  it('a tab that has not connected yet is idle and hears nothing; connect() on a link that is up gives it one connected', async () => {
    const first = tab();
    await first.client.login('alice', 'pw');
    const second = tab();
    await vi.waitFor(() => expect(second.client.shared).toBe(true));
    expect(second.client.connectionState).toBe('idle');
    await second.client.connect();
    expect(second.changes).toEqual(['connected']);
    expect(second.client).toMatchObject({ connectionState: 'connected', registered: false, user: null });
    expect(bed.registrar.sockets).toHaveLength(1);
  });

  it('each incoming MESSAGE reaches every logged-in tab once, and is answered once', async () => {
    const tabs = [tab(), tab(), tab()];
    await Promise.all(tabs.map((t) => t.client.login('alice', 'pw')));
    bed.registrar.socket.receive(incomingMessage('hello tabs'));
    await vi.waitFor(() => tabs.forEach((t) => expect(t.events).toContain('message:hello tabs')));
    for (const t of tabs) expect(t.events.filter((e) => e.startsWith('message:'))).toHaveLength(1);
    expect(bed.registrar.socket.sent.filter((f) => f.startsWith('SIP/2.0 200'))).toHaveLength(1);
  });

  it('a lost link: every tab gets one disconnected and one reconnected', async () => {
    const tabs = [tab(), tab(), tab()];
    await Promise.all(tabs.map((t) => t.client.login('alice', 'pw')));
    bed.registrar.socket.serverClose(1006, 'gone');
    await vi.waitFor(() => tabs.forEach((t) => expect(t.changes).toEqual(['connected', 'disconnected', 'reconnected'])), { timeout: 4000 });
    expect(bed.registrar.sockets).toHaveLength(2);
  });

  it('a different user in another tab gets its own link and registration', async () => {
    const alice = tab();
    const bob = tab();
    await alice.client.login('alice', 'pw');
    await bob.client.login('bob', 'pw');
    expect(bed.registrar.sockets).toHaveLength(2);
    expect(bed.registrar.bindingRequests.map((r) => r.header('from'))).toEqual([expect.stringContaining('alice'), expect.stringContaining('bob')]);
    expect(bob.client.user).toBe('bob');
    expect(alice.client.user).toBe('alice');
  });

  it('logout() in one tab logs out every tab: one unREGISTER, `loggedout` in the others, all idle', async () => {
    const [a, b, c] = [tab(), tab(), tab()];
    await Promise.all([a, b, c].map((t) => t.client.login('alice', 'pw')));
    await b.client.logout();
    expect(bed.registrar.removals).toHaveLength(1);
    expect(a.events).toEqual(['registered', 'loggedout']);
    expect(c.events).toEqual(['registered', 'loggedout']);
    expect(b.events).toEqual(['registered']);
    for (const t of [a, b, c]) expect(t.client).toMatchObject({ registered: false, user: null, connectionState: 'idle' });
    await expect(a.client.sendMessage('bob', 'hi')).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('logout() in a tab that only connected leaves the others logged in', async () => {
    const [a, b] = [tab(), tab()];
    await a.client.login('alice', 'pw');
    await b.client.connect();
    await b.client.logout();
    expect(b.client.connectionState).toBe('idle');
    expect(a.events).toEqual(['registered']);
    expect(a.client.registered).toBe(true);
    expect(bed.registrar.removals).toHaveLength(0);
    expect(bed.registrar.socket.readyState).toBe(1);
  });

  it('the link and registration stay while a tab remains; the last tab gone unREGISTERs and closes the link', async () => {
    const [a, b] = [tab(), tab()];
    await Promise.all([a, b].map((t) => t.client.login('alice', 'pw')));
    a.client.destroy();
    await bed.settle();
    expect(bed.registrar.removals).toHaveLength(0);
    expect(b.client.registered).toBe(true);
    b.client.destroy();
    await vi.waitFor(() => expect(bed.registrar.removals).toHaveLength(1));
    await vi.waitFor(() => expect(bed.hub.engineCount).toBe(0));
  });

  it('a tab gone without a word (its Web Lock released) is detached; the last one unREGISTERs', async () => {
    const [a, b] = [tab(), tab()];
    await Promise.all([a, b].map((t) => t.client.login('alice', 'pw')));
    expect(bed.tabLocks).toHaveLength(2);
    bed.tabGone(0);
    await bed.settle();
    expect(bed.registrar.removals).toHaveLength(0);
    expect(bed.hub.engineCount).toBe(1);
    bed.tabGone(1);
    await vi.waitFor(() => expect(bed.registrar.removals).toHaveLength(1));
    await vi.waitFor(() => expect(bed.hub.engineCount).toBe(0));
  });

  it('a tab speaking another protocol version is answered `rejected`; a malformed message is ignored with one log line', () => {
    const [pageEnd, workerEnd] = directChannel();
    bed.hub.attach(workerEnd);
    const answers: unknown[] = [];
    pageEnd.onmessage = ({ data }) => answers.push(data);
    pageEnd.postMessage({ voxline: PROTOCOL_VERSION + 1, kind: 'hello' });
    pageEnd.postMessage({ voxline: PROTOCOL_VERSION, kind: 'command', seq: 2, command: { op: 'login', user: 'alice', pass: 'secret-pw' } });
    expect(answers).toEqual([{ voxline: PROTOCOL_VERSION, kind: 'rejected', reason: expect.stringContaining(`protocol version ${PROTOCOL_VERSION + 1}`) }]);
    expect(hubLog.filter((l) => l.includes('malformed'))).toHaveLength(1);
    expect(hubLog.join('\n')).not.toContain('secret-pw');
  });

  it('sendMessage() from a tab goes out once; its messagestatus reaches that tab only', async () => {
    const [a, b] = [tab(), tab()];
    await Promise.all([a, b].map((t) => t.client.login('alice', 'pw')));
    const statuses: string[][] = [[], []];
    a.client.on('messagestatus', (s) => statuses[0]!.push(s.status));
    b.client.on('messagestatus', (s) => statuses[1]!.push(s.status));
    const sent = a.client.sendMessage('bob', 'hi');
    await vi.waitFor(() => expect(bed.registrar.requests.filter((r) => r.method === 'MESSAGE')).toHaveLength(1));
    const request = bed.registrar.requests.find((r) => r.method === 'MESSAGE')!;
    // @ts-expect-error -- plain JS helper
    const { buildResponseTo } = await import('../../server/test-client.js');
    bed.registrar.socket.receive(buildResponseTo(request, 200, 'OK', { toTag: 'b1' }));
    await expect(sent).resolves.toEqual({ id: expect.any(String) });
    await vi.waitFor(() => expect(statuses[0]).toEqual(['delivered']));
    expect(statuses[1]).toEqual([]);
  });
});

describe('shared mode: falling back to the in-page engine', () => {
  it.each([
    ['a worker script that fails to load', 'missing' as const, '/voxline.worker.js', /could not be loaded/],
    ['a worker of another Voxline release', 'old' as const, '/voxline.worker.js', new RegExp(`protocol version ${PROTOCOL_VERSION + 1}`)],
    ['a cross-origin worker URL', 'ok' as const, 'https://elsewhere.test/voxline.worker.js', /cannot be started here/],
  ])('%s: one warning naming sharedWorker, client.shared false, and login works on its own link', async (_name, mode, url, reason) => {
    workerMode = mode;
    const warned: string[] = [];
    const client = bed.newClient({ sharedWorker: url, logLevel: 'warn', logger: (level, _ns, message) => level === 'warn' && !message.includes('not encrypted') && warned.push(message) });
    await client.login('alice', 'pw');
    expect(client.shared).toBe(false);
    expect(client.registered).toBe(true);
    expect(warned).toEqual([expect.stringMatching(reason)]);
    expect(warned[0]).toMatch(/Invalid option "sharedWorker"/);
    expect(bed.hub.engineCount).toBe(0);
  });

  it('destroy() before the worker answered: a pending connect() rejects with CancelledError, and no in-page engine starts later', async () => {
    workerMode = 'silent';
    vi.useFakeTimers();
    const warned: string[] = [];
    const client = bed.newClient({ sharedWorker: '/voxline.worker.js', logLevel: 'warn', logger: (level, _ns, message) => level === 'warn' && !message.includes('not encrypted') && warned.push(message) });
    const connecting = client.connect();
    client.destroy();
    await expect(connecting).rejects.toMatchObject({ name: 'CancelledError' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(warned).toEqual([]);
    expect(bed.registrar.sockets).toHaveLength(0);
    vi.useRealTimers();
  });

  it('no SharedWorker in this browser: in-page engine, no warning', async () => {
    vi.stubGlobal('SharedWorker', undefined);
    const warned: string[] = [];
    const client = bed.newClient({ sharedWorker: '/voxline.worker.js', logLevel: 'warn', logger: (level, _ns, message) => level === 'warn' && !message.includes('not encrypted') && warned.push(message) });
    await client.login('alice', 'pw');
    expect(client.shared).toBe(false);
    expect(warned).toEqual([]);
  });

  it('refuses options that hold functions together with sharedWorker, naming the key', () => {
    expect(() => bed.newClient({ sharedWorker: '/w.js', reconnect: { policy: { nextDelayMs: () => 1 } } })).toThrow(/reconnect\.policy/);
    expect(() => bed.newClient({ sharedWorker: 42 as unknown as string })).toThrow(/"sharedWorker"/);
  });
});

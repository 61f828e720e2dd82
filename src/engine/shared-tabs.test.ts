/**
 * Shared mode (#16): how many tabs share a link (`client.sharedTabs`, `tabschange`). Every "tab"
 * is a real Client whose SharedWorker is a fake joining it, over a cloning channel, to one
 * in-process WorkerHub running real engines on the scripted registrar (test/shared-worker-bed.ts).
 * Counts each tab's `tabschange` events and reads its getter.
 */
import { describe, expect, it, vi } from 'vitest';
import { useSharedWorkerBed } from '../../test/shared-worker-bed';
import type { Client } from '../client/client';
import { PROTOCOL_VERSION, readEngineMessage } from './protocol';

const bed = useSharedWorkerBed({ engineOptions: { persistOutbox: false, maxIncomingCalls: 0 } });

interface TestTab {
  client: Client;
  /** The `tabs` of each `tabschange`, in order. */
  told: number[];
}

function tab(shared = true): TestTab {
  const client = bed.newClient(shared ? { sharedWorker: '/voxline.worker.js' } : {});
  const told: number[] = [];
  client.on('tabschange', ({ tabs }) => told.push(tabs));
  return { client, told };
}

describe('shared mode: the number of tabs sharing a link', () => {
  it('three tabs log in one after the other: each tab hears every change once, and its getter agrees', async () => {
    const [a, b, c] = [tab(), tab(), tab()];
    await a.client.login('alice', 'pw');
    expect(a.client.sharedTabs).toBe(1);
    await b.client.login('alice', 'pw');
    await c.client.login('alice', 'pw');
    await bed.settle();
    expect(a.told).toEqual([2, 3]);
    expect(b.told).toEqual([2, 3]);
    expect(c.told).toEqual([3]);
    for (const t of [a, b, c]) expect(t.client.sharedTabs).toBe(3);
    expect(bed.registrar.sockets).toHaveLength(1);
  });

  it('a tab closed (destroy()) or gone without a word (its Web Lock released) lowers the count in the others', async () => {
    const [a, b, c] = [tab(), tab(), tab()];
    for (const t of [a, b, c]) await t.client.login('alice', 'pw');
    c.client.destroy();
    await vi.waitFor(() => expect(a.told).toEqual([2, 3, 2]));
    expect(b.told).toEqual([2, 3, 2]);
    expect(a.client.sharedTabs).toBe(2);
    bed.tabGone(1);
    await vi.waitFor(() => expect(a.told).toEqual([2, 3, 2, 1]));
    expect(a.client.sharedTabs).toBe(1);
    expect(a.client.registered).toBe(true);
  });

  it('a tab that has not connected is not counted and hears nothing; its connect() counts it', async () => {
    const [a, b] = [tab(), tab()];
    await a.client.login('alice', 'pw');
    await vi.waitFor(() => expect(b.client.shared).toBe(true));
    await bed.settle();
    expect(a.told).toEqual([]);
    expect(b.told).toEqual([]);
    expect(b.client.sharedTabs).toBe(1);
    await b.client.connect();
    await bed.settle();
    expect(a.told).toEqual([2]);
    expect(b.told).toEqual([2]);
    expect(b.client.sharedTabs).toBe(2);
  });

  it('logout() in a tab that only connected: the others count one less, that tab reads 1 without an event', async () => {
    const [a, b] = [tab(), tab()];
    await a.client.login('alice', 'pw');
    await b.client.connect();
    await b.client.logout();
    await bed.settle();
    expect(a.told).toEqual([2, 1]);
    expect(b.told).toEqual([2]);
    expect(b.client.sharedTabs).toBe(1);
  });

  it('logout() of the user: every tab is logged out (`loggedout`) and reads 1, with no tabschange', async () => {
    const [a, b] = [tab(), tab()];
    await a.client.login('alice', 'pw');
    await b.client.login('alice', 'pw');
    await a.client.logout();
    await bed.settle();
    expect(a.told).toEqual([2]);
    expect(b.told).toEqual([2]);
    expect([a.client.sharedTabs, b.client.sharedTabs]).toEqual([1, 1]);
  });

  it('tabs of another user are counted on their own link', async () => {
    const [a1, a2, bob] = [tab(), tab(), tab()];
    await a1.client.login('alice', 'pw');
    await a2.client.login('alice', 'pw');
    await bob.client.login('bob', 'pw');
    await bed.settle();
    expect([a1.client.sharedTabs, a2.client.sharedTabs, bob.client.sharedTabs]).toEqual([2, 2, 1]);
    expect(bob.told).toEqual([]);
    expect(a1.told).toEqual([2]);
  });

  it('without shared mode: 1, and no tabschange', async () => {
    const a = tab(false);
    await a.client.login('alice', 'pw');
    await bed.settle();
    expect(a.client.shared).toBe(false);
    expect(a.client.sharedTabs).toBe(1);
    expect(a.told).toEqual([]);
  });

  it('the page ignores a snapshot without a whole, positive tab count', () => {
    const state = { connectionState: 'idle', registered: false, user: null, server: 'wss://a.test' };
    const lines: string[] = [];
    for (const tabs of [undefined, 0, 1.5, '2']) expect(readEngineMessage({ voxline: PROTOCOL_VERSION, kind: 'state', state: { ...state, tabs } }, (line) => lines.push(line))).toBeNull();
    expect(lines).toHaveLength(4);
    expect(readEngineMessage({ voxline: PROTOCOL_VERSION, kind: 'event', name: 'tabschange', payload: { tabs: 2 }, state: { ...state, tabs: 2 } }, (line) => lines.push(line))).toMatchObject({ name: 'tabschange' });
  });
});

import { describe, expect, it, vi } from 'vitest';
import { FakePageEvents, FakeSessionStorage } from '../../test/fake-session-storage';
import { createLogger } from '../logger';
import { SessionStore, type StoredEntry, type StoreHost } from './session-store';

interface Note extends StoredEntry {
  text: string;
}

const isNote = (value: unknown): value is Note => typeof (value as Note | null)?.text === 'string' && typeof (value as Note).deadline === 'number';

const alice = { user: 'alice', domain: 'voxline.test', servers: ['wss://a.test/ws?token=s3cr3t', 'wss://b.test'] };

function bed(host?: StoreHost) {
  const storage = new FakeSessionStorage();
  const page = new FakePageEvents();
  const lines: string[] = [];
  const logger = createLogger('debug', 'test', (level, _ns, message) => lines.push(`${level}:${message}`));
  const theHost: StoreHost = host ?? { sessionStorage: storage, addEventListener: page.addEventListener, removeEventListener: page.removeEventListener };
  const store = new SessionStore(alice, logger, theHost);
  const warnings = (): string[] => lines.filter((l) => l.startsWith('warn:'));
  return { storage, page, lines, warnings, store, slot: store.slot('notes', isNote) };
}

const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('SessionStore', () => {
  it('writes a versioned record under a key namespaced by slot, user, domain and a hash of the servers (no URL in clear)', async () => {
    const { storage, slot } = bed();
    const notes: Note[] = [{ text: 'one', deadline: 2_000 }];
    slot.track(() => notes);
    slot.changed();
    await flushMicrotasks();
    const [key, value] = [...storage.map][0]!;
    expect(storage.map.size).toBe(1);
    expect(key).toMatch(/^voxline:notes:alice@voxline\.test:[0-9a-f]{12}$/);
    expect(storage.dump()).not.toContain('token');
    expect(storage.dump()).not.toContain('a.test');
    expect(JSON.parse(value)).toEqual({ v: 1, entries: [{ text: 'one', deadline: 2_000 }] });
  });

  it('keeps two users, and one user on two server lists, apart', async () => {
    const storage = new FakeSessionStorage();
    const logger = createLogger('silent');
    const host = { sessionStorage: storage };
    const keyOf = async (identity: typeof alice): Promise<string> => {
      const slot = new SessionStore(identity, logger, host).slot('notes', isNote);
      slot.track(() => [{ text: identity.user, deadline: 9e15 }]);
      slot.flush();
      return storage.writes.at(-1)![0];
    };
    const keys = [await keyOf(alice), await keyOf({ ...alice, user: 'bob' }), await keyOf({ ...alice, servers: ['wss://c.test'] }), await keyOf({ ...alice })];
    expect(new Set(keys).size).toBe(3);
    expect(keys[3]).toBe(keys[0]);
    expect(new SessionStore({ ...alice, user: 'bob' }, logger, host).slot('notes', isNote).load().live).toEqual([{ text: 'bob', deadline: 9e15 }]);
  });

  it('splits what it loads into live and expired entries by their deadline', () => {
    const { storage, slot } = bed();
    storage.map.set((slot as unknown as { key: string }).key, JSON.stringify({ v: 1, entries: [{ text: 'old', deadline: 999 }, { text: 'due now', deadline: 1000 }, { text: 'fresh', deadline: 1001 }] }));
    expect(slot.load(1000)).toEqual({ live: [{ text: 'fresh', deadline: 1001 }], expired: [{ text: 'old', deadline: 999 }, { text: 'due now', deadline: 1000 }] });
  });

  it.each([
    ['corrupted JSON', '{"v":1,"entries":[{"te'],
    ['another schema version', JSON.stringify({ v: 2, entries: [{ text: 'x', deadline: 5e15 }] })],
    ['no version', JSON.stringify({ entries: [] })],
    ['entries of the wrong shape', JSON.stringify({ v: 1, entries: [{ text: 42, deadline: 5e15 }] })],
    ['a deadline that is not a number', JSON.stringify({ v: 1, entries: [{ text: 'x', deadline: null }] })],
    ['not an object', '"hello"'],
  ])('ignores %s, with one warning for every slot and read of the store', (_what, text) => {
    const { storage, store, slot, warnings } = bed();
    const other = store.slot('others', isNote);
    for (const s of [slot, other]) storage.map.set((s as unknown as { key: string }).key, text);
    expect(slot.load()).toEqual({ live: [], expired: [] });
    expect(other.load()).toEqual({ live: [], expired: [] });
    expect(slot.load()).toEqual({ live: [], expired: [] });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/ignored sessionStorage "voxline:notes:alice@voxline\.test:[0-9a-f]{12}" \(/);
  });

  it('names the foreign schema version in its warning', () => {
    const { storage, slot, warnings } = bed();
    storage.map.set((slot as unknown as { key: string }).key, JSON.stringify({ v: 7, entries: [] }));
    slot.load();
    expect(warnings()).toEqual([expect.stringContaining('(version 7, not 1)')]);
  });

  it('works as an empty store, silently, where there is no sessionStorage (SSR, Node)', async () => {
    const { slot, warnings } = bed({});
    expect(slot.load()).toEqual({ live: [], expired: [] });
    slot.track(() => [{ text: 'a', deadline: 1 }]);
    slot.changed();
    await flushMicrotasks();
    slot.flush();
    expect(warnings()).toEqual([]);
  });

  it('works as an empty store where touching sessionStorage throws SecurityError (sandboxed iframe), with one warning', async () => {
    const host = {
      get sessionStorage(): Storage {
        throw new DOMException('The document is sandboxed and lacks the "allow-same-origin" flag.', 'SecurityError');
      },
    };
    const { slot, store, warnings } = bed(host);
    expect(() => slot.load()).not.toThrow();
    slot.track(() => [{ text: 'a', deadline: 1 }]);
    slot.flush();
    store.slot('others', isNote).load();
    expect(warnings()).toEqual([expect.stringMatching(/sessionStorage is not available \(SecurityError\): not kept across a reload/)]);
  });

  it('survives a storage that throws on every call, with one warning per kind of problem', () => {
    const { storage, slot, warnings } = bed();
    storage.denied = true;
    expect(slot.load()).toEqual({ live: [], expired: [] });
    slot.track(() => [{ text: 'a', deadline: 1 }]);
    expect(() => slot.flush()).not.toThrow();
    expect(() => slot.flush()).not.toThrow();
    expect(warnings()).toHaveLength(2);
    expect(warnings()[0]).toMatch(/refused a read \(SecurityError\)/);
    expect(warnings()[1]).toMatch(/refused a write \(SecurityError\)/);
  });

  it('on QuotaExceededError, warns once and removes the stale record rather than leave it to be sent again', () => {
    const { storage, slot, warnings } = bed();
    let notes: Note[] = [{ text: 'small', deadline: 9e15 }];
    slot.track(() => notes);
    slot.flush();
    expect(storage.map.size).toBe(1);
    storage.full = true;
    notes = [{ text: 'x'.repeat(100), deadline: 9e15 }];
    expect(() => slot.flush()).not.toThrow();
    expect(() => slot.flush()).not.toThrow();
    expect(storage.map.size).toBe(0);
    expect(warnings()).toEqual([expect.stringMatching(/refused a write \(QuotaExceededError\): not kept across a reload/)]);
    storage.full = false;
    slot.flush();
    expect(slot.load().live).toEqual(notes);
  });

  it('coalesces the changes of one task into one write, and removes the key when the list is empty', async () => {
    const { storage, slot } = bed();
    const notes: Note[] = [];
    slot.track(() => notes);
    for (const text of ['a', 'b', 'c']) {
      notes.push({ text, deadline: 9e15 });
      slot.changed();
    }
    expect(storage.writes).toHaveLength(0);
    await flushMicrotasks();
    expect(storage.writes).toHaveLength(1);
    expect(slot.load().live.map((n) => n.text)).toEqual(['a', 'b', 'c']);
    notes.length = 0;
    slot.changed();
    await new Promise((resolve) => setTimeout(resolve, 250)); // within 200 ms of the last write: on the interval
    expect(storage.map.size).toBe(0);
  });

  it('writes every tracked slot on pagehide, and listens only while some slot is tracked', () => {
    const { storage, page, store, slot } = bed();
    const notes: Note[] = [{ text: 'a', deadline: 9e15 }];
    expect(page.listeners.size).toBe(0);
    slot.track(() => notes);
    const other = store.slot('others', isNote);
    other.track(() => [{ text: 'b', deadline: 9e15 }]);
    expect(page.listeners.size).toBe(1);
    page.fire();
    expect(storage.writes.map(([key]) => key.split(':')[1])).toEqual(['notes', 'others']);
    notes.push({ text: 'c', deadline: 9e15 });
    slot.track(null);
    expect(page.listeners.size).toBe(1);
    page.fire();
    expect(storage.writes.map(([key]) => key.split(':')[1])).toEqual(['notes', 'others', 'others']);
    expect(slot.load().live.map((n) => n.text)).toEqual(['a']);
    other.track(null);
    expect(page.listeners.size).toBe(0);
    page.fire();
    expect(storage.writes).toHaveLength(3);
  });

  it('track(null) stops writing and leaves what is stored', async () => {
    const { storage, slot } = bed();
    slot.track(() => [{ text: 'kept', deadline: 9e15 }]);
    slot.flush();
    slot.track(null);
    slot.changed();
    slot.flush();
    await flushMicrotasks();
    expect(storage.writes).toHaveLength(1);
    expect(slot.load().live).toEqual([{ text: 'kept', deadline: 9e15 }]);
  });

  it('writes a burst of changes at most every 200 ms (a draining backlog is not serialized per message); pagehide writes at once', async () => {
    vi.useFakeTimers();
    try {
      const { storage, page, slot } = bed();
      const notes: Note[] = [];
      slot.track(() => notes);
      notes.push({ text: 'a', deadline: 9e15 });
      slot.changed();
      await vi.advanceTimersByTimeAsync(0);
      expect(storage.writes).toHaveLength(1);
      for (let i = 0; i < 50; i++) {
        notes.push({ text: String(i), deadline: 9e15 });
        slot.changed();
        await vi.advanceTimersByTimeAsync(10); // one change per 10 ms for 500 ms
      }
      expect(storage.writes.length).toBeGreaterThanOrEqual(3);
      expect(storage.writes.length).toBeLessThanOrEqual(4);
      notes.push({ text: 'last', deadline: 9e15 });
      slot.changed();
      page.fire();
      expect(slot.load().live.at(-1)!.text).toBe('last');
      slot.track(null);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

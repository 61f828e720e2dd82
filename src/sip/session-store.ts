/**
 * What a tab keeps across a reload of itself: small, versioned records in `sessionStorage`
 * (per tab, survives a reload, not shared with other tabs, gone when the tab closes). The
 * outbox keeps its unconfirmed messages here (slot `outbox`); the call-resume work keeps its
 * dialogs in a slot of its own the same way (`store.slot('calls', isStoredCall)`).
 *
 * Layout: one key per slot and identity, the identity being the user's address and a hash of
 * the server list (so two users, or one user on two servers, never mix in one tab; no server
 * URL, which may carry a token, is written in clear):
 * ```txt
 *   voxline:<slot>:<user>@<domain>:<hash>  →  {"v":1,"entries":[{…,"deadline":1764313000000}, …]}
 * ```
 * Every entry has a `deadline` (ms since the epoch); {@link StoreSlot.load} splits what it finds
 * into live and expired entries, and the owner decides what an expired one means (a message
 * reported `expired`, a call ended `resume-failed`). Nothing secret goes in: slots store what
 * their owner gives them, and no owner gives a password, an auth header or a key.
 *
 * Never throws. `sessionStorage` may be missing (SSR, Node), throw on access (`SecurityError`
 * in a sandboxed iframe), refuse a write (`QuotaExceededError`), or hold something this version
 * cannot read (corrupted JSON, another schema version, entries of the wrong shape): the store then
 * works as if it were empty, and says so with one warning of each kind per store.
 *
 * Several owners may share one store, each with its own slot: a slot is written from the moment
 * its owner calls {@link StoreSlot.track} until it calls `track(null)`, and the store listens to
 * `pagehide` only while some slot is tracked (nothing to dispose).
 *
 * Writes: {@link StoreSlot.changed} writes at the end of the current task (a microtask), the
 * changes of a burst (a backlog draining after a reconnect) at most every
 * {@link MIN_WRITE_INTERVAL_MS} so that a big outbox is not serialized once per message; and
 * every tracked slot is written at once on `pagehide` (a reload loses nothing).
 */
import type { Logger } from '../logger';
import { md5Hex } from './md5';

/** Schema version of a slot's record; a record of another version is ignored. */
const VERSION = 1;

/** Least time between two writes of one slot, but for `pagehide` and explicit flushes. */
const MIN_WRITE_INTERVAL_MS = 200;

/** An entry a slot keeps: any JSON data with a deadline. */
export interface StoredEntry {
  /** When the entry stops being usable, in ms since the epoch (`Date.now()`). */
  deadline: number;
}

/** Whose records these are: the store's keys are namespaced by them. */
export interface StoreIdentity {
  user: string;
  domain: string;
  servers: readonly string[];
}

/** Where `sessionStorage` and `pagehide` come from: the page (`globalThis`), or a test's fake. */
export interface StoreHost {
  readonly sessionStorage?: Storage;
  addEventListener?(type: 'pagehide', listener: () => void): void;
  removeEventListener?(type: 'pagehide', listener: () => void): void;
}

type Problem = 'open' | 'read' | 'write' | 'unreadable';

export class SessionStore {
  private readonly prefix: string;
  private readonly tracked = new Set<StoreSlot<StoredEntry>>();
  private readonly warned = new Set<Problem>();
  private storage: Storage | null | undefined = undefined;
  private readonly onPageHide = (): void => {
    for (const slot of this.tracked) slot.flush();
  };
  private listening = false;

  constructor(
    identity: StoreIdentity,
    private readonly logger: Logger,
    private readonly host: StoreHost = globalThis as StoreHost,
  ) {
    this.prefix = `${identity.user}@${identity.domain}:${md5Hex(identity.servers.join(' ')).slice(0, 12)}`;
  }

  /** The slot `name` of this identity; `isEntry` tells a valid entry from anything else. */
  slot<T extends StoredEntry>(name: string, isEntry: (value: unknown) => value is T): StoreSlot<T> {
    return new StoreSlot<T>(this, `voxline:${name}:${this.prefix}`, isEntry);
  }

  /** @internal Listens to `pagehide` while at least one slot is tracked. */
  _track(slot: StoreSlot<StoredEntry>, on: boolean): void {
    if (on) this.tracked.add(slot);
    else this.tracked.delete(slot);
    const listen = this.tracked.size > 0;
    if (listen === this.listening) return;
    this.listening = listen;
    if (listen) this.host.addEventListener?.('pagehide', this.onPageHide);
    else this.host.removeEventListener?.('pagehide', this.onPageHide);
  }

  /** @internal The raw text under `key`, or `null`. */
  _read(key: string): string | null {
    return this.use('read', (storage) => storage.getItem(key));
  }

  /** @internal Writes `text` under `key` (`null` removes it); on failure, removes the stale record. */
  _write(key: string, text: string | null): void {
    if (text === null || this.use('write', (storage) => storage.setItem(key, text)) === null) {
      // An old record would send again what has since been delivered.
      this.use('write', (storage) => storage.removeItem(key));
    }
  }

  /** Runs `action` on the storage; `null` when there is none or it threw (warned once per kind). */
  private use<R>(what: 'read' | 'write', action: (storage: Storage) => R): R | null {
    try {
      if (this.storage === undefined) this.storage = this.host.sessionStorage ?? null;
      return this.storage ? action(this.storage) : null;
    } catch (err) {
      const opened = this.storage !== undefined;
      this.storage ??= null;
      this.warnOnce(opened ? what : 'open', `sessionStorage ${opened ? `refused a ${what}` : 'is not available'} (${err instanceof Error ? err.name : String(err)}): ${opened && what === 'read' ? 'ignored' : 'not kept across a reload'}`);
      return null;
    }
  }

  /** @internal */
  warnOnce(problem: Problem, message: string): void {
    if (this.warned.has(problem)) {
      this.logger.debug(message);
      return;
    }
    this.warned.add(problem);
    this.logger.warn(message);
  }
}

/** One slot of a {@link SessionStore}: a list of entries of one kind, under one key. */
export class StoreSlot<T extends StoredEntry> {
  private snapshot: (() => readonly T[]) | null = null;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastWrite = -Infinity;

  /** @internal Use {@link SessionStore.slot}. */
  constructor(
    private readonly store: SessionStore,
    private readonly key: string,
    private readonly isEntry: (value: unknown) => value is T,
  ) {}

  /**
   * The entries found (an empty list when there is nothing usable), split by their deadline.
   * An unreadable record is ignored (one warning per store) and left to be overwritten.
   */
  load(now = Date.now()): { live: T[]; expired: T[] } {
    const result: { live: T[]; expired: T[] } = { live: [], expired: [] };
    const text = this.store._read(this.key);
    if (text === null) return result;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    const { v, entries } = (typeof record === 'object' && record !== null ? record : {}) as { v?: unknown; entries?: unknown };
    if (v !== VERSION || !Array.isArray(entries) || !entries.every((e) => this.isEntry(e) && Number.isFinite(e.deadline))) {
      const what = typeof v === 'number' && v !== VERSION ? `version ${v}, not ${VERSION}` : 'unreadable';
      this.store.warnOnce('unreadable', `ignored sessionStorage "${this.key}" (${what})`);
      return result;
    }
    for (const entry of entries as T[]) (entry.deadline > now ? result.live : result.expired).push(entry);
    return result;
  }

  /**
   * What to write from now on, on each {@link StoreSlot.changed} and on `pagehide`; `null` stops
   * tracking (what is stored stays: call `flush()` first to write the last state).
   */
  track(snapshot: (() => readonly T[]) | null): void {
    this.snapshot = snapshot;
    if (!snapshot) this.cancel();
    this.store._track(this as unknown as StoreSlot<StoredEntry>, snapshot !== null);
  }

  /** The tracked entries changed: written at the end of the current task, or of the write interval. */
  changed(): void {
    if (this.scheduled || !this.snapshot) return;
    this.scheduled = true;
    const wait = this.lastWrite + MIN_WRITE_INTERVAL_MS - Date.now();
    if (wait > 0) this.timer = setTimeout(() => this.flush(), wait);
    else queueMicrotask(() => this.scheduled && this.flush());
  }

  /** Writes the tracked entries now (an empty list removes the key). */
  flush(): void {
    this.cancel();
    if (!this.snapshot) return;
    this.lastWrite = Date.now();
    const entries = this.snapshot();
    this.store._write(this.key, entries.length === 0 ? null : JSON.stringify({ v: VERSION, entries }));
  }

  private cancel(): void {
    this.scheduled = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

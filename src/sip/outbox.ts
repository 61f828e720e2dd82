/**
 * The message outbox: every message either reaches the server (its promise resolves on 2xx), or
 * its promise rejects (SIP failure, not confirmed within `timeoutMs`, or logout). Nothing is
 * dropped silently, and each promise settles exactly once.
 *
 * ```txt
 *   queued ──ready, window free──▶ in flight ──2xx──▶ resolved (always, even past the deadline)
 *     ▲                               │ ──≥300──▶ rejected (SipError)
 *     └──── link lost (not expired) ──┘ ──link lost or failed, past the deadline──▶ rejected (TimeoutError)
 *   queued past the deadline ──▶ rejected (TimeoutError; it was never sent and never will be)
 *   close() ──▶ every entry rejected (InvalidStateError)
 *   restore() ──▶ queued ahead of the rest (entries an earlier page of this tab left unconfirmed)
 * ```
 * A deadline that passes while an attempt is in flight waits for that attempt's outcome, so a
 * message whose 2xx arrives is never reported as failed: `TimeoutError` means "not confirmed".
 * Delivery is at-least-once: a message in flight when the link died is sent again, since its
 * fate is unknown. Order is kept: entries start in the order of `send()` calls, at most
 * `window` at a time, so a reconnect after a long outage does not flush thousands at once. One
 * timer serves every deadline, and `maxQueued` bounds the memory. Each entry has an id (unique
 * among the entries held); the {@link OutboxObserver} hears of every change (to persist
 * {@link Outbox.pending}) and of every outcome, restored entries' included (they have no promise).
 */
import { InvalidStateError, LimitError, TimeoutError, type VoxlineError } from '../errors';

/** How one attempt to deliver an entry ended. */
export type AttemptOutcome = { ok: true } | { ok: false; error: VoxlineError; retry: boolean };

/** Sends one item once; resolves with its outcome. */
export type Deliver<T> = (item: T) => Promise<AttemptOutcome>;

/** Limits of an {@link Outbox}. */
export interface OutboxLimits {
  /** Confirmation deadline of each entry, from `send()`, in ms. */
  timeoutMs: number;
  /** Entries held at once (waiting or in flight); a further `send()` rejects with LimitError. */
  maxQueued: number;
  /** Entries in flight at once. @defaultValue 16 */
  window?: number;
}

/** An entry as it can be persisted and restored. */
export interface PendingEntry<T> {
  id: string;
  item: T;
  /** Confirmation deadline, in ms since the epoch (the outbox's clock). */
  deadline: number;
}

/** Told about the outbox's entries. */
export interface OutboxObserver<T> {
  /** Entries were queued or settled (persist {@link Outbox.pending}). */
  changed(): void;
  /** An entry settled: `error` is `null` when it was confirmed. `restored`: it came from {@link Outbox.restore}. */
  settled(entry: PendingEntry<T>, error: Error | null, restored: boolean): void;
}

interface Entry<T> extends PendingEntry<T> {
  restored: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  /** Bumped on each attempt; an outcome for an older attempt is ignored. */
  attempt: number;
  inFlight: boolean;
  /** The deadline passed while in flight: the attempt's outcome decides, no new attempt. */
  expired: boolean;
}

export class Outbox<T> {
  private readonly queue: Array<Entry<T>> = [];
  private readonly window: number;
  private inFlight = 0;
  private ready = false;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly deliver: Deliver<T>,
    private readonly limits: OutboxLimits,
    private readonly describe: (item: T) => string,
    private readonly observer: OutboxObserver<T> = { changed: () => undefined, settled: () => undefined },
    private readonly now: () => number = Date.now,
  ) {
    this.window = limits.window ?? 16;
  }

  /** Number of messages not yet settled. */
  get size(): number {
    return this.queue.length;
  }

  /** The entries not yet settled, in order. */
  pending(): Array<PendingEntry<T>> {
    return this.queue.map(({ id, item, deadline }) => ({ id, item, deadline }));
  }

  /** True while an entry with this id is held. */
  has(id: string): boolean {
    return this.queue.some((e) => e.id === id);
  }

  /**
   * Queues entries an earlier page left unconfirmed, ahead of everything else and with their
   * original deadlines. Those already past it are never sent: the timer settles them with
   * `TimeoutError` on its next turn (after the caller's current task, so an application that
   * listens right after `await login()` still hears of them).
   */
  restore(entries: ReadonlyArray<PendingEntry<T>>): void {
    if (this.closed) return;
    const restored: Array<Entry<T>> = [];
    for (const { id, item, deadline } of entries) {
      if (this.has(id) || restored.some((e) => e.id === id)) continue;
      restored.push({ id, item, deadline, restored: true, resolve: () => undefined, reject: () => undefined, attempt: 0, inFlight: false, expired: false });
    }
    this.queue.unshift(...restored);
    if (entries.length > 0) this.observer.changed();
    this.armTimer();
    this.pump();
  }

  /** Queues `item` under `id`; sends it at once if the link is ready and the window has room. */
  send(item: T, id: string): Promise<void> {
    if (this.closed) return Promise.reject(new InvalidStateError('the client was logged out or destroyed'));
    if (this.queue.length >= this.limits.maxQueued) {
      return Promise.reject(new LimitError(`${this.describe(item)} was refused: the outbox already holds ${this.limits.maxQueued} messages (maxQueuedMessages)`, this.limits.maxQueued));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ id, item, resolve, reject, deadline: this.now() + this.limits.timeoutMs, restored: false, attempt: 0, inFlight: false, expired: false });
      this.observer.changed();
      this.armTimer();
      this.pump();
    });
  }

  /** The link is usable (connected, and registered again after a loss): send what waits, in order. */
  setReady(ready: boolean): void {
    if (this.closed) return;
    this.ready = ready;
    if (ready) {
      this.pump();
      return;
    }
    // Whatever is in flight has an unknown fate: send it again once ready (or, past its
    // deadline, report it as not confirmed).
    for (const entry of [...this.queue]) {
      if (!entry.inFlight) continue;
      entry.attempt++; // its outcome, whenever it comes, no longer counts
      entry.inFlight = false;
      this.inFlight--;
      if (entry.expired) this.settle(entry, this.timeoutError(entry));
    }
  }

  /** Rejects everything still waiting; further sends reject. */
  close(reason = 'the client was logged out or destroyed'): void {
    this.closed = true;
    this.ready = false;
    for (const entry of [...this.queue]) this.settle(entry, new InvalidStateError(`${this.describe(entry.item)} was not delivered: ${reason}`));
  }

  /** Starts waiting entries, in order, while the window has room; one past its deadline waits for the timer. */
  private pump(): void {
    if (!this.ready) return;
    const now = this.now();
    for (const entry of this.queue) {
      if (this.inFlight >= this.window) return;
      if (!entry.inFlight && !entry.expired && entry.deadline > now) this.start(entry);
    }
  }

  private start(entry: Entry<T>): void {
    entry.inFlight = true;
    this.inFlight++;
    const attempt = ++entry.attempt;
    const current = (): boolean => entry.attempt === attempt && this.queue.includes(entry);
    this.deliver(entry.item).then(
      (outcome) => {
        if (!current()) return;
        entry.inFlight = false;
        this.inFlight--;
        if (outcome.ok) this.settle(entry, null);
        else if (!outcome.retry) this.settle(entry, outcome.error);
        else if (entry.expired) this.settle(entry, this.timeoutError(entry));
        // A retry means the link failed under the request: wait for the next setReady(true).
        else this.ready = false;
        this.pump();
      },
      (error: unknown) => {
        if (!current()) return;
        entry.inFlight = false;
        this.inFlight--;
        this.settle(entry, error instanceof Error ? error : new Error(String(error)));
        this.pump();
      },
    );
  }

  private settle(entry: Entry<T>, error: Error | null): void {
    const index = this.queue.indexOf(entry);
    if (index === -1) return;
    this.queue.splice(index, 1);
    if (error) entry.reject(error);
    else entry.resolve();
    this.observer.settled(entry, error, entry.restored);
    this.observer.changed();
    if (this.queue.length === 0) this.clearTimer();
  }

  private timeoutError(entry: Entry<T>): TimeoutError {
    return new TimeoutError(`${this.describe(entry.item)} was not confirmed within ${this.limits.timeoutMs} ms`, this.limits.timeoutMs);
  }

  /**
   * Deadlines grow in queue order (restored entries, queued first, are the oldest), so one timer
   * at the earliest open deadline serves all.
   */
  private armTimer(): void {
    const next = this.queue.find((e) => !e.expired);
    if (!next) return this.clearTimer();
    if (this.timer !== null && this.timerAt <= next.deadline) return;
    this.clearTimer();
    this.timerAt = next.deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, next.deadline - this.now()));
  }

  private expire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.now();
    for (const entry of [...this.queue]) {
      if (entry.expired || entry.deadline > now) continue;
      if (entry.inFlight) entry.expired = true; // the attempt's outcome decides
      else this.settle(entry, this.timeoutError(entry));
    }
    this.armTimer();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }
}

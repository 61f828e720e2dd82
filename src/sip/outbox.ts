/**
 * The message outbox: every message either reaches the server (its promise resolves on 2xx), or
 * its promise rejects (SIP failure, or no success within `timeoutMs`). Nothing is dropped
 * silently, and each promise settles exactly once.
 *
 * ```txt
 *   queued ──ready──▶ in flight ──2xx──▶ resolved
 *     ▲                  │ ──≥300──▶ rejected (SipError)
 *     └── link lost ─────┘   (sent again, in order, once the link is ready)
 *   any state ──timeoutMs──▶ rejected (TimeoutError)   ·   close() ──▶ rejected (InvalidStateError)
 * ```
 * Delivery is at-least-once: a message in flight when the link died is sent again, since its
 * fate is unknown. Order is kept: the queue is flushed in the order of `send()` calls.
 */
import { InvalidStateError, TimeoutError, type VoxlineError } from '../errors';

/** How one attempt to deliver an entry ended. */
export type AttemptOutcome = { ok: true } | { ok: false; error: VoxlineError; retry: boolean };

/** Sends one item once; resolves with its outcome. */
export type Deliver<T> = (item: T) => Promise<AttemptOutcome>;

interface Entry<T> {
  item: T;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Bumped on each attempt; an outcome for an older attempt is ignored. */
  attempt: number;
  inFlight: boolean;
}

export class Outbox<T> {
  private readonly queue: Array<Entry<T>> = [];
  private ready = false;
  private closed = false;

  constructor(
    private readonly deliver: Deliver<T>,
    private readonly timeoutMs: number,
    private readonly describe: (item: T) => string,
  ) {}

  /** Number of messages not yet settled. */
  get size(): number {
    return this.queue.length;
  }

  /** Queues `item`; sends it at once if the link is ready. */
  send(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new InvalidStateError('the client was logged out or destroyed'));
    return new Promise<void>((resolve, reject) => {
      const entry: Entry<T> = {
        item,
        resolve,
        reject,
        attempt: 0,
        inFlight: false,
        timer: setTimeout(() => this.settle(entry, new TimeoutError(`${this.describe(item)} was not delivered within ${this.timeoutMs} ms`, this.timeoutMs)), this.timeoutMs),
      };
      this.queue.push(entry);
      if (this.ready) this.start(entry);
    });
  }

  /** The link is usable (connected, and registered again after a loss): send what waits, in order. */
  setReady(ready: boolean): void {
    if (this.closed) return;
    this.ready = ready;
    if (!ready) {
      // Whatever is in flight has an unknown fate: send it again once ready.
      for (const entry of this.queue) {
        if (entry.inFlight) entry.attempt++; // its outcome, whenever it comes, no longer counts
        entry.inFlight = false;
      }
      return;
    }
    for (const entry of this.queue) if (!entry.inFlight) this.start(entry);
  }

  /** Rejects everything still waiting; further sends reject. */
  close(reason = 'the client was logged out or destroyed'): void {
    this.closed = true;
    this.ready = false;
    for (const entry of [...this.queue]) this.settle(entry, new InvalidStateError(`${this.describe(entry.item)} was not delivered: ${reason}`));
  }

  private start(entry: Entry<T>): void {
    entry.inFlight = true;
    const attempt = ++entry.attempt;
    this.deliver(entry.item).then(
      (outcome) => {
        if (entry.attempt !== attempt || !this.queue.includes(entry)) return;
        if (outcome.ok) this.settle(entry, null);
        else if (outcome.retry) entry.inFlight = false;
        else this.settle(entry, outcome.error);
      },
      (error: unknown) => {
        if (entry.attempt !== attempt || !this.queue.includes(entry)) return;
        this.settle(entry, error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  private settle(entry: Entry<T>, error: Error | null): void {
    const index = this.queue.indexOf(entry);
    if (index === -1) return;
    this.queue.splice(index, 1);
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve();
  }
}

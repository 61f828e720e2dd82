/**
 * One outage of the signalling link: from the loss until the layer above confirms the recovery.
 * Counts the attempts and asks the reconnect policy how long to wait before each one.
 */
import type { ReconnectPolicy } from './reconnect-policy';

/** While the browser says it is offline, attempts wait for `online`, or this long at most. */
export const OFFLINE_RETRY_MS = 30_000;

export class Outage {
  /** Attempts scheduled so far in this outage. */
  attempt = 0;
  lastError: Error | undefined;
  /** From the server (`Retry-After`), for the next attempt only. */
  retryAfterMs: number | undefined;

  constructor(readonly since: number) {}

  /**
   * Counts one more attempt and asks `policy` for its delay: the delay in ms, or `null` when the
   * policy gives up (or throws, or answers something that is not a delay ≥ 0).
   */
  nextDelay(policy: ReconnectPolicy, now: number, server: string, offline: boolean, onPolicyError: (err: Error) => void): number | null {
    this.attempt++;
    const context = { attempt: this.attempt, elapsedMs: now - this.since, server, ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }), ...(this.lastError && { lastError: this.lastError }) };
    this.retryAfterMs = undefined;
    let delay: number | null;
    try {
      delay = policy.nextDelayMs(context);
    } catch (err) {
      onPolicyError(err as Error);
      return null;
    }
    if (delay === null || !Number.isFinite(delay) || delay < 0) return null;
    // Offline: wait for the browser's `online` event, but not forever: `navigator.onLine` and
    // its events are wrong in some environments, so try anyway after a while.
    return offline ? Math.max(delay, OFFLINE_RETRY_MS) : delay;
  }
}

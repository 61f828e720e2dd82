/**
 * When to try again after the signalling link is lost. A policy is a plain object with one
 * method, so applications can replace it; {@link DefaultReconnectPolicy} is the default.
 */

/** What a {@link ReconnectPolicy} knows when asked for the next delay. */
export interface ReconnectContext {
  /** 1 for the first attempt after a loss, 2 for the next, and so on. */
  attempt: number;
  /** Milliseconds since the link was lost. */
  elapsedMs: number;
  /** Server the next attempt will use. */
  server: string;
  /** Set when the server asked to wait (SIP 503 with `Retry-After`), in ms. */
  retryAfterMs?: number;
  /** Why the previous attempt failed, if there was one. */
  lastError?: Error;
}

/**
 * Decides the delay before each reconnection attempt.
 *
 * @example
 * ```ts
 * // Retry every 2 s, at most 10 times.
 * const client = new Client({
 *   servers: ['wss://sip.example.com'],
 *   reconnect: { policy: { nextDelayMs: ({ attempt }) => (attempt <= 10 ? 2000 : null) } },
 * });
 * ```
 */
export interface ReconnectPolicy {
  /** Milliseconds to wait before attempt `context.attempt`, or `null` to give up. */
  nextDelayMs(context: ReconnectContext): number | null;
}

/** Settings of {@link DefaultReconnectPolicy}. */
export interface DefaultReconnectPolicyOptions {
  /**
   * For this long after a loss, retry quickly (every `fastRetryDelayMs`).
   * @defaultValue `10000`
   */
  fastRetryWindowMs?: number;
  /**
   * Delay between retries inside the fast window (the first attempt is always immediate).
   * @defaultValue `1000`
   */
  fastRetryDelayMs?: number;
  /**
   * Base of the exponential backoff after the fast window.
   * @defaultValue `2000`
   */
  backoffBaseMs?: number;
  /**
   * Upper bound of any delay.
   * @defaultValue `30000`
   */
  maxDelayMs?: number;
  /**
   * Give up after this many attempts; `Infinity` never gives up.
   * @defaultValue `Infinity`
   */
  maxAttempts?: number;
  /** Random source in [0, 1); injectable for tests. @defaultValue `Math.random` */
  random?: () => number;
}

const DEFAULTS: Required<DefaultReconnectPolicyOptions> = {
  fastRetryWindowMs: 10_000,
  fastRetryDelayMs: 1_000,
  backoffBaseMs: 2_000,
  maxDelayMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  random: Math.random,
};

/**
 * The default policy (stateless): the first attempt at once; then a retry every `fastRetryDelayMs` for the
 * first `fastRetryWindowMs`; then exponential backoff with full jitter
 * (`random(0, min(maxDelayMs, backoffBaseMs · 2^k))`), never shorter than a server's
 * `Retry-After`. Unlimited attempts unless `maxAttempts` is set.
 */
export class DefaultReconnectPolicy implements ReconnectPolicy {
  private readonly settings: Required<DefaultReconnectPolicyOptions>;

  constructor(options: DefaultReconnectPolicyOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.settings = { ...DEFAULTS, ...defined };
  }

  nextDelayMs({ attempt, elapsedMs, retryAfterMs }: ReconnectContext): number | null {
    const s = this.settings;
    if (attempt > s.maxAttempts) return null;
    let delay: number;
    if (attempt === 1) {
      delay = 0;
    } else if (elapsedMs < s.fastRetryWindowMs) {
      delay = s.fastRetryDelayMs;
    } else {
      // Stateless, so one policy object can serve several clients: the backoff exponent counts
      // the attempts beyond those the fast window allows at most.
      const fastAttempts = Math.ceil(s.fastRetryWindowMs / Math.max(1, s.fastRetryDelayMs));
      const exponent = Math.min(Math.max(0, attempt - 1 - fastAttempts), 20);
      const ceiling = Math.min(s.maxDelayMs, s.backoffBaseMs * 2 ** exponent);
      delay = Math.floor(s.random() * ceiling);
    }
    if (retryAfterMs !== undefined) delay = Math.max(delay, Math.min(retryAfterMs, s.maxDelayMs * 10));
    return delay;
  }
}

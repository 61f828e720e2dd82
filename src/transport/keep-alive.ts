/**
 * Liveness of an open link. A link that the peer stopped answering (a "blackholed" TCP
 * connection) never closes by itself; the only way to notice is to ask and wait for an answer.
 *
 * While frames keep arriving nothing is sent. After `idleMs` without any inbound frame a ping
 * is sent; if nothing at all arrives within `timeoutMs` of it, the link is declared dead.
 * Worst-case detection time after the peer goes silent: `idleMs + timeoutMs + tick`.
 * ```txt
 *   ┌──────── any frame ◀──────────┐
 *   ▼                              │
 * alive ──idle ≥ idleMs──▶ ping sent ──no frame for timeoutMs──▶ dead (onDead, once)
 * ```
 */
import type { Ticker, TickerFactory } from './ticker';

/**
 * What to send as a ping and how to recognise its answer. Replaceable through the
 * `keepAlive.strategy` option.
 */
export interface KeepAliveStrategy {
  /** Name for logs, e.g. `crlf`. */
  readonly name: string;
  /** The frame to send as a ping. */
  ping(): string;
  /** True if an inbound frame is the answer to a ping and must not reach the SIP stack. */
  isPong(frame: string): boolean;
}

/**
 * RFC 5626 §4.4.1 CRLF keep-alive: the client sends a double CRLF, the server answers a single
 * CRLF. Tiny (4 bytes out, 2 back) and answered by Kamailio's websocket module and by the
 * Voxline dev server.
 */
export const crlfKeepAlive: KeepAliveStrategy = Object.freeze({
  name: 'crlf',
  ping: () => '\r\n\r\n',
  isPong: (frame: string) => frame.trim() === '',
});

/** Settings of {@link KeepAlive}. */
export interface KeepAliveSettings {
  idleMs: number;
  timeoutMs: number;
  strategy: KeepAliveStrategy;
  ticker: TickerFactory;
  /** Milliseconds clock; `Date.now` unless a test injects one. */
  now: () => number;
  send: (frame: string) => void;
  onDead: () => void;
}

/** Tick granularity: fine enough for a 5 s detection budget, cheap enough to ignore. */
export const KEEPALIVE_TICK_MS = 250;

export class KeepAlive {
  private readonly s: KeepAliveSettings;
  private ticker: Ticker | null = null;
  private lastActivity = 0;
  private pingSentAt: number | null = null;

  constructor(settings: KeepAliveSettings) {
    this.s = settings;
  }

  /** Starts watching a freshly opened link. */
  start(): void {
    this.stop();
    this.lastActivity = this.s.now();
    this.pingSentAt = null;
    this.ticker = this.s.ticker(Math.min(KEEPALIVE_TICK_MS, this.s.idleMs), () => this.tick());
  }

  /** Stops watching (link closed or lost). */
  stop(): void {
    this.ticker?.stop();
    this.ticker = null;
    this.pingSentAt = null;
  }

  /** Any inbound frame proves the link alive. */
  activity(): void {
    this.lastActivity = this.s.now();
    this.pingSentAt = null;
  }

  /** Asks for proof of life now (page restored, tab visible again, network changed). */
  checkNow(): void {
    if (!this.ticker || this.pingSentAt !== null) return;
    this.ping(this.s.now());
  }

  private tick(): void {
    const now = this.s.now();
    if (this.pingSentAt !== null) {
      if (now - this.pingSentAt >= this.s.timeoutMs) {
        this.stop();
        this.s.onDead();
      }
    } else if (now - this.lastActivity >= this.s.idleMs) {
      this.ping(now);
    }
  }

  private ping(now: number): void {
    this.pingSentAt = now;
    try {
      this.s.send(this.s.strategy.ping());
    } catch {
      // The socket refused the frame; the timeout will declare the link dead.
    }
  }
}

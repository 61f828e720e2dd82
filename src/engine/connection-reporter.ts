/**
 * Derives the public connection state and the `connectionchange` events from the transport's
 * link events and the registration. The single source of truth for what the application was
 * told: each change is reported exactly once, never once per retry.
 *
 * ```txt
 *            link open (first)                 link lost (first loss of an outage)
 *   (none) ─────────────────────▶ connected ───────────────────────────▶ disconnected
 *                                     ▲                                     │ (further losses,
 *                                     │                                     │  failed attempts,
 *                                     │ reconnected                         │  re-opened links whose
 *                                     └─────────────────────────────────────┘  REGISTER failed:
 *                                     (link open again, and REGISTER        no event)
 *                                      refreshed if logged in)
 * ```
 * `connectionState` agrees with the last event: from `disconnected` until `reconnected` it reads
 * `reconnecting` (the SDK is still trying, even while a new socket is open but not registered
 * yet), or `disconnected` once the reconnect policy gave up.
 */
import type { LinkLoss } from '../transport/types';
import type { WebSocketTransport } from '../transport/websocket-transport';
import type { ConnectionChange, ConnectionChangeState, ConnectionState } from '../client/events';

/** Outcome of re-registering on a re-opened link. */
export type RefreshOutcome = 'done' | 'retry';

/** What the reporter needs from the client. */
export interface ConnectionReporterHooks {
  /** True while a user is logged in (a re-opened link must be registered again before `reconnected`). */
  loggedIn(): boolean;
  /**
   * Registers again on the re-opened link: `done` when registered (or the login ended), `retry`
   * when the link was handed back to the transport to try again later.
   */
  refresh(): Promise<RefreshOutcome>;
  /** The link is usable again (reported `reconnected`): resume queued work. */
  resumed(): void;
  /** The link is not usable (lost): pause queued work. */
  paused(): void;
  /** Delivers one change to the application. */
  emit(change: ConnectionChange): void;
}

export class ConnectionReporter {
  private lastChange: ConnectionChangeState | null = null;
  /** Set while the application has been told `disconnected` and not yet `reconnected`. */
  private downSince: number | null = null;
  /** Bumped on every loss and reset, so a recovery overtaken by a newer loss gives up quietly. */
  private epoch = 0;

  constructor(
    private readonly link: WebSocketTransport,
    private readonly hooks: ConnectionReporterHooks,
  ) {
    link.on('open', (server, reconnect) => void this.onOpen(server, reconnect));
    link.on('lost', (loss) => this.onLost(loss));
  }

  /** The public connection state, in agreement with the last `connectionchange`. */
  get state(): ConnectionState {
    const link = this.link.state;
    if (link === 'closed') return 'closed';
    if (this.downSince !== null) return this.link.recovering || link === 'connecting' || link === 'connected' ? 'reconnecting' : 'disconnected';
    return link;
  }

  /** True while the link is up as far as the application was told (not between `disconnected` and `reconnected`). */
  get usable(): boolean {
    return this.downSince === null && this.link.state === 'connected';
  }

  /** Logged out or destroyed: the next link open is a first `connected` again. */
  reset(): void {
    this.lastChange = null;
    this.downSince = null;
    this.epoch++;
  }

  private async onOpen(server: string, reconnect: boolean): Promise<void> {
    const epoch = this.epoch;
    if (this.downSince === null) {
      if (this.lastChange === null) this.emit({ state: 'connected', previous: null, server, at: Date.now() });
      // A link dropped and re-opened before the application was told anything (e.g. a
      // re-REGISTER answered 503 during login): register again, no event.
      if (reconnect && (await this.refresh(epoch))) this.link.confirmRecovered();
      else if (!reconnect) this.link.confirmRecovered();
      return;
    }
    if (!(await this.refresh(epoch))) return;
    if (epoch !== this.epoch || this.link.state !== 'connected' || this.downSince === null) return;
    const at = Date.now();
    const downtimeMs = at - this.downSince;
    this.downSince = null;
    this.link.confirmRecovered();
    this.hooks.resumed();
    this.emit({ state: 'reconnected', previous: this.lastChange, server, at, downtimeMs });
  }

  /** True when registered again (or nothing to register); false when the attempt was overtaken or handed back. */
  private async refresh(epoch: number): Promise<boolean> {
    if (!this.hooks.loggedIn()) return true;
    const outcome = await this.hooks.refresh();
    return outcome === 'done' && epoch === this.epoch;
  }

  private onLost(loss: LinkLoss): void {
    this.epoch++;
    this.hooks.paused();
    if (this.downSince !== null) return;
    this.downSince = loss.at;
    const change: ConnectionChange = { state: 'disconnected', previous: this.lastChange, server: loss.server, at: loss.at, reason: loss.reason };
    if (loss.code !== undefined) change.code = loss.code;
    this.emit(change);
  }

  private emit(change: ConnectionChange): void {
    this.lastChange = change.state;
    this.hooks.emit(change);
  }
}

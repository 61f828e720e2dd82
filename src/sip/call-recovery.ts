/**
 * The media watch of one answered call, and its recovery: decides when the call's audio path is
 * down, restarts ICE through a re-INVITE until it is back, and tells the call about each incident
 * exactly once (`reconnecting` … `reconnected`), however many attempts it takes and whether or not
 * the signalling link went down meanwhile. Timers only; the SIP and WebRTC work is the hooks'.
 * ```txt
 *            disconnected                    connected within graceMs: nothing happened
 *   healthy ──────────────▶ grace (graceMs) ─────────────────────────────────────▶ healthy
 *     │ failed, or no inbound RTP for noInboundMs      │ graceMs elapsed
 *     │ (armed once packets flowed; never while       │
 *     │  either side holds), or the link came back    │
 *     │  with the media not connected                 │
 *     └────────────────────────────────────────────────┴──▶ recovering ── event reconnecting {reason, at}
 *   recovering (one incident):
 *     link down ─▶ waits for the link (an attempt in flight is interrupted) ──link up──▶ attempt
 *     attempt: hooks.restart() (ICE-restart re-INVITE; glare is reinvite.ts's) ──▶ waits attemptWaitMs
 *       for the media ── not back / failed / refused: backoff (0.5, 1, 2, 4, 4… s) ─▶ attempt
 *       (the side that did not make the Call-ID waits firstAttemptDelayMs first: restarts rarely cross)
 *     media connected (or, after an attempt, inbound RTP again) ──▶ healthy ── event reconnected {at, downtimeMs}
 *   their re-offer answered (onRemoteOffer: e.g. their ICE restart, their side noticed first) while
 *     our audio had stopped for STALL_MS or the media is down: an incident of ours too, already
 *     being repaired by theirs (our first attempt only if it does not help within attemptWaitMs)
 *     refused 481 (no dialog), or timeoutMs since the incident began ──▶ gave up (hooks.giveUp)
 *   any ──suspend(reason): the media is gone (media handover, answered-call.ts)──▶ suspended: no timer,
 *     attempt or sample; the open incident stays open, else one opens with `reason` (none when null)
 *   suspended ──resume(state): a new media took over──▶ reconnected (when an incident was open), healthy;
 *     a new media not connected yet keeps the incident open until it connects (then reconnected),
 *     as after an attempt: attemptWaitMs, then ICE restarts, timeoutMs from the resume
 * ```
 * `reason`: `no-inbound-audio` when RTP stopped while ICE still said connected, `network` when the
 * peer connection said disconnected/failed, `signalling` when the trouble was seen while the
 * signalling link was down (recovery waits for the link: it rides on the transport's own
 * reconnection instead of racing it), `tab-closed` when the media was suspended because the tab
 * holding it closed or reloaded.
 */
import { SipError } from '../errors';
import type { Logger } from '../logger';
import type { MediaConnectionState } from '../media/call-media';

/**
 * Why a call's audio path is down: `network` (the connection reported disconnected or failed),
 * `no-inbound-audio` (no audio packets while neither side holds), `signalling` (seen while the
 * signalling link was down too), `tab-closed` (shared mode: the tab holding the call's media
 * closed or reloaded; the call waits for a tab to take it over, see the `reconnecting` event).
 */
export type ReconnectReason = 'network' | 'signalling' | 'no-inbound-audio' | 'tab-closed';

/** Payload of a call's `reconnecting` event. */
export interface CallReconnecting {
  /** What showed the audio path was down (see the `reconnecting` event). */
  reason: ReconnectReason;
  /** When the incident began (ms since the epoch). */
  at: number;
}

/** Payload of a call's `reconnected` event. */
export interface CallReconnected {
  /** When the audio came back (ms since the epoch). */
  at: number;
  /** How long the incident lasted, in ms (from `reconnecting`'s `at`). */
  downtimeMs: number;
}

/** What a {@link CallRecovery} asks of its call. */
export interface CallRecoveryHooks {
  /** Sends one ICE-restart re-INVITE; resolves once its answer is applied (or it is no longer wanted), rejects when refused or lost. */
  restart(wanted: () => boolean): Promise<void>;
  /** Stops waiting for the re-INVITE in flight (the link is gone: its answer cannot come back). */
  interrupt(): void;
  /** Inbound RTP packets received so far. */
  inboundPackets(): Promise<number>;
  /** True while no inbound audio is to be expected: either side holds, or an offer/answer runs. */
  silenceExpected(): boolean;
  reconnecting(event: CallReconnecting): void;
  reconnected(event: CallReconnected): void;
  /** The media did not come back in time: end the call. */
  giveUp(why: string): void;
  logger: Logger;
}

/** Timings of a {@link CallRecovery}, in ms. */
export interface CallRecoveryOptions {
  /** Give up after this long (`callRecoveryTimeoutMs`). */
  timeoutMs: number;
  /** How long `disconnected` may last before it is an incident. @defaultValue 2000 */
  graceMs?: number;
  /** How long inbound RTP may stop before it is an incident. @defaultValue 4000 */
  noInboundMs?: number;
  /** How often inbound RTP is sampled. @defaultValue 500 */
  sampleMs?: number;
  /**
   * How long an accepted restart may take to bring the media back before the next attempt (a
   * restart on a working path connects within a few round trips). @defaultValue 2500
   */
  attemptWaitMs?: number;
  /** Wait before the first attempt (the side that did not make the Call-ID). @defaultValue 0 */
  firstAttemptDelayMs?: number;
}

/** Inbound RTP stopped this long counts as down when the other side restarts ICE first. */
export const STALL_MS = 2000;

/** Backoff before attempt `n + 1` after `n` failed ones: 0.5, 1, 2, 4, 4… s. */
export function retryDelayMs(failed: number): number {
  return Math.min(4000, 500 * 2 ** Math.max(0, failed - 1));
}

type TimerName = 'grace' | 'retry' | 'deadline' | 'wait';

interface Incident {
  since: number;
  reason: ReconnectReason;
  attempts: number;
  /** Packets seen when the last attempt was accepted (inbound RTP growing after it is success). */
  packetsAtAttempt: number | null;
}

/** One call's media watch and recovery; see the file's doc comment. */
export class CallRecovery {
  private media: MediaConnectionState = 'new';
  private linkUp = true;
  private incident: Incident | null = null;
  private attempting = false;
  /** Bumped when an attempt's outcome no longer matters (the link went down under it). */
  private attemptId = 0;
  private packets = 0;
  private lastGrowth = Date.now();
  /** The no-inbound detector fires only after packets flowed since it was (re)armed. */
  private armed = false;
  private sampling = false;
  private disposed = false;
  /** suspend() … resume(): the media is gone. */
  private suspended = false;
  private readonly timers: Record<TimerName, ReturnType<typeof setTimeout> | null> = { grace: null, retry: null, deadline: null, wait: null };
  private readonly sampler: ReturnType<typeof setInterval>;

  constructor(
    private readonly hooks: CallRecoveryHooks,
    private readonly options: CallRecoveryOptions,
  ) {
    this.sampler = setInterval(() => void this.sample(), options.sampleMs ?? 500);
  }

  /** True while an incident is open (between `reconnecting` and `reconnected`). */
  get recovering(): boolean {
    return this.incident !== null;
  }

  /** The media is gone (see the doc comment); `reason`: of the incident to open if none is. Idempotent. */
  suspend(reason: ReconnectReason | null): void {
    if (this.disposed || this.suspended) return;
    this.suspended = true;
    for (const name of ['grace', 'retry', 'deadline', 'wait'] as const) this.clear(name);
    if (this.attempting) [this.attempting, this.attemptId] = [false, this.attemptId + 1]; // its outcome no longer matters
    if (this.incident || !reason) return;
    this.incident = { since: Date.now(), reason, attempts: 0, packetsAtAttempt: null };
    this.hooks.logger.info(`media gone (${reason})`);
    this.hooks.reconnecting({ reason, at: this.incident.since });
  }

  /** A new media, in `state`, took over after suspend(): the incident ends (once it is connected), the watch starts on it. */
  resume(state: MediaConnectionState): void {
    if (this.disposed || !this.suspended) return;
    [this.suspended, this.media, this.packets, this.armed] = [false, state, 0, false];
    const incident = this.incident;
    if (incident && state !== 'connected') {
      // A reconnected now would be followed by a second incident were it not to connect (e.g. an ICE restart seen as signalling trouble).
      this.armDeadline();
      return this.awaitMedia(incident);
    }
    this.succeed();
    this.onMediaState(state);
  }

  /** The peer connection's state changed. */
  onMediaState(state: MediaConnectionState): void {
    if (this.disposed || this.suspended) return;
    this.media = state;
    if (state === 'connected') {
      this.clear('grace');
      if (this.incident) this.succeed();
    } else if (state === 'disconnected') {
      if (!this.incident && this.timers.grace === null) this.timers.grace = setTimeout(() => this.begin('network'), this.options.graceMs ?? 2000);
    } else if (state === 'failed') {
      this.clear('grace');
      if (!this.incident) this.begin('network');
      else if (this.timers.wait !== null) this.retryLater(); // the restarted ICE failed too
    }
  }

  /** The signalling link is lost: no attempt until it is back. */
  onLinkDown(): void {
    if (this.disposed || !this.linkUp) return;
    this.linkUp = false;
    if (this.suspended) return;
    this.clear('retry');
    this.clear('wait');
    if (!this.attempting) return;
    this.attempting = false;
    this.attemptId++;
    this.hooks.interrupt();
  }

  /**
   * The signalling link is back (re-registered). Returns true when this recovery sends the
   * refresh re-INVITE itself (an ICE restart: the media is not connected), or none should go
   * (suspended: the handover's re-INVITE will refresh the target), false when a plain one should.
   */
  onLinkUp(): boolean {
    if (this.disposed) return false;
    this.linkUp = true;
    if (this.suspended) return true;
    if (!this.incident && this.media !== 'connected') this.begin('signalling');
    if (!this.incident) return false;
    this.clear('retry');
    this.attempt();
    return true;
  }

  /**
   * We answered an offer of theirs that is not a hold (their ICE restart, typically): when our
   * audio had stopped too, this is our incident as well, repaired by their restart.
   */
  onRemoteOffer(): void {
    if (this.disposed || this.suspended) return;
    const incident = this.incident;
    if (incident) {
      // Their restart repairs ours too: our own (first or next) attempt waits to see if it did.
      if (!this.attempting) {
        this.clear('retry');
        this.awaitMedia(incident);
      }
      return;
    }
    const stalled = this.armed && Date.now() - this.lastGrowth >= STALL_MS;
    const down = this.media === 'disconnected' || this.media === 'failed';
    this.hooks.logger.debug(`their re-offer: media ${this.media}, inbound RTP ${this.armed ? `last grew ${Date.now() - this.lastGrowth} ms ago` : 'not armed'}`);
    if (down || stalled) this.begin(down ? 'network' : 'no-inbound-audio', true);
  }

  /** Stops every timer; nothing is reported after. Idempotent. */
  dispose(): void {
    this.disposed = true;
    clearInterval(this.sampler);
    for (const name of ['grace', 'retry', 'deadline', 'wait'] as const) this.clear(name);
    this.incident = null;
  }

  /** Opens an incident; `repairing`: their restart is already under way, our first attempt waits for it. */
  private begin(reason: ReconnectReason, repairing = false): void {
    this.clear('grace');
    if (this.incident || this.disposed) return;
    const incident: Incident = { since: Date.now(), reason: this.linkUp ? reason : 'signalling', attempts: 0, packetsAtAttempt: null };
    this.incident = incident;
    this.armed = false;
    this.hooks.logger.info(`media down (${incident.reason}): restarting ICE`);
    this.armDeadline();
    this.hooks.reconnecting({ reason: incident.reason, at: incident.since });
    if (this.disposed || this.incident !== incident) return; // a listener hung up
    if (repairing) return this.awaitMedia(incident);
    const first = this.options.firstAttemptDelayMs ?? 0;
    if (first > 0) this.timers.retry = setTimeout(() => this.attempt(), first);
    else this.attempt();
  }

  private attempt(): void {
    this.clear('retry');
    const incident = this.incident;
    if (!incident || this.attempting || !this.linkUp || this.disposed || this.suspended) return;
    this.attempting = true;
    incident.attempts++;
    const id = ++this.attemptId;
    const current = (): boolean => this.incident === incident && !this.disposed && !this.suspended;
    this.hooks.restart(current).then(
      () => {
        if (id !== this.attemptId) return;
        this.attempting = false;
        if (current() && this.linkUp) this.awaitMedia(incident);
      },
      (err: unknown) => {
        if (id !== this.attemptId) return;
        this.attempting = false;
        if (!current()) return;
        if (err instanceof SipError && err.status === 481) return this.giveUp('the other party no longer knows the call (481)');
        this.hooks.logger.info(`ICE restart attempt ${incident.attempts} failed: ${(err as Error).message}`);
        if (this.linkUp) this.retryLater();
      },
    );
  }

  /** A restart (ours or theirs) is accepted: the media has attemptWaitMs to come back. */
  private awaitMedia(incident: Incident): void {
    incident.packetsAtAttempt = this.packets;
    this.clear('wait');
    this.timers.wait = setTimeout(() => {
      this.timers.wait = null;
      // ICE is fine and the far end simply sends nothing (silence suppression): that is not down.
      if (incident.reason === 'no-inbound-audio' && this.media === 'connected') this.succeed();
      else this.retryLater();
    }, this.options.attemptWaitMs ?? 2500);
  }

  /** The incident ends the call unless the media is back within timeoutMs. */
  private armDeadline(): void {
    this.timers.deadline = setTimeout(() => this.giveUp(`the media did not come back within ${this.options.timeoutMs} ms`), this.options.timeoutMs);
  }

  private retryLater(): void {
    this.clear('wait');
    const incident = this.incident;
    if (!incident || !this.linkUp || this.timers.retry !== null) return;
    this.timers.retry = setTimeout(() => this.attempt(), retryDelayMs(incident.attempts));
  }

  private succeed(): void {
    const incident = this.incident;
    if (!incident) return;
    this.incident = null;
    for (const name of ['retry', 'deadline', 'wait'] as const) this.clear(name);
    this.armed = false;
    this.lastGrowth = Date.now();
    const at = Date.now();
    this.hooks.logger.info(`media back after ${at - incident.since} ms and ${incident.attempts} attempt(s)`);
    this.hooks.reconnected({ at, downtimeMs: at - incident.since });
  }

  private giveUp(why: string): void {
    if (!this.incident || this.disposed) return;
    this.hooks.logger.warn(`giving up the call: ${why}`);
    this.dispose();
    this.hooks.giveUp(why);
  }

  /** One inbound RTP sample: arms, fires or clears the no-inbound detector. */
  private async sample(): Promise<void> {
    if (this.sampling || this.disposed || this.suspended) return;
    this.sampling = true;
    let packets: number;
    try {
      packets = await this.hooks.inboundPackets();
    } catch {
      return;
    } finally {
      this.sampling = false;
    }
    if (this.disposed || this.suspended) return;
    const now = Date.now();
    const grew = packets > this.packets;
    this.packets = packets;
    const incident = this.incident;
    if (incident) {
      if (incident.packetsAtAttempt !== null && packets > incident.packetsAtAttempt && this.media === 'connected') this.succeed();
      return;
    }
    if (this.hooks.silenceExpected()) {
      this.armed = false;
      this.lastGrowth = now;
      return;
    }
    if (grew) {
      this.armed = true;
      this.lastGrowth = now;
    } else if (this.armed && now - this.lastGrowth >= (this.options.noInboundMs ?? 4000)) {
      this.begin(this.media === 'connected' ? 'no-inbound-audio' : 'network');
    }
  }

  private clear(name: TimerName): void {
    const timer = this.timers[name];
    if (timer !== null) clearTimeout(timer);
    this.timers[name] = null;
  }
}

/**
 * The public {@link Call}: one voice call, outgoing or incoming.
 */
import type { EventEmitter } from '../emitter';
import type { URI } from 'sip.js';
import type { Logger } from '../logger';
import type { CallDirection, CallEnd, CallLifecycleEvents, CallState } from '../sip/call-session';
import type { CallMediaOptions } from '../sip/calls';
import type { CallStats } from '../sip/media';
import { parseTarget } from '../sip/targets';
import { CallQuality } from './call-quality';
import type { QualityThresholds } from '../options';
import type { QualityWarning } from './quality-warnings';
import { clearListeners, emitSafely, SafeEmitter } from './safe-emitter';

export type { CallDirection, CallEnd, CallState, CallStats };
export type { CallEndReason } from '../sip/call-session';
export type { CallReconnected, CallReconnecting, ReconnectReason } from '../sip/call-recovery';

/** The other party of a call. */
export interface CallParty {
  /** User part of the address, e.g. `bob`. */
  user: string;
  /** Display name, if the other side sent one. */
  displayName?: string;
  /** Full SIP URI, e.g. `sip:bob@example.com`. */
  uri: string;
}

/**
 * @internal What a {@link Call} shows and drives: a call session of this page's engine, or, in
 * shared mode, a view of one that runs in the SharedWorker (src/engine/remote-call.ts).
 */
export interface CallView extends Pick<EventEmitter<CallLifecycleEvents>, 'on' | 'once'> {
  readonly id: string;
  readonly direction: CallDirection;
  readonly remote: CallParty;
  readonly answeredAt: number | null;
  readonly state: CallState;
  readonly muted: boolean;
  readonly remoteStream: MediaStream | null;
  /** `false` when the call's media is in another tab (no statistics, no quality sampling here). */
  readonly mediaHere?: boolean;
  reject(): Promise<void>;
  hangup(): Promise<void>;
  mute(): void;
  unmute(): void;
  hold(): Promise<void>;
  unhold(): Promise<void>;
  sendDtmf(tones: string, method: 'auto' | 'rtp' | 'info', durationMs: number): Promise<'rtp' | 'info'>;
  transfer(target: URI): Promise<void>;
  getStats(): Promise<CallStats>;
}

/** Options of {@link Call.answer}. */
export interface AnswerOptions {
  /** Microphone constraints, or your own `MediaStream` to send. @defaultValue `true` (default microphone) */
  audio?: MediaTrackConstraints | MediaStream;
  /** Play the remote audio through an `<audio>` element the SDK manages. @defaultValue `true` */
  playRemoteAudio?: boolean;
}

/** Options of {@link Call.sendDtmf}. */
export interface DtmfOptions {
  /** `rtp` (RFC 4733 in the audio), `info` (SIP INFO), or `auto`: RTP where telephone-event is negotiated at the codec's clock rate, else INFO. @defaultValue `'auto'` */
  method?: 'auto' | 'rtp' | 'info';
  /** Tone length in ms (40–2000). @defaultValue `100` */
  durationMs?: number;
}

/** Events of {@link Call}. A listener that throws is logged and never breaks the call. */
export interface CallEvents extends CallLifecycleEvents {
  /**
   * The other party transferred this call (blind transfer): the SDK has placed `newCall` to the
   * transfer target, and this call ends. @event
   */
  transferred: (newCall: Call) => void;
  /**
   * A quality problem has lasted a few seconds (see `QualityWarning.name`); raised once,
   * until `warningcleared` for the same name. Sampled once a second while the call is answered.
   * @event
   * @example
   * ```ts
   * call.on('warning', (w) => showChip(w.name));
   * call.on('warningcleared', (w) => hideChip(w.name));
   * ```
   */
  warning: (warning: QualityWarning) => void;
  /** A quality problem reported by `warning` has recovered for a few seconds. @event */
  warningcleared: (warning: QualityWarning) => void;
}

/**
 * A voice call. Get one from `client.call()` or the client's `incomingcall` event.
 *
 * @example
 * ```ts
 * client.on('incomingcall', async (call) => {
 *   call.on('ended', (e) => showCallEnded(e.reason));
 *   await call.answer();
 * });
 * const call = await client.call('bob');
 * call.on('answered', () => call.sendDtmf('1234#'));
 * ```
 */
export class Call extends SafeEmitter<CallEvents> {
  /** The other party. */
  readonly remote: CallParty;
  private readonly session: CallView;
  private readonly answerWith: (media: CallMediaOptions) => Promise<void>;
  private readonly domain: string;
  private readonly quality: CallQuality;

  private constructor(session: CallView, answer: (media: CallMediaOptions) => Promise<void>, logger: Logger, domain: string, thresholds: QualityThresholds) {
    super(logger);
    this.session = session;
    this.answerWith = answer;
    this.domain = domain;
    this.remote = session.remote;
    this.quality = new CallQuality(session, thresholds, ({ raised, cleared }) => {
      for (const warning of cleared) emitSafely(this, 'warningcleared', warning);
      for (const warning of raised) emitSafely(this, 'warning', warning);
    });
    for (const event of ['answered', 'held', 'resumed', 'muted', 'unmuted', 'remotehold', 'remoteresume'] as const) {
      session.on(event, () => emitSafely(this, event));
    }
    session.on('reconnecting', (e) => emitSafely(this, 'reconnecting', e));
    session.on('reconnected', (e) => emitSafely(this, 'reconnected', e));
    session.on('ringing', (e) => emitSafely(this, 'ringing', e));
    session.on('dtmf', (e) => emitSafely(this, 'dtmf', e));
    session.on('remotestream', (s) => emitSafely(this, 'remotestream', s));
    session.once('ended', (end) => {
      emitSafely(this, 'ended', end);
      clearListeners(this);
    });
  }

  /** @internal Calls are made by the client, never by the application. */
  static _create(session: CallView, answer: (media: CallMediaOptions) => Promise<void>, logger: Logger, domain: string, thresholds: QualityThresholds): Call {
    return new Call(session, answer, logger, domain, thresholds);
  }

  /** The quality warnings active now (raised by `warning`, not yet cleared). */
  get warnings(): QualityWarning[] {
    return this.quality.active;
  }

  /** Unique id of this call in this page (in shared mode: the same in every tab). */
  get id(): string {
    return this.session.id;
  }

  /**
   * When the call was answered (`Date.now()` of that moment), or `null` before. Kept across a
   * reload of the page: a resumed call (`callresumed`) has its original answer time.
   */
  get answeredAt(): number | null {
    return this.session.answeredAt;
  }

  /** `outgoing` or `incoming`. */
  get direction(): CallDirection {
    return this.session.direction;
  }

  /**
   * `connecting`, `ringing`, `answered`, `held`, `reconnecting` (the audio path is being restored;
   * between the `reconnecting` and `reconnected` events) or `ended`.
   */
  get state(): CallState {
    return this.session.state;
  }

  /** True while the microphone is muted on this call. */
  get muted(): boolean {
    return this.session.muted;
  }

  /**
   * The remote audio, once it arrives; the SDK plays it unless `playRemoteAudio: false`. In
   * shared mode, only in the tab that placed or answered the call (`null` in the others).
   */
  get remoteStream(): MediaStream | null {
    return this.session.remoteStream;
  }

  /**
   * Answers an incoming call: opens the microphone, then accepts. In shared mode the call's
   * audio then lives in this tab, and the call ends in the other tabs (`answered-elsewhere`).
   * @throws {@link MediaError} when the microphone cannot be used; {@link InvalidStateError} if not ringing.
   */
  async answer(options: AnswerOptions = {}): Promise<void> {
    const media: CallMediaOptions = { playRemoteAudio: options.playRemoteAudio ?? true };
    if (options.audio !== undefined) media.audio = options.audio;
    await this.answerWith(media);
  }

  /** Declines an incoming call (486 Busy Here). */
  async reject(): Promise<void> {
    await this.session.reject();
  }

  /** Ends the call: cancels it if not answered yet, hangs up otherwise. Safe to call twice. */
  async hangup(): Promise<void> {
    await this.session.hangup();
  }

  /** Stops sending microphone audio (the other side hears silence). */
  mute(): void {
    this.session.mute();
  }

  /** Sends microphone audio again. */
  unmute(): void {
    this.session.unmute();
  }

  /**
   * Puts the call on hold (re-INVITE, `sendonly`).
   * @throws {@link InvalidStateError} unless answered or held (e.g. while `reconnecting`).
   */
  async hold(): Promise<void> {
    await this.session.hold();
  }

  /**
   * Takes the call off hold (re-INVITE, `sendrecv`).
   * @throws {@link InvalidStateError} unless answered or held (e.g. while `reconnecting`).
   */
  async unhold(): Promise<void> {
    await this.session.unhold();
  }

  /**
   * Sends DTMF tones (`0-9`, `*`, `#`, `A-D`; `,` is a pause), and resolves to the method used.
   * RFC 4733 (`rtp`) is used only when the negotiated answer has a `telephone-event` at the audio
   * codec's clock rate (opus/48000 needs telephone-event/48000, PCMU/8000 telephone-event/8000):
   * many desk phones and gateways offer telephone-event/8000 only, and digits sent at the wrong
   * rate are lost. Otherwise `auto` sends SIP INFO (`application/dtmf-relay`) instead.
   * @throws `TypeError` for other characters, before anything is sent.
   * @throws {@link InvalidStateError} for `method: 'rtp'` when RFC 4733 is not possible on this call (the message says why), or when the call is not answered/held.
   * @example
   * ```ts
   * const { method } = await call.sendDtmf('1234#');
   * showNote(`digits sent by ${method === 'rtp' ? 'RFC 4733' : 'SIP INFO'}`);
   * ```
   */
  async sendDtmf(
    tones: string,
    options: DtmfOptions = {},
  ): Promise<{
    /** How the tones went: `rtp` (RFC 4733 in the audio) or `info` (SIP INFO requests). */
    method: 'rtp' | 'info';
  }> {
    if (typeof tones !== 'string' || tones.length === 0) throw new TypeError('sendDtmf(tones): "tones" must be a non-empty string');
    const durationMs = options.durationMs ?? 100;
    if (typeof durationMs !== 'number' || !(durationMs >= 40 && durationMs <= 2000)) throw new TypeError('sendDtmf(tones, options): "options.durationMs" must be between 40 and 2000');
    const method = options.method ?? 'auto';
    if (!['auto', 'rtp', 'info'].includes(method)) throw new TypeError('sendDtmf(tones, options): "options.method" must be auto, rtp or info');
    return { method: await this.session.sendDtmf(tones, method, durationMs) };
  }

  /**
   * Quality statistics from WebRTC: RTT, jitter, loss, MOS, codec, bytes, audio energy. In shared
   * mode, empty in the tabs that do not hold the call's audio.
   */
  getStats(): Promise<CallStats> {
    return this.session.getStats();
  }

  /**
   * Blind transfer: asks the other party (REFER) to call `target` instead, then hangs up.
   * Resolves when the other party accepted the transfer.
   * @throws `TypeError` for a bad target; {@link SipError} when the transfer is refused.
   */
  async transfer(target: string): Promise<void> {
    await this.session.transfer(parseTarget(target, this.domain, 'transfer(target)'));
  }

  /** @internal The other party transferred this call; the SDK placed `newCall`. */
  _transferred(newCall: Call): void {
    emitSafely(this, 'transferred', newCall);
  }
}

/**
 * One call: a sip.js `Inviter` (outgoing) or `Invitation` (incoming) with its media, turned into
 * a small state machine with plain events.
 *
 * ```txt
 *  outgoing: connecting ──180/183──▶ ringing ──2xx──▶ answered ◀──unhold()── held
 *  incoming:                         ringing ──answer()──▶ answered ──hold()──▶ held
 *  any state ──hangup / reject / BYE / CANCEL / failure / logout──▶ ended (once, with a reason)
 * ```
 */
import { EventEmitter } from 'eventemitter3';
import { Invitation, Inviter, SessionState, type Info, type Referral, type Session, type SessionDescriptionHandler, type URI } from 'sip.js';
import { InvalidStateError, SipError } from '../errors';
import type { Logger } from '../logger';
import { unescapeDisplayName } from './display-name';
import { stopStream } from '../media/audio-source';
import type { CallMedia } from '../media/call-media';
import { readStats, type CallStats } from '../media/stats';
import type { LocalAudio } from './media';
import { mediaOf } from './sdh-adapter';

/**
 * State of a call: `connecting` (INVITE sent), `ringing` (the callee rings, or an incoming call
 * waits for `answer()`), `answered`, `held` (by `hold()`), `ended` (terminal).
 */
export type CallState = 'connecting' | 'ringing' | 'answered' | 'held' | 'ended';
/** `outgoing` (placed with `client.call()`) or `incoming` (from the `incomingcall` event). */
export type CallDirection = 'outgoing' | 'incoming';
/**
 * Why a call ended: `local-hangup` (this side hung up, logged out or destroyed the client),
 * `remote-hangup` (BYE from the other side), `rejected` (declined: 603, or `reject()` here),
 * `busy` (486/600), `not-found` (404/604/484/410), `canceled` (the caller gave up before the
 * answer), `unavailable` (480/408/503/502/504), `failed` (anything else, e.g. media setup failed).
 */
export type CallEndReason = 'local-hangup' | 'remote-hangup' | 'rejected' | 'busy' | 'not-found' | 'canceled' | 'unavailable' | 'failed';

/** Payload of a call's `ended` event. */
export interface CallEnd {
  /** Why the call ended. */
  reason: CallEndReason;
  /** SIP status of the final response, when a response ended the call. */
  status?: number;
}

/** Events every call has, public and internal alike. */
export interface CallLifecycleEvents {
  /** The callee's phone is ringing (180/183). @event */
  ringing: () => void;
  /** The call is answered and audio flows. @event */
  answered: () => void;
  /** The call was put on hold by `hold()`. @event */
  held: () => void;
  /** The call was taken off hold by `unhold()`. @event */
  resumed: () => void;
  /** The microphone was muted on this call. @event */
  muted: () => void;
  /** The microphone was unmuted on this call. @event */
  unmuted: () => void;
  /** A DTMF tone arrived (SIP INFO; RFC 4733 tones are not visible to web pages). @event */
  dtmf: (event: { tone: string }) => void;
  /** The remote audio stream is available (`call.remoteStream`). @event */
  remotestream: (stream: MediaStream) => void;
  /** The call ended; fires once, with why. @event */
  ended: (end: CallEnd) => void;
}

export interface CallSessionEvents extends CallLifecycleEvents {
  /** The remote party asked us (REFER) to call someone else: a blind transfer. */
  referred: (referral: Referral) => void;
}

/** Maps a final failure status of an outgoing INVITE to an end reason. */
export function endReasonFor(status: number): CallEndReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'rejected';
  if (status === 404 || status === 604 || status === 484 || status === 410) return 'not-found';
  if (status === 487) return 'canceled';
  if (status === 480 || status === 408 || status === 503 || status === 502 || status === 504) return 'unavailable';
  return 'failed';
}

const DTMF = /^[0-9A-D*#,]+$/i;
/** Length of a `,` pause in a DTMF string, in ms (as `RTCDTMFSender.insertDTMF`). */
export const DTMF_PAUSE_MS = 2000;
let counter = 0;

export class CallSession extends EventEmitter<CallSessionEvents> {
  readonly id = `call-${Date.now().toString(36)}-${(++counter).toString(36)}`;
  readonly direction: CallDirection;
  readonly session: Session;
  private _state: CallState;
  private _muted = false;
  private pendingEnd: CallEnd | null = null;
  private ended = false;
  /** Output device of the remote audio (`client.audio.setOutputDevice`); `null`: the default. */
  outputDeviceId: string | null = null;

  constructor(
    session: Inviter | Invitation,
    private readonly logger: Logger,
    private readonly local: { stream: MediaStream | null; owned: boolean },
    /** Play the remote audio through an element the SDK manages. */
    public playRemoteAudio: boolean,
  ) {
    super();
    this.session = session;
    this.direction = session instanceof Inviter ? 'outgoing' : 'incoming';
    this._state = this.direction === 'outgoing' ? 'connecting' : 'ringing';
    session.delegate = {
      onBye: (bye) => {
        this.pendingEnd ??= { reason: 'remote-hangup' };
        void bye.accept();
      },
      onCancel: () => {
        this.pendingEnd ??= { reason: 'canceled' };
      },
      onInfo: (info) => this.onInfo(info),
      onRefer: (referral) => this.emit('referred', referral),
      onSessionDescriptionHandler: (sdh) => this.watchMedia(sdh),
    };
    session.stateChange.addListener(this.onSessionState);
  }

  get state(): CallState {
    return this._state;
  }

  /** The other party: user, display name, URI. */
  get remote(): { user: string; displayName?: string; uri: string } {
    const identity = this.session.remoteIdentity;
    const party: { user: string; displayName?: string; uri: string } = { user: identity.uri.user ?? '', uri: identity.uri.toString() };
    if (identity.displayName) party.displayName = unescapeDisplayName(identity.displayName);
    return party;
  }

  get muted(): boolean {
    return this._muted;
  }

  get remoteStream(): MediaStream | null {
    return this.media?.remoteStream ?? null;
  }

  /** Sets the audio this call sends (incoming calls get it at answer time). */
  setLocalAudio(stream: MediaStream, owned: boolean): void {
    this.local.stream = stream;
    this.local.owned = owned;
  }

  /** The audio the media handler needs (see media.ts); undefined before {@link setLocalAudio}. */
  localAudio(): LocalAudio | undefined {
    const { stream, owned } = this.local;
    return stream ? { stream, owned, playRemoteAudio: this.playRemoteAudio, outputDeviceId: this.outputDeviceId } : undefined;
  }

  /** For an outgoing call: sends the INVITE. Resolves when it is sent. */
  async invite(): Promise<void> {
    const inviter = this.session as Inviter;
    await inviter.invite({
      requestDelegate: {
        onProgress: (response) => {
          const status = response.message.statusCode ?? 0;
          if ((status === 180 || status === 183) && this._state === 'connecting') this.setState('ringing', 'ringing');
        },
        onAccept: () => this.setState('answered', 'answered'),
        onReject: (response) => {
          const status = response.message.statusCode ?? 0;
          this.pendingEnd ??= { reason: endReasonFor(status), status };
        },
      },
    });
  }

  /** For an incoming call: tells the caller it is ringing (180). */
  ring(): void {
    (this.session as Invitation).progress().catch((err: unknown) => this.logger.warn(`could not send 180 Ringing: ${(err as Error).message}`));
  }

  async answer(): Promise<void> {
    this.assertState('answer', this.direction === 'incoming' && this._state === 'ringing');
    await (this.session as Invitation).accept();
    this.setState('answered', 'answered');
  }

  async reject(): Promise<void> {
    this.assertState('reject', this.direction === 'incoming' && this._state === 'ringing');
    this.pendingEnd = { reason: 'rejected', status: 486 };
    await (this.session as Invitation).reject({ statusCode: 486 });
  }

  /** Ends the call from any live state: CANCEL before an answer, BYE after, 486 for an unanswered incoming call. */
  async hangup(): Promise<void> {
    if (this.ended) return;
    const session = this.session;
    // Already over (a BYE or CANCEL arrived, its end reason is recorded): nothing to send.
    if (session.state === SessionState.Terminated || session.state === SessionState.Terminating) return;
    if (session.state === SessionState.Established) {
      this.pendingEnd = { reason: 'local-hangup' };
      await session.bye();
    } else if (session instanceof Inviter) {
      this.pendingEnd = { reason: 'canceled' };
      await session.cancel();
    } else if (session instanceof Invitation && session.state === SessionState.Initial) {
      this.pendingEnd = { reason: 'rejected', status: 486 };
      await session.reject({ statusCode: 486 });
    } else {
      this.pendingEnd = { reason: 'local-hangup' };
      await session.dispose();
    }
  }

  /** True when the SDK opened this call's microphone (so it may switch it to another device). */
  get ownsLocalAudio(): boolean {
    return this.local.owned;
  }
  /** Sends `stream` (an SDK-opened microphone) instead of the current audio, without renegotiation. */
  async replaceLocalAudio(stream: MediaStream): Promise<void> {
    const media = this.media;
    if (media) await media.replaceInput(stream, true);
    else if (this.local.owned) stopStream(this.local.stream);
    this.local.stream = stream;
    this.local.owned = true;
  }
  /** Plays this call's remote audio on `deviceId` (`null`: the default). */
  async setOutputDevice(deviceId: string | null): Promise<void> {
    this.outputDeviceId = deviceId;
    await this.media?.setOutputDevice(deviceId);
  }
  mute(): void {
    this.assertState('mute', this._state !== 'ended');
    if (this._muted) return;
    this._muted = true;
    this.applyMute();
    this.emit('muted');
  }

  unmute(): void {
    this.assertState('unmute', this._state !== 'ended');
    if (!this._muted) return;
    this._muted = false;
    this.applyMute();
    this.emit('unmuted');
  }

  async hold(): Promise<void> {
    this.assertState('hold', this._state === 'answered' || this._state === 'held');
    if (this._state === 'held') return;
    // The media offers sendonly/inactive audio and turns the microphone off (src/media).
    await this.reinvite(true);
    this.setState('held', 'held');
  }

  async unhold(): Promise<void> {
    this.assertState('unhold', this._state === 'held' || this._state === 'answered');
    if (this._state === 'answered') return;
    // The media offers sendrecv again and turns the microphone back on unless muted.
    await this.reinvite(false);
    this.setState('answered', 'resumed');
  }

  /**
   * Sends DTMF tones: RFC 4733 in the audio stream where the call negotiated it (`rtp`), or
   * SIP INFO (`info`); `auto` prefers RTP and falls back to INFO.
   */
  async sendDtmf(tones: string, method: 'auto' | 'rtp' | 'info', durationMs: number): Promise<void> {
    this.assertState('sendDtmf', this._state === 'answered' || this._state === 'held');
    if (!DTMF.test(tones)) throw new TypeError(`sendDtmf(tones): "${tones}" has characters outside 0-9, *, #, A-D and ","`);
    if (method !== 'info') {
      if (this.media?.sendDtmf(tones, { durationMs, interToneGapMs: 70 })) return;
      if (method === 'rtp') throw new InvalidStateError('sendDtmf(): this call has no RTP DTMF sender (telephone-event was not negotiated)');
    }
    for (const tone of tones) {
      if (this.ended) return;
      if (tone === ',') {
        // A pause, as in RTCDTMFSender.insertDTMF: 2 s.
        await new Promise((resolve) => setTimeout(resolve, DTMF_PAUSE_MS));
        continue;
      }
      await this.session.info({
        requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${tone}\r\nDuration=${durationMs}\r\n` } },
      });
    }
  }

  /** Blind transfer (REFER). Resolves when the other side accepted (2xx); then hangs up this leg. */
  async transfer(target: URI): Promise<void> {
    this.assertState('transfer', this._state === 'answered' || this._state === 'held');
    await new Promise<void>((resolve, reject) => {
      this.session
        .refer(target, {
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: ({ message }) => reject(new SipError(message.statusCode ?? 0, message.reasonPhrase ?? '', `transfer to ${target.toString()} refused: SIP ${message.statusCode} ${message.reasonPhrase}`)),
          },
        })
        .catch(reject);
    });
    await this.hangup();
  }

  /**
   * After the signalling link was re-opened: a re-INVITE from the new connection refreshes the
   * dialog's target at the server and at the other party (our Contact now lives on a new
   * connection), so the other side's BYE, re-INVITE or INFO reach us again. Media is untouched.
   */
  async refreshTarget(): Promise<void> {
    if (this._state !== 'answered' && this._state !== 'held') return;
    await this.reinvite(this._state === 'held');
  }

  async getStats(): Promise<CallStats> {
    return this.media ? this.media.getStats() : readStats(undefined);
  }

  /** Ends the call now, without waiting for the network (logout/destroy, or a failed start). */
  terminate(reason: CallEndReason = 'local-hangup'): void {
    if (this.ended) return;
    this.hangup().catch(() => undefined);
    this.finish({ reason });
  }

  private async reinvite(hold: boolean): Promise<void> {
    const session = this.session;
    const previous = session.sessionDescriptionHandlerOptionsReInvite;
    session.sessionDescriptionHandlerOptionsReInvite = { ...previous, hold } as typeof previous;
    await new Promise<void>((resolve, reject) => {
      session
        .invite({
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: ({ message }) => reject(new SipError(message.statusCode ?? 0, message.reasonPhrase ?? '', `${hold ? 'hold' : 'unhold'} refused: SIP ${message.statusCode} ${message.reasonPhrase}`)),
          },
        })
        .catch(reject);
    }).catch((err: unknown) => {
      session.sessionDescriptionHandlerOptionsReInvite = previous;
      throw err;
    });
  }

  /** The call's media (src/media), once sip.js created its session description handler. */
  private get media(): CallMedia | undefined {
    return mediaOf(this.session.sessionDescriptionHandler);
  }

  private applyMute(): void {
    this.media?.setMuted(this._muted);
  }

  private onInfo(info: Info): void {
    void info.accept();
    const request = info.request;
    const type = (request.getHeader('Content-Type') ?? '').toLowerCase();
    const body = request.body ?? '';
    let tone: string | undefined;
    if (type.startsWith('application/dtmf-relay')) tone = /Signal\s*=\s*([0-9A-D*#])/i.exec(body)?.[1];
    else if (type.startsWith('application/dtmf')) tone = /^\s*([0-9A-D*#])/i.exec(body)?.[1];
    if (tone) this.emit('dtmf', { tone: tone.toUpperCase() });
  }

  /** A media handler was made for this call (the media plays the remote audio itself). */
  private watchMedia(sdh: SessionDescriptionHandler): void {
    const media = mediaOf(sdh);
    if (!media) return;
    media.delegate = { onRemoteStream: (stream) => this.emit('remotestream', stream) };
    // Muted before the media existed (e.g. an incoming call muted while ringing).
    if (this._muted) media.setMuted(true);
  }

  private readonly onSessionState = (state: SessionState): void => {
    if (state === SessionState.Established && this._state !== 'answered' && this._state !== 'held') this.setState('answered', 'answered');
    if (state === SessionState.Terminated) {
      // Let a final response or BYE handler that runs right after record why it ended.
      queueMicrotask(() => this.finish(this.pendingEnd ?? { reason: 'failed' }));
    }
  };

  private finish(end: CallEnd): void {
    if (this.ended) return;
    this.ended = true;
    this._state = 'ended';
    this.session.stateChange.removeListener(this.onSessionState);
    // sip.js closes it too when the session ends; closing here also covers a call ended locally first.
    this.media?.close();
    if (this.local.owned) stopStream(this.local.stream);
    this.logger.info(`${this.id} ended: ${end.reason}${end.status ? ` (${end.status})` : ''}`);
    this.emit('ended', end);
    this.removeAllListeners();
  }

  private setState(state: CallState, event: 'ringing' | 'answered' | 'held' | 'resumed'): void {
    if (this.ended || this._state === state) return;
    this._state = state;
    this.emit(event);
  }

  private assertState(method: string, ok: boolean): void {
    if (!ok) throw new InvalidStateError(`${method}() is not possible on ${this.direction === 'incoming' ? 'an incoming' : 'an outgoing'} call in state "${this._state}"`);
  }
}

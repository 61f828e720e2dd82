/**
 * One call, outgoing or incoming, on sip.js's core: the call's one state machine, signalling and media together. Its
 * media is a {@link CallMedia} (src/media); its SIP runs on the core's transactions and dialog (`Core.Session`). Helpers
 * keep transaction details out of it: invite-client.ts (our INVITE: forks, a 2xx crossing our CANCEL; early-media.ts),
 * invite-server.ts (their INVITE: 180, 487 to a CANCEL, no-answer timer), answered-call.ts (once answered: re-INVITEs
 * both ways and glare in reinvite.ts, remote hold, the media watch and ICE-restart recovery in call-recovery.ts).
 * ```txt
 *  outgoing:
 *   connecting ──invite(media): createOffer, INVITE ──18x──▶ ringing ──first 2xx: acceptAnswer, ACK──▶ answered
 *       │ (a 18x with SDP: early media plays, see early-media.ts; event ringing {earlyMedia})
 *       │ (a forked INVITE's 2xx from another endpoint than the early media's: ACK, then a re-INVITE
 *       │  restarting ICE towards it, then answered; refused: BYE ─▶ ended failed)
 *       │ (a 2xx in connecting goes straight to answered; an unusable answer: ACK, BYE ─▶ ended failed)
 *       ├──3xx–6xx──▶ ended (endReasonFor(status), status)
 *       └──hangup(): CANCEL ──final response──▶ ended canceled (a 2xx crossing the CANCEL: ACK, BYE)
 *  incoming:
 *   ringing (100, 180 sent) ──answer(media): createAnswer(offer) / createOffer if none, 200──▶ answered
 *       │                     (no offer in the INVITE: our offer goes in the 200, the answer comes in the ACK)
 *       ├──reject() / hangup(): 486──▶ ended rejected (486)
 *       ├──CANCEL: 487──▶ ended canceled          └──no answer in 60 s: 480──▶ ended failed
 *  answered ──hold(): re-INVITE, hold offer──▶ held ──unhold(): re-INVITE──▶ answered (event resumed)
 *  answered / held, staying there:
 *       their re-INVITE: answered keeping our hold │ INFO: DTMF out (sendDtmf) and in (event dtmf)
 *       REFER out: transfer() ─202─▶ BYE (ended local-hangup) │ REFER in: 202, NOTIFY, event referred
 *       refreshTarget(): re-INVITE from our new connection (after a reconnect; an ICE restart if the media is down)
 *  answered / held ──media down, detachMedia()──▶ reconnecting ──media back, replaceMedia(media)──▶ the state it left
 *                     (see answered-call.ts)           └──not back in callRecoveryTimeoutMs: BYE──▶ ended connection-lost
 *  answered / held ──hangup(): BYE (an incoming call sends it once the ACK came)──▶ ended local-hangup
 *                  ──BYE──▶ 200 ──▶ ended remote-hangup
 *                  ──no ACK for our 200, or media broken after a 2xx: BYE──▶ ended failed
 *  any ──terminate(reason)──▶ what hangup() would send goes out; ended (reason) at once
 *  resumed after a reload (resumed-call.ts): connecting ──resume(media)──▶ answered / held (no event)
 * ```
 * `ended` fires once; then the media is closed and every timer of the call is gone.
 */
import { EventEmitter } from '../emitter';
import type { Core, URI } from 'sip.js';
import { InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';
import { readStats, type CallStats } from '../media/stats';
import { reasonHeader, sdpOf } from './call-messages';
import { endReasonFor, type CallDirection, type CallEnd, type CallEndReason, type CallSessionEvents, type CallState } from './call-events';
import { unescapeDisplayName } from './display-name';
import { sendDtmf, sendRefer } from './dialog-requests';
import { InviteClient } from './invite-client';
import { InviteServer } from './invite-server';
import { AnsweredCall, CONNECTION_LOST_REASON, type AnsweredCallHooks } from './answered-call';
import type { ResumedLeg } from './stored-call';

export type { CallDirection, CallEnd, CallEndReason, CallLifecycleEvents, CallState } from './call-events';

/** Where a call starts: our INVITE to `target` (with extra header lines), their INVITE, or a dialog from before a reload. */
export type CallLeg = { direction: 'outgoing'; target: URI; headers: string[] } | { direction: 'incoming'; request: Core.IncomingInviteRequest } | ResumedLeg;

/** What a call needs from its user agent. */
export interface CallContext {
  core: Core.UserAgentCore;
  /** Our `Contact` header value for this call's requests and responses. */
  contact: string;
  logger: Logger;
  /** `callRecoveryTimeoutMs`: how long the media may stay down before the call ends. */
  recoveryTimeoutMs: number;
}

let counter = 0;

/** One call's state machine (see the file's doc comment); the public `Call` wraps it. */
export class CallSession extends EventEmitter<CallSessionEvents> {
  readonly id: string;
  readonly direction: CallDirection;
  /** When the call was answered (`Date.now()`), kept across a reload; `null` before. */
  answeredAt: number | null = null;
  /** The other party: user, display name, URI. */
  readonly remote: { user: string; displayName?: string; uri: string };
  protected _state: CallState;
  private _muted = false;
  private ended = false;
  /** Aborted when the call ends: what waits on the call (a DTMF pause) stops at once. */
  private readonly lifetime = new AbortController();
  protected media: CallMedia | null = null;
  /** The call's dialog once answered (call-resume.ts stores it). */
  dialog: Core.Session | null = null;
  protected answeredCall: AnsweredCall | null = null;
  private readonly client: InviteClient | null = null;
  private readonly server: InviteServer | null = null;
  /** hangup() sent a CANCEL: the final response ends the call as `canceled`. */
  private canceling = false;
  /** answer() is making our answer; the 200 is not out yet. */
  private answering = false;
  /** An incoming call's 200 is out, its ACK not yet in (`answer`: the ACK carries the answer to our offer). */
  private initialAck: 'ack' | 'answer' | null = null;
  /** hangup() came before the ACK of our 200: BYE once it arrives (or times out). */
  private byeOnAck = false;

  constructor(
    private readonly leg: CallLeg,
    protected readonly context: CallContext,
    /** Play the remote audio through an element the SDK manages (read when the media is made). */
    public playRemoteAudio: boolean,
  ) {
    super();
    this.direction = leg.direction;
    this.id = 'dialog' in leg ? leg.id : `call-${Date.now().toString(36)}-${(++counter).toString(36)}`;
    const logger = context.logger;
    if ('dialog' in leg) {
      [this._state, this.remote, this.answeredAt, this._muted] = ['connecting', { ...leg.remote }, leg.answeredAt, leg.muted];
    } else if (leg.direction === 'outgoing') {
      this._state = 'connecting';
      this.remote = { user: leg.target.user ?? '', uri: leg.target.toString() };
      this.client = new InviteClient(context.core, {
        onProgress: (status, withSdp) => (withSdp || status === 180 || status === 183) && this.ringing(),
        wanted: () => !this.canceling && !this.ended,
        onUnanswered: (reason) => this.finish({ reason }),
        onAnswered: (dialog, answeredElsewhere) => {
          this.adopt(dialog);
          if (!answeredElsewhere) return this.setState('answered', 'answered');
          // Another endpoint than the early media's: its ICE restart offer first (early-media.ts).
          this.answeredCall!.renegotiation.offer(false, 'the re-INVITE to the forked INVITE\'s answering endpoint').then(
            () => this.setState('answered', 'answered'),
            (err: unknown) => this.fail(`the endpoint that answered could not be reached (${(err as Error).message})`),
          );
        },
        onRefused: (status) => this.finish(this.canceling ? { reason: 'canceled' } : { reason: endReasonFor(status), status }),
      }, logger, () => this.media);
    } else {
      this._state = 'ringing';
      const from = leg.request.message.from;
      this.remote = { user: from.uri.user ?? '', uri: from.uri.toString() };
      if (from.displayName) this.remote.displayName = unescapeDisplayName(from.displayName);
      this.server = new InviteServer(leg.request, { onCanceled: () => this.finish({ reason: 'canceled' }), onTimedOut: () => this.finish({ reason: 'failed' }) }, logger);
    }
  }

  get state(): CallState {
    return this._state;
  }

  get muted(): boolean {
    return this._muted;
  }

  get remoteStream(): MediaStream | null {
    return this.media?.remoteStream ?? null;
  }

  /** For an outgoing call: makes the offer with `media` and sends the INVITE. Resolves when it is sent. */
  async invite(media: CallMedia): Promise<void> {
    const leg = this.leg;
    if (!('target' in leg) || this.media) throw new InvalidStateError('invite() is only for a new outgoing call');
    this.useMedia(media);
    const offer = await media.createOffer();
    if (this.ended) throw new InvalidStateError('the call ended before its INVITE was sent');
    this.client!.send(leg.target, offer, this.context.contact, leg.headers);
  }

  /** For an incoming call: tells the caller it is ringing (180). */
  ring(): void {
    this.server?.ring();
  }

  /** Throws InvalidStateError naming the state unless this is an incoming call that can be answered now. */
  checkAnswer(): void {
    this.assertState('answer', this.direction === 'incoming' && this._state === 'ringing' && !this.answering);
  }

  /** Answers an incoming call with `media`: our answer (or offer) in a 200 OK. */
  async answer(media: CallMedia): Promise<void> {
    this.checkAnswer();
    const server = this.server!;
    this.useMedia(media);
    this.answering = true;
    const offer = sdpOf(server.request.message);
    let sdp: string;
    try {
      sdp = offer === undefined ? await media.createOffer() : await media.createAnswer(offer);
    } catch (err) {
      if (this.ended) return; // cancelled or hung up meanwhile (the media was closed): 'ended' says so
      server.reject(488);
      throw err;
    } finally {
      this.answering = false;
    }
    if (this.ended || !server.pending) return; // cancelled or hung up meanwhile: 'ended' says so
    this.adopt(server.accept(sdp));
    this.initialAck = offer === undefined ? 'answer' : 'ack';
    this.setState('answered', 'answered');
  }

  async reject(): Promise<void> {
    this.assertState('reject', this.direction === 'incoming' && this._state === 'ringing');
    this.server!.reject(486);
    this.finish({ reason: 'rejected', status: 486 });
  }

  /** Ends the call from any live state: CANCEL before an answer, BYE after, 486 for an unanswered incoming call. */
  async hangup(): Promise<void> {
    const end = this.abandon();
    if (end) this.finish(end);
  }

  /** The call's media once it has one (devices are switched on it directly). */
  get currentMedia(): CallMedia | null {
    return this.media;
  }

  mute(): void {
    this.setMuted(true);
  }

  unmute(): void {
    this.setMuted(false);
  }

  async hold(): Promise<void> {
    this.assertState('hold', this._state === 'answered' || this._state === 'held');
    if (this._state === 'held') return;
    await this.answeredCall!.renegotiation.offer(true, 'hold');
    this.setState('held', 'held');
  }

  async unhold(): Promise<void> {
    this.assertState('unhold', this._state === 'held' || this._state === 'answered');
    if (this._state === 'answered') return;
    await this.answeredCall!.renegotiation.offer(false, 'unhold');
    this.setState('answered', 'resumed');
  }

  /** Sends DTMF tones (RFC 4733 in the audio, or SIP INFO; see dialog-requests.ts); resolves to the method used. */
  async sendDtmf(tones: string, method: 'auto' | 'rtp' | 'info', durationMs: number): Promise<'rtp' | 'info'> {
    this.assertState('sendDtmf', this.established);
    return sendDtmf(this.media, this.dialog!, tones, method, durationMs, this.lifetime.signal);
  }

  /** Blind transfer (REFER). Resolves when the other side accepted (2xx); then hangs up this leg. */
  async transfer(target: URI): Promise<void> {
    this.assertState('transfer', this.established);
    await sendRefer(this.dialog!, target, this.context.core.configuration.aor, this.context.contact);
    await this.hangup();
  }

  /** After the link was re-opened: a re-INVITE from the new connection refreshes the dialog's target (answered-call.ts). */
  async refreshTarget(): Promise<void> {
    if (this.established) await this.answeredCall!.refreshTarget();
  }

  /** The signalling link is lost: a media recovery waits for it (see call-recovery.ts). */
  linkDown(): void {
    this.answeredCall?.linkDown();
  }

  /** The tab holding the call's media closed or reloaded (shared mode): see answered-call.ts. */
  detachMedia(): void {
    this.assertState('detachMedia', this.established);
    this.answeredCall!.detachMedia();
  }

  /** Continues the call on `media` (a new tab's) in the same dialog: see answered-call.ts. */
  async replaceMedia(media: CallMedia): Promise<void> {
    this.assertState('replaceMedia', this.established);
    await this.answeredCall!.replaceMedia(media);
  }

  getStats(): Promise<CallStats> {
    return this.media ? this.media.getStats() : readStats(undefined);
  }

  /** Ends the call now (logout/destroy, a failed start); `signal: false` sends nothing (e.g. after a 481). */
  terminate(reason: CallEndReason = 'local-hangup', signal = true): void {
    if (this.ended) return;
    if (signal) this.abandon();
    this.finish({ reason });
  }

  /** Sends what ends the call on the wire; returns how it ended, or null when it comes later (our CANCEL waits for the final response). */
  protected abandon(): CallEnd | null {
    if (this.ended) return null;
    if (this.dialog) {
      if (this.initialAck) this.byeOnAck = true;
      else this.bye();
      return { reason: 'local-hangup' };
    }
    if (this.client) {
      if (!this.client.sent) return { reason: 'canceled' };
      this.canceling = true;
      this.client.cancel();
      return null;
    }
    if (this.answering) {
      this.server!.reject(480);
      return { reason: 'local-hangup' };
    }
    this.server!.reject(486);
    return { reason: 'rejected', status: 486 };
  }

  /** Makes `dialog` the call's: its requests go to an {@link AnsweredCall} (ACKs come back here). */
  protected adopt(dialog: Core.Session): void {
    this.dialog = dialog;
    const { contact, logger, recoveryTimeoutMs } = this.context;
    const hooks: AnsweredCallHooks = {
      state: () => this._state, setState: (state) => void (this._state = state), events: this, over: () => this.ended, end: (reason) => this.finish({ reason }),
      fail: (why) => this.fail(why), lost: (why) => this.fail(why, 'connection-lost'), onAck: (message) => this.onAck(message), onAckTimeout: () => this.onAckTimeout(), useMedia: (media) => this.useMedia(media),
    };
    this.answeredCall = new AnsweredCall(dialog, this.media!, hooks, { contact, ownsCallId: this.direction === 'outgoing', recoveryTimeoutMs, logger });
  }

  private onAckTimeout(): void {
    this.initialAck = null;
    if (this.byeOnAck) this.bye(); // hung up already
    else this.fail('no ACK came for our 200 OK');
    this.byeOnAck = false;
  }

  private onAck(message: Core.IncomingRequestMessage): void {
    const initial = this.server?.request.message;
    if (this.initialAck === null || message.cseq !== initial?.cseq) {
      this.answeredCall?.renegotiation.onAck(message);
      return;
    }
    const needsAnswer = this.initialAck === 'answer';
    this.initialAck = null;
    if (this.byeOnAck) {
      this.byeOnAck = false;
      this.bye();
      return;
    }
    if (!needsAnswer) return;
    const sdp = sdpOf(message);
    (sdp === undefined ? Promise.reject(new Error('the ACK carries no answer to our offer')) : this.media!.acceptAnswer(sdp)).catch((err: unknown) => this.fail(`the answer in the ACK could not be used (${(err as Error).message})`));
  }

  /** The call cannot go on: media broken or no ACK (BYE with Reason 488, ended failed), or media lost (see answered-call.ts). */
  private fail(why: string, reason: 'failed' | 'connection-lost' = 'failed'): void {
    if (this.ended) return;
    this.context.logger.warn(`${this.id}: ${why}; hanging up`);
    this.bye([reason === 'failed' ? reasonHeader(488, 'Not Acceptable Here') : CONNECTION_LOST_REASON]);
    this.finish({ reason });
  }

  /** Sends BYE in the call's dialog; never throws (the dialog may be gone already). */
  private bye(extraHeaders: string[] = []): void {
    try {
      this.dialog?.bye(undefined, { extraHeaders });
    } catch (err) {
      this.context.logger.debug(`could not send BYE: ${(err as Error).message}`);
    }
  }

  private setMuted(muted: boolean): void {
    this.assertState(muted ? 'mute' : 'unmute', this._state !== 'ended');
    if (this._muted === muted) return;
    this._muted = muted;
    this.media?.setMuted(muted);
    this.emit(muted ? 'muted' : 'unmuted');
  }

  protected useMedia(media: CallMedia): void {
    this.media = media;
    media.delegate = { onRemoteStream: (stream) => this.emit('remotestream', stream), onConnectionState: (state) => this.answeredCall?.onMediaState(state) };
    if (this._muted) media.setMuted(true); // muted before the media existed (e.g. an incoming call while ringing)
  }

  private finish(end: CallEnd): void {
    if (this.ended) return;
    this.ended = true;
    this._state = 'ended';
    this.lifetime.abort();
    this.server?.dispose();
    this.answeredCall?.dispose();
    this.media?.close();
    this.context.logger.info(`${this.id} ended: ${end.reason}${end.status ? ` (${end.status})` : ''}`);
    this.emit('ended', end);
    this.removeAllListeners();
  }

  /** A 18x: `ringing`, once, or twice when early media starts after it (see early-media.ts). */
  private ringing(): void {
    const event = this.ended || (this._state !== 'connecting' && this._state !== 'ringing') ? null : this.client!.early.ringingEvent(this._state === 'ringing');
    if (!event) return;
    this._state = 'ringing';
    this.emit('ringing', event);
  }

  private setState(state: CallState, event: 'answered' | 'held' | 'resumed'): void {
    if (this.ended || this._state === state) return;
    this._state = state;
    if (event === 'answered') this.answeredAt ??= Date.now();
    this.emit(event);
  }

  /** Answered, held or reconnecting: the dialog is up. */
  private get established(): boolean {
    return this._state === 'answered' || this._state === 'held' || this._state === 'reconnecting';
  }

  private assertState(method: string, ok: boolean): void {
    if (!ok) throw new InvalidStateError(`${method}() is not possible on ${this.direction === 'incoming' ? 'an incoming' : 'an outgoing'} call in state "${this._state}"`);
  }
}

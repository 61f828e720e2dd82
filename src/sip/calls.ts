/**
 * All calls of one user agent: placing, receiving, answering, blind transfers, and ending them
 * all when the user logs out. Finds each session's call (and its audio) for the media handler.
 */
import { EventEmitter } from 'eventemitter3';
import { Inviter, type Invitation, type Referral, type Session, type SessionDescriptionHandlerFactory, type URI, type UserAgent } from 'sip.js';
import { InvalidStateError, MediaError, VoxlineError } from '../errors';
import type { Logger } from '../logger';
import { CallSession } from './call-session';
import { acquireAudio, stopStream, type AudioSource } from '../media/audio-source';
import { sessionDescriptionHandlerFactory } from './media';

/** Options of an outgoing call or of answering one. */
export interface CallMediaOptions {
  audio?: AudioSource;
  playRemoteAudio?: boolean;
}

export interface CallManagerEvents {
  /** A new incoming call, already ringing (180 sent). */
  incoming: (call: CallSession) => void;
  /** A call the SDK placed by itself: the remote party transferred us (REFER) to `call`. */
  transferred: (from: CallSession, call: CallSession) => void;
}

export class CallManager extends EventEmitter<CallManagerEvents> {
  private readonly sessions = new WeakMap<Session, CallSession>();
  private readonly live = new Set<CallSession>();
  private readonly answering = new Set<CallSession>();
  private userAgent: UserAgent | null = null;
  readonly sdhFactory: SessionDescriptionHandlerFactory;

  constructor(
    iceServers: RTCIceServer[],
    private readonly logger: Logger,
    /** Incoming calls ringing or live at once; a further INVITE is answered 486. */
    private readonly maxIncomingCalls: number,
  ) {
    super();
    this.sdhFactory = sessionDescriptionHandlerFactory(iceServers, (session) => this.sessions.get(session)?.localAudio(), logger.child('media'));
  }

  /** Microphone for calls that do not name one (`client.audio.setInputDevice`); `null`: the default. */
  inputDeviceId: string | null = null;
  /** Output device of the remote audio of new calls (`client.audio.setOutputDevice`). */
  outputDeviceId: string | null = null;

  /** The microphone constraints of a call that gives none: the selected input device, if any. */
  private defaultAudio(): MediaTrackConstraints | undefined {
    return this.inputDeviceId === null ? undefined : { deviceId: { exact: this.inputDeviceId } };
  }

  /**
   * Moves every live call's microphone to `deviceId` (`null`: the default) without renegotiation;
   * calls the application gave its own stream keep it.
   * @throws MediaError when the device cannot be opened (no call is changed then).
   */
  async useInput(deviceId: string | null): Promise<void> {
    const audio = deviceId === null ? undefined : { deviceId: { exact: deviceId } };
    for (const call of this.live) {
      if (!call.ownsLocalAudio) continue;
      const { stream } = await acquireAudio(audio);
      await call.replaceLocalAudio(stream).catch((err: unknown) => {
        stopStream(stream);
        throw err;
      });
    }
    this.inputDeviceId = deviceId;
  }

  /** Plays every live call's remote audio on `deviceId` (`null`: the default), and new calls' too. */
  async useOutput(deviceId: string | null): Promise<void> {
    for (const call of this.live) await call.setOutputDevice(deviceId);
    this.outputDeviceId = deviceId;
  }

  /** Connects the manager to its user agent (which was created with {@link CallManager.sdhFactory}). */
  attach(userAgent: UserAgent): void {
    this.userAgent = userAgent;
  }

  /**
   * Opens the microphone, then creates and sends the INVITE. Rejects with MediaError before
   * anything is created or sent (no session is left behind).
   */
  async place(target: URI, headers: Record<string, string>, media: CallMediaOptions): Promise<CallSession> {
    const ua = this.ua();
    const extraHeaders = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    const { stream, owned } = await acquireAudio(media.audio ?? this.defaultAudio());
    let inviter: Inviter;
    try {
      inviter = new Inviter(ua, target, { extraHeaders, sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
    } catch (err) {
      if (owned) stopStream(stream);
      throw err;
    }
    const call = this.track(new CallSession(inviter, this.logger, { stream, owned }, media.playRemoteAudio ?? true));
    await this.launch(call, stream, owned);
    return call;
  }

  /** A new incoming INVITE: wraps it, rings, and announces it; 486 beyond `maxIncomingCalls`. */
  receive(invitation: Invitation): void {
    const incoming = [...this.live].filter((c) => c.direction === 'incoming').length;
    if (incoming >= this.maxIncomingCalls) {
      this.logger.warn(`declined a call from ${invitation.remoteIdentity.uri.toString()} with 486: already ${incoming} incoming call(s) (maxIncomingCalls)`);
      invitation.reject({ statusCode: 486 }).catch((err: unknown) => this.logger.debug(`could not decline: ${(err as Error).message}`));
      return;
    }
    const call = this.track(new CallSession(invitation, this.logger, { stream: null, owned: false }, true));
    call.ring();
    this.emit('incoming', call);
  }

  /**
   * Answers an incoming call: opens the microphone, then sends 200 OK.
   * @throws InvalidStateError when not ringing, or when an answer() is already in progress.
   * @throws MediaError when the microphone cannot be used, or the caller's offer cannot be
   *   negotiated (e.g. malformed SDP; the call then ends with reason `failed`).
   */
  async answer(call: CallSession, media: CallMediaOptions): Promise<void> {
    if (this.answering.has(call)) throw new InvalidStateError('answer() is already in progress for this call');
    if (call.state !== 'ringing' || call.direction !== 'incoming') return call.answer(); // throws InvalidStateError naming the state
    this.answering.add(call);
    try {
      const { stream, owned } = await acquireAudio(media.audio ?? this.defaultAudio());
      if (call.state !== 'ringing') {
        if (owned) stopStream(stream);
        return await call.answer(); // throws InvalidStateError naming the state
      }
      call.setLocalAudio(stream, owned);
      call.playRemoteAudio = media.playRemoteAudio ?? true;
      await call.answer().catch((cause: unknown) => {
        if (cause instanceof VoxlineError) throw cause;
        call.terminate('failed');
        throw new MediaError(`could not answer: the caller's audio offer could not be used (${(cause as Error)?.message ?? String(cause)})`, { cause });
      });
    } finally {
      this.answering.delete(call);
    }
  }

  /** The link was re-opened: refresh every established call's dialog target (re-INVITE). */
  refreshAll(): void {
    for (const call of this.live) {
      call.refreshTarget().catch((err: unknown) => this.logger.warn(`${call.id}: could not refresh the call after reconnecting: ${(err as Error).message}`));
    }
  }

  /** Ends every call (logout/destroy): each ends with reason `local-hangup`, its tracks stopped. */
  terminateAll(): void {
    for (const call of [...this.live]) call.terminate();
  }

  /** Sends the INVITE of a prepared outgoing call with `stream` as its audio. */
  private async launch(call: CallSession, stream: MediaStream, owned: boolean): Promise<void> {
    call.setLocalAudio(stream, owned);
    try {
      await call.invite();
    } catch (err) {
      call.terminate('failed');
      throw err;
    }
  }

  private track(call: CallSession): CallSession {
    call.outputDeviceId = this.outputDeviceId;
    this.live.add(call);
    this.sessions.set(call.session, call);
    call.on('ended', () => this.live.delete(call));
    call.on('referred', (referral) => void this.followReferral(call, referral));
    return call;
  }

  /**
   * Blind transfer, transferee side: accept the REFER and call the new target. The new call is
   * announced at once, while the old one is still live (its BYE follows right after the REFER).
   */
  private async followReferral(from: CallSession, referral: Referral): Promise<void> {
    const inviter = referral.makeInviter({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
    const next = this.track(new CallSession(inviter, this.logger, { stream: null, owned: false }, from.playRemoteAudio));
    this.emit('transferred', from, next);
    try {
      await referral.accept();
      const { stream, owned } = await acquireAudio(this.defaultAudio());
      await this.launch(next, stream, owned);
    } catch (err) {
      this.logger.warn(`transfer to ${referral.referTo.uri.toString()} failed: ${(err as Error).message}`);
      next.terminate('failed');
    }
  }

  private ua(): UserAgent {
    if (!this.userAgent) throw new Error('CallManager used before attach()');
    return this.userAgent;
  }
}

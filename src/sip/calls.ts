/**
 * All calls of one user agent: placing, receiving, answering, blind transfers, and ending them
 * all when the user logs out. Before a call's INVITE or answer it opens the call's media (a
 * {@link CallMedia}): in the page, the microphone and a media made by its factory; in a
 * SharedWorker engine, a {@link CallMediaOpener} asks the tab that owns the call to do that.
 * The calls run on sip.js's core.
 */
import { EventEmitter } from '../emitter';
import type { Core, URI } from 'sip.js';
import { InvalidStateError, MediaError, VoxlineError } from '../errors';
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';
import { hasForeignBody } from './call-messages';
import type { IncomingTransfer } from './call-events';
import { CallSession, type CallContext } from './call-session';
import { ResumedCallSession } from './resumed-call';
import type { ResumedLeg } from './stored-call';
import type { CoreOwner } from './core';
import { acquireAudio, deviceAudio, stopStream, switchInput, type AudioSource } from '../media/audio-source';

/** Options of an outgoing call or of answering one. */
export interface CallMediaOptions {
  audio?: AudioSource;
  playRemoteAudio?: boolean;
  /** Shared mode: the tab that makes the media, and the id of its own stream (`audio: MediaStream` there). */
  tab?: { id: number; streamId?: string };
}

/**
 * Opens a call's media somewhere else than this page (shared mode: in the tab that owns the
 * call). Rejects with MediaError when the microphone cannot be used.
 */
export type CallMediaOpener = (call: CallSession, options: CallMediaOptions) => Promise<CallMedia>;

/** Makes one call's media from the audio it sends; `owned` streams are stopped when the media closes. */
export type CallMediaFactory = (audio: { stream: MediaStream; owned: boolean; playRemoteAudio: boolean }) => CallMedia;

export interface CallManagerEvents {
  /** A new incoming call, already ringing (180 sent). */
  incoming: (call: CallSession) => void;
  /** A call the SDK placed by itself: the remote party transferred us (REFER) to `call`. */
  transferred: (from: CallSession, call: CallSession) => void;
  /** Any call, as soon as the manager tracks it (placed, incoming, transferred, restored). */
  tracked: (call: CallSession) => void;
}

export class CallManager extends EventEmitter<CallManagerEvents> {
  private readonly live = new Set<CallSession>();
  private readonly answering = new Set<CallSession>();
  private userAgent: CoreOwner | null = null;

  constructor(
    private readonly createMedia: CallMediaFactory,
    private readonly logger: Logger,
    /** Incoming calls ringing or live at once; a further INVITE is answered 486. */
    private readonly maxIncomingCalls: number,
    /** `callRecoveryTimeoutMs`: how long a call's media may stay down before the call ends. */
    private readonly recoveryTimeoutMs = 30_000,
    /** Shared mode: where each call's media is opened instead of this page. */
    private readonly openElsewhere?: CallMediaOpener,
  ) {
    super();
  }

  /** Connects the manager to the user agent whose core carries the calls. */
  attach(userAgent: CoreOwner): void {
    this.userAgent = userAgent;
  }

  /**
   * Opens the microphone, then creates and sends the INVITE. Rejects with MediaError before
   * anything is created or sent (no call is left behind).
   */
  async place(target: URI, headers: Record<string, string>, media: CallMediaOptions): Promise<CallSession> {
    const context = this.context('outgoing');
    const extraHeaders = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    const call = new CallSession({ direction: 'outgoing', target, headers: extraHeaders }, context, media.playRemoteAudio ?? true);
    const callMedia = (await this.open(call, media))!;
    await this.launch(this.track(call), callMedia);
    return call;
  }

  /**
   * A new incoming INVITE (from the core): 100 Trying, then a ringing call announced with
   * `incoming`; 415 for a body that is not SDP, 486 beyond `maxIncomingCalls`.
   */
  receive(request: Core.IncomingInviteRequest): void {
    const from = request.message.from.uri.toString();
    request.trying();
    if (hasForeignBody(request.message)) {
      this.logger.warn(`declined a call from ${from} with 415: its body is ${request.message.getHeader('content-type') ?? 'unknown'}, not SDP`);
      request.reject({ statusCode: 415 });
      return;
    }
    const incoming = [...this.live].filter((c) => c.direction === 'incoming').length;
    if (incoming >= this.maxIncomingCalls) {
      this.logger.warn(`declined a call from ${from} with 486: already ${incoming} incoming call(s) (maxIncomingCalls)`);
      request.reject({ statusCode: 486 });
      return;
    }
    const call = this.track(new CallSession({ direction: 'incoming', request }, this.context('incoming'), true));
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
    call.checkAnswer();
    this.answering.add(call);
    try {
      call.playRemoteAudio = media.playRemoteAudio ?? true;
      const callMedia = await this.open(call, media, () => call.state === 'ringing');
      if (!callMedia) return call.checkAnswer(); // throws InvalidStateError naming the state
      await call.answer(callMedia).catch((cause: unknown) => {
        if (cause instanceof VoxlineError) throw cause;
        call.terminate('failed');
        throw new MediaError(`could not answer: the caller's audio offer could not be used (${(cause as Error)?.message ?? String(cause)})`, { cause });
      });
    } finally {
      this.answering.delete(call);
    }
  }

  /** A call from before a reload of the page (call-resume.ts), tracked from now on; {@link CallManager.resume} brings it back. */
  restore(leg: ResumedLeg): ResumedCallSession {
    const call = new ResumedCallSession(leg, this.context(leg.direction));
    this.track(call);
    return call;
  }

  /**
   * Opens the microphone and sends the restored call's re-INVITE; `started` runs once the call
   * is `answered`/`held` again (its re-INVITE on its way). Rejects as {@link CallSession.resume}
   * does, or with MediaError when the microphone cannot be used.
   */
  async resume(call: ResumedCallSession, started: () => void): Promise<void> {
    const media = await this.open(call, {}, () => call.state !== 'ended');
    if (!media) return;
    const accepted = call.resume(media);
    started();
    await accepted;
  }

  /** The signalling link is lost: calls whose media goes down wait for it before restarting ICE. */
  pauseAll(): void {
    for (const call of this.live) call.linkDown();
  }

  /** The link was re-opened: refresh every established call's dialog target (re-INVITE; an ICE restart where the media is down). */
  refreshAll(): void {
    for (const call of this.live) {
      call.refreshTarget().catch((err: unknown) => this.logger.warn(`${call.id}: could not refresh the call after reconnecting: ${(err as Error).message}`));
    }
  }

  /** Ends every call (logout/destroy): each ends with reason `local-hangup`, its tracks stopped. */
  terminateAll(): void {
    for (const call of [...this.live]) call.terminate();
  }

  /** Microphone for calls that do not name one (`client.audio.setInputDevice`); `null`: the default. */
  inputDeviceId: string | null = null;
  /** Output device of the remote audio of new calls (`client.audio.setOutputDevice`). */
  outputDeviceId: string | null = null;
  /** Calls whose microphone the SDK opened (it may switch those to another device). */
  private readonly ownedAudio = new WeakSet<CallSession>();

  /** The microphone constraints of a call that gives none: the selected input device, if any. */
  private defaultAudio(): MediaTrackConstraints | undefined {
    return deviceAudio(this.inputDeviceId);
  }

  /**
   * Moves every live call's microphone to `deviceId` (`null`: the default) without
   * renegotiation; calls the application gave its own stream keep it.
   * @throws MediaError when the device cannot be opened.
   */
  async useInput(deviceId: string | null): Promise<void> {
    await switchInput([...this.live].flatMap((call) => (call.currentMedia && this.ownedAudio.has(call) ? [call.currentMedia] : [])), deviceId);
    this.inputDeviceId = deviceId;
  }

  /** Plays every live call's remote audio on `deviceId` (`null`: the default), and new calls' too. */
  async useOutput(deviceId: string | null): Promise<void> {
    for (const call of this.live) await call.currentMedia?.setOutputDevice(deviceId);
    this.outputDeviceId = deviceId;
  }

  /**
   * The call's media: opened elsewhere (shared mode), or the microphone (`options.audio`, else
   * the selected input) and the factory's media here. `null`, its audio stopped, when `wanted()`
   * no longer holds once it is open.
   */
  private async open(call: CallSession, options: CallMediaOptions, wanted = (): boolean => true): Promise<CallMedia | null> {
    if (this.openElsewhere) {
      const media = await this.openElsewhere(call, options);
      if (wanted()) return media;
      media.close();
      return null;
    }
    const { stream, owned } = await acquireAudio(options.audio ?? this.defaultAudio());
    if (wanted()) return this.makeMedia(call, stream, owned);
    if (owned) stopStream(stream);
    return null;
  }

  /** Sends the INVITE of a prepared outgoing call with its media. */
  private async launch(call: CallSession, media: CallMedia): Promise<void> {
    try {
      await call.invite(media);
    } catch (err) {
      call.terminate('failed');
      throw err;
    }
  }

  /** The call's media; a stream we opened is stopped if it cannot be made. */
  private makeMedia(call: CallSession, stream: MediaStream, owned: boolean): CallMedia {
    try {
      const media = this.createMedia({ stream, owned, playRemoteAudio: call.playRemoteAudio });
      if (owned) this.ownedAudio.add(call);
      if (this.outputDeviceId !== null) media.setOutputDevice(this.outputDeviceId).catch(() => undefined);
      return media;
    } catch (err) {
      if (owned) stopStream(stream);
      throw err;
    }
  }

  private track(call: CallSession): CallSession {
    this.live.add(call);
    call.on('ended', () => this.live.delete(call));
    call.on('referred', (transfer) => void this.followReferral(call, transfer));
    this.emit('tracked', call);
    return call;
  }

  /**
   * Blind transfer, transferee side (the REFER was accepted with 202): call the new target. The
   * new call is announced at once, while the old one is still live (its BYE follows right after
   * the REFER); its progress is reported to the transferor while the old call lasts.
   */
  private async followReferral(from: CallSession, transfer: IncomingTransfer): Promise<void> {
    const next = this.track(new CallSession({ direction: 'outgoing', target: transfer.uri, headers: transfer.headers }, this.context('outgoing'), from.playRemoteAudio));
    next.on('ringing', () => transfer.report(180, 'Ringing'));
    next.on('answered', () => transfer.report(200, 'OK'));
    next.on('ended', (end) => {
      if (end.status) transfer.report(end.status, 'Failed');
    });
    this.emit('transferred', from, next);
    try {
      await this.launch(next, (await this.open(next, {}))!);
    } catch (err) {
      this.logger.warn(`transfer to ${transfer.uri.toString()} failed: ${(err as Error).message}`);
      next.terminate('failed');
    }
  }

  /** What a new call needs: the core, our Contact (with `;ob` on the calls we place, as sip.js's `Inviter`), a logger. */
  private context(direction: 'outgoing' | 'incoming'): CallContext {
    const ua = this.userAgent;
    if (!ua) throw new Error('CallManager used before attach()');
    return { core: ua.userAgentCore, contact: ua.contact.toString({ outbound: direction === 'outgoing' }), logger: this.logger, recoveryTimeoutMs: this.recoveryTimeoutMs };
  }
}

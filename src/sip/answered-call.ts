/**
 * The answered part of a call's life, for call-session.ts: the dialog's requests (BYE, INFO DTMF,
 * REFER, NOTIFY; ACKs go back to the call), in-dialog offer/answer both ways (reinvite.ts), the
 * other party's hold, and the media watch with its recovery (call-recovery.ts).
 * ```txt
 *   answered / held ──media down (call-recovery.ts)──▶ reconnecting ──media back──▶ the state it left
 *        │     event reconnecting {reason, at}             │       event reconnected {at, downtimeMs}
 *        │                                                 └──callRecoveryTimeoutMs, or 481──▶ (the call
 *        │                                                     sends BYE and ends connection-lost)
 *        ├─ their re-INVITE offers sendonly/inactive: event remotehold; sendrecv/recvonly again: remoteresume
 *        └─ their re-INVITE (not a hold) while our audio had stopped: reconnecting too (their ICE restart repairs it)
 *   media handover (shared mode: the SIP stays in the engine, the media lives in a tab):
 *   answered / held / reconnecting ──detachMedia(): the tab holding the media closed or reloaded──▶ reconnecting
 *        │  {reason tab-closed} (an incident already open goes on): the media closed, no recovery,
 *        │  no ending; their re-INVITEs get 491 (RFC 3261 §14.1: they try again 0–4 s later)
 *        └──replaceMedia(media)──▶ re-INVITE without offer, their offer answered by `media` in the ACK;
 *             from a moved Contact (`;vxh=n`: routed as before, the registrar and proxies go by user
 *             and host), so that a far end keeping a peer connection per Contact (Voxline's
 *             reinvite.ts renews it for a party that moved) drops its old DTLS association at once
 *             ├─ resolves: reconnected {at, downtimeMs} (when reconnecting), the state it left, watch on `media`
 *             └─ rejects (481, 408, refused, unusable offer): left detached; the caller ends the call
 *   replaceMedia() without detachMedia() (a live handover): the same, without reconnecting/reconnected.
 * ```
 * A BYE received while the media is being recovered (or detached), or one carrying our
 * "connection lost" Reason, also ends the call as `connection-lost`: both sides tell the same story.
 */
import type { EventEmitter } from '../emitter';
import type { Core } from 'sip.js';
import { InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import type { CallMedia, MediaConnectionState } from '../media/call-media';
import { offeredDirection } from '../media/sdp';
import { dtmfToneOf, reasonHeader } from './call-messages';
import { acceptRefer } from './dialog-requests';
import type { CallSessionEvents, CallState } from './call-events';
import { CallRecovery } from './call-recovery';
import { Renegotiation } from './reinvite';

/** The `Reason` of the BYE that ends a call whose media did not come back. */
export const CONNECTION_LOST_REASON = reasonHeader(408, 'Connection lost');

/**
 * How long the side that did not make the Call-ID waits before its first ICE restart, in ms: both
 * sides usually notice within half a second of each other (inbound RTP is sampled twice a
 * second), so the Call-ID owner's restart comes first and the two rarely cross (glare: 491, and
 * 0–4 s lost). Their restart arriving meanwhile replaces ours (call-recovery.ts).
 */
const CALLEE_FIRST_ATTEMPT_DELAY_MS = 1500;

/** What an {@link AnsweredCall} needs from its call. */
export interface AnsweredCallHooks {
  state(): CallState;
  setState(state: CallState): void;
  /** Where the call's events go. */
  events: Pick<EventEmitter<CallSessionEvents>, 'emit'>;
  /** True once the call ended. */
  over(): boolean;
  /** The other party's BYE ended the call. */
  end(reason: 'remote-hangup' | 'connection-lost'): void;
  /** The media broke after SIP succeeded: BYE with Reason 488, ended `failed`. */
  fail(why: string): void;
  /** The media did not come back: BYE with {@link CONNECTION_LOST_REASON}, ended `connection-lost`. */
  lost(why: string): void;
  /** An ACK in the dialog (the call's own, or one for a re-INVITE: then pass it to {@link AnsweredCall.renegotiation}). */
  onAck(message: Core.IncomingRequestMessage): void;
  /** No ACK came for the 200 to the initial INVITE. */
  onAckTimeout(): void;
  /** Makes `media` the call's (replaceMedia()). */
  useMedia(media: CallMedia): void;
}

/** Settings of an {@link AnsweredCall}. */
export interface AnsweredCallOptions {
  /** Our `Contact` header value. */
  contact: string;
  /** True when we sent the initial INVITE (we made the Call-ID). */
  ownsCallId: boolean;
  /** `callRecoveryTimeoutMs`. */
  recoveryTimeoutMs: number;
  logger: Logger;
}

/** One answered call's in-dialog life; see the file's doc comment. */
export class AnsweredCall {
  readonly renegotiation: Renegotiation;
  private readonly recovery: CallRecovery;
  private remoteHeld = false;
  /** The state the call left for `reconnecting`. */
  private left: 'answered' | 'held' | null = null;
  /** Bumped by each detachMedia()/replaceMedia(): a handover overtaken by another one of them fails. */
  private handovers = 0;
  /** Our Contact before any handover. */
  private readonly contact: string;

  constructor(
    dialog: Core.Session,
    private media: CallMedia,
    private readonly hooks: AnsweredCallHooks,
    options: AnsweredCallOptions,
  ) {
    const logger = options.logger;
    this.contact = options.contact;
    this.renegotiation = new Renegotiation(dialog, media, {
      contact: options.contact,
      ownsCallId: options.ownsCallId,
      held: () => this.localHeld,
      onBroken: (why) => hooks.fail(why),
      onRemoteOffer: (sdp) => this.onRemoteOffer(sdp),
      logger,
    });
    this.recovery = new CallRecovery(
      {
        restart: (wanted) => this.renegotiation.offer(this.localHeld, 'ICE restart', { iceRestart: true, wanted }),
        interrupt: () => this.renegotiation.interrupt(),
        inboundPackets: async () => (await this.media.getStats()).packetsReceived,
        silenceExpected: () => this.localHeld || this.remoteHeld || this.renegotiation.busy,
        reconnecting: (event) => {
          const state = hooks.state();
          if (state === 'answered' || state === 'held') {
            this.left = state;
            hooks.setState('reconnecting');
          }
          hooks.events.emit('reconnecting', event);
        },
        reconnected: (event) => {
          if (this.left && hooks.state() === 'reconnecting') hooks.setState(this.left);
          this.left = null;
          hooks.events.emit('reconnected', event);
        },
        giveUp: (why) => hooks.lost(why),
        logger,
      },
      { timeoutMs: options.recoveryTimeoutMs, firstAttemptDelayMs: options.ownsCallId ? 0 : CALLEE_FIRST_ATTEMPT_DELAY_MS },
    );
    this.recovery.onMediaState(media.connectionState);
    dialog.delegate = {
      onAck: (ack) => hooks.onAck(ack.message),
      onAckTimeout: () => hooks.onAckTimeout(),
      onBye: (bye) => {
        bye.accept();
        hooks.end(this.byeReason(bye.message));
      },
      onInfo: (info) => {
        info.accept();
        const tone = dtmfToneOf(info.message);
        if (tone && !hooks.over()) hooks.events.emit('dtmf', { tone });
      },
      onInvite: (request) => this.renegotiation.answer(request),
      onNotify: (notify) => notify.accept(),
      onRefer: (refer) => {
        const transfer = acceptRefer(refer, dialog, () => !hooks.over());
        if (transfer) hooks.events.emit('referred', transfer);
      },
    };
  }

  /** Our hold, also while `reconnecting` from `held`. */
  get localHeld(): boolean {
    return this.hooks.state() === 'held' || this.left === 'held';
  }

  /** The peer connection's connectivity changed. */
  onMediaState(state: MediaConnectionState): void {
    this.recovery.onMediaState(state);
  }

  /**
   * The call's media is gone (see the file comment): closed, the recovery suspended (a
   * `reconnecting` {reason `tab-closed`} unless an incident is open), their offers refused.
   */
  detachMedia(): void {
    this.handovers++;
    this.suspend('tab-closed');
  }

  /**
   * Continues the call on `media` in the same dialog (see the file comment); resolves once our
   * answer went out. A later detachMedia() or replaceMedia() overtakes it: it rejects.
   */
  async replaceMedia(media: CallMedia): Promise<void> {
    if (media === this.media) throw new InvalidStateError('replaceMedia(): the call has this media already');
    const handover = ++this.handovers;
    this.suspend(null);
    this.media = media;
    this.hooks.useMedia(media);
    await this.renegotiation.handOver(media, 'media handover', this.contact.replace(/>$/, `;vxh=${handover}>`));
    if (handover !== this.handovers) throw new InvalidStateError('replaceMedia(): overtaken');
    this.recovery.resume(media.connectionState);
  }

  private suspend(reason: 'tab-closed' | null): void {
    this.media.delegate = undefined;
    this.media.close();
    this.renegotiation.suspend();
    this.recovery.suspend(reason);
  }

  /** The signalling link is lost: recovery waits for it. */
  linkDown(): void {
    this.recovery.onLinkDown();
  }

  /**
   * The link is back: a re-INVITE from the new connection refreshes the dialog's target. While
   * the media is not connected, that re-INVITE is the recovery's ICE restart.
   */
  async refreshTarget(): Promise<void> {
    if (this.recovery.onLinkUp()) return;
    await this.renegotiation.offer(this.localHeld, 'refresh');
  }

  /** How a BYE from the other party ends the call. */
  private byeReason(bye: Core.IncomingRequestMessage): 'connection-lost' | 'remote-hangup' {
    const reason = bye.getHeader('reason') ?? '';
    return this.recovery.recovering || /text="connection lost"/i.test(reason) ? 'connection-lost' : 'remote-hangup';
  }

  /** The call ended: timers and watch stopped. Idempotent. */
  dispose(): void {
    this.recovery.dispose();
    this.renegotiation.dispose();
  }

  private onRemoteOffer(sdp: string): void {
    const direction = offeredDirection(sdp);
    const held = direction === 'sendonly' || direction === 'inactive';
    if (!held) this.recovery.onRemoteOffer();
    if (held === this.remoteHeld) return;
    this.remoteHeld = held;
    this.hooks.events.emit(held ? 'remotehold' : 'remoteresume');
  }
}

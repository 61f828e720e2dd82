/**
 * Offer/answer inside an established call's dialog (RFC 3261 §14, RFC 3264 §8): our re-INVITEs
 * (hold, unhold, the target refresh after a reconnect) and the other party's, one exchange at a
 * time, over the call's {@link CallMedia}.
 * ```txt
 *             offer(hold)                               2xx: ACK, acceptAnswer
 *   idle ─────────────────▶ offering ── re-INVITE ──────────────────────────▶ idle (resolves)
 *    ▲ │                     │  │ 491: rollback, wait T, offer again (at most GLARE_RETRIES times;
 *    │ │                     │  │      T per §14.1: 2.1–4 s if we sent the initial INVITE, else 0–2 s)
 *    │ │                     │  └ other failure: rollback ─▶ idle (rejects with SipError)
 *    │ │                     └ their re-INVITE meanwhile ─▶ 491 (ours before our re-INVITE is sent,
 *    │ │                                                    the core's after)
 *    │ │ their re-INVITE
 *    │ └───────────────▶ answering ── with an offer: createAnswer(offer, {hold: ours}) ─▶ 200 ─ ACK ─▶ idle
 *    │                      │      └─ without one: createOffer({hold: ours}) ─▶ 200 ─ ACK with the answer ─▶ idle
 *    │                      │         (from a new Contact, i.e. a resumed call: from a renewed peer connection)
 *    │                      └ media refuses the offer ─▶ 488 ─▶ idle
 *    └─── an offer() made while answering waits for the ACK (at most ACK_WAIT_MS)
 *   After a 2xx, a media failure (no usable answer) cannot be refused any more: `onBroken`
 *   ends the call (BYE with Reason 488). dispose(): timers cleared, a waiting offer() rejects.
 *   interrupt() (the signalling link is gone): a re-INVITE still unanswered is given up
 *   (rollback, rejects with status 0) and its transaction dropped, so the next re-INVITE need not
 *   wait for Timer B (32 s); should a 2xx still reach us, it is only ACKed. An ICE-restart offer
 *   (call-recovery.ts) carries `wanted()`: when it no longer is (the media came back, e.g. through
 *   their restart), it is not sent again after a glare wait. Their offers' audio direction is
 *   reported (`onRemoteOffer`): sendonly/inactive is their hold.
 *   suspend() (the media is gone, media handover in answered-call.ts): their re-INVITEs get 491,
 *   an answer still arriving for an exchange in flight is not applied, no offer() goes, until
 *   handOver(media, contact) (a handover, or a call resumed after a reload, resumed-call.ts): once
 *   idle, a re-INVITE goes *without* an offer (RFC 3261 §14.1, §13.2.1), from `contact` from now on
 *   (a handover moves our Contact, as a reload does: see answered-call.ts); their offer in the 2xx is
 *   answered by `media` in the ACK, keeping our hold; `media` is then the media of every
 *   exchange, and the suspension ends. Glare as above. A handOver() while one is under way only
 *   changes the media that will answer (both resolve together). A refusal, or an offer the media
 *   cannot answer (ACK without body), rejects (a suspension goes on): the caller ends the call
 *   (or hands over again).
 * ```
 * Why no offer of ours for new media: the far end's DTLS association must restart (our
 * fingerprint is new). Answering our offer, a WebRTC far end keeps its DTLS role (RFC 8842 §5.3
 * forbids an offer naming another), so when it was the DTLS client (it answered our INVITE) it
 * re-sends its handshake, with backoff, towards the page that is gone, and the audio comes back
 * seconds late. Answering its offer instead (`actpass`), our new peer connection becomes the DTLS
 * client: the far end waits as the server, and our handshake goes out the moment our new ICE
 * path works.
 */
import type { Core } from 'sip.js';
import { InvalidStateError, SipError } from '../errors';
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';
import { ALLOW_HEADER, hasForeignBody, sdpBody, sdpOf } from './call-messages';

/** How many times a re-INVITE refused with 491 (glare) is sent again. */
export const GLARE_RETRIES = 3;
/** How long an answered re-INVITE of the other party may wait for its ACK (64·T1, Timer H). */
export const ACK_WAIT_MS = 32_000;

/** The §14.1 wait after a 491, in ms, in units of 10 ms: 2.1–4 s for the Call-ID's owner, else 0–2 s. */
export function glareDelayMs(ownsCallId: boolean, random: () => number = Math.random): number {
  return ownsCallId ? 2100 + Math.floor(random() * 191) * 10 : Math.floor(random() * 201) * 10;
}

/**
 * Forgets a re-INVITE whose answer cannot come back (its connection is gone): the core's dialog
 * allows one re-INVITE at a time and would otherwise wait for Timer B (32 s) before the next.
 * Reaches into sip.js's `SessionDialog` (its re-INVITE slot and offer/answer state).
 */
function abandonReinvite(dialog: Core.Session, request: Core.OutgoingInviteRequest): void {
  const session = dialog as unknown as { reinviteUserAgentClient?: unknown; signalingStateRollback?(): void };
  if (session.reinviteUserAgentClient === request) {
    session.signalingStateRollback?.();
    session.reinviteUserAgentClient = undefined;
  }
  request.dispose();
}

/** What a {@link Renegotiation} needs from its call. */
export interface RenegotiationOptions {
  /** The `Contact` header value of our re-INVITEs and 2xx responses. */
  contact: string;
  /** True when we sent the initial INVITE (we generated the Call-ID). */
  ownsCallId: boolean;
  /** Our hold state, which answers to the other party's offers keep. */
  held(): boolean;
  /** The media failed after SIP succeeded; the call must end. */
  onBroken(reason: string): void;
  /** We answered an offer of theirs (200 sent); `sdp` is that offer. */
  onRemoteOffer?(sdp: string): void;
  logger: Logger;
  /** Random numbers in [0, 1) for the glare wait. @defaultValue Math.random */
  random?: () => number;
}

/** Options of {@link Renegotiation.offer}. */
export interface ReofferOptions {
  /** Restart ICE with this offer. @defaultValue false */
  iceRestart?: boolean;
  /** Checked before each (re)send: false resolves quietly, sending nothing more. */
  wanted?: () => boolean;
  /** handOver(): send no offer, answer theirs with the handover's media in the ACK. */
  late?: boolean;
}

type Outcome = { ok: true; response: Core.AckableIncomingResponseWithSession } | { ok: false; status: number; reason: string };

/** One call's in-dialog offer/answer; see the file's doc comment. */
export class Renegotiation {
  private state: 'idle' | 'offering' | 'answering' = 'idle';
  /** While answering, once our 200 is out: what the ACK must bring (`answer` after our offer). */
  private awaitingAck: 'ack' | 'answer' | null = null;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private glareTimer: ReturnType<typeof setTimeout> | null = null;
  /** Woken when the state returns to idle. */
  private idleWaiters: Array<() => void> = [];
  /** Rejected by dispose(): whatever an offer() is waiting for. */
  private readonly onDispose = new Set<() => void>();
  private disposed = false;
  /** The other party's Contact as last seen (their re-INVITEs may move it). */
  private target: string;
  /** While our re-INVITE waits for its final response: settles it as lost (interrupt()). */
  private inFlight: (() => void) | null = null;
  /** The media is gone until a handOver() succeeds (see the doc comment). */
  private suspended = false;
  /** Our Contact: the options', moved by a handOver() that names another. */
  private contact: string;
  /** The handOver() under way: the media that will answer, and its outcome. */
  private handover: { media: CallMedia; done: Promise<void> } | null = null;

  constructor(
    private readonly dialog: Core.Session,
    private media: CallMedia,
    private readonly options: RenegotiationOptions,
  ) {
    this.target = dialog.remoteTarget.toString();
    this.contact = options.contact;
  }

  /** Sends a re-INVITE with a new offer (`hold` puts the call on hold); resolves once it was accepted. */
  async offer(hold: boolean, what: string, options: ReofferOptions = {}): Promise<void> {
    const wanted = options.wanted ?? (() => true);
    const late = options.late;
    for (let attempt = 0; ; attempt++) {
      await this.untilIdle(what);
      if (!wanted()) return;
      if (!late && this.suspended) throw new InvalidStateError(`${what}: the media is being handed over`);
      this.state = 'offering';
      let outcome: Outcome;
      try {
        const sdp = late ? undefined : await this.media.createOffer(options.iceRestart ? { hold, iceRestart: true } : { hold });
        this.assertOpen(what);
        outcome = await this.until(what, (resolve) => this.send(sdp, resolve));
        if (outcome.ok && late) await this.answerInAck(outcome.response, what);
      } catch (err) {
        this.toIdle();
        throw err;
      }
      if (outcome.ok) {
        if (!late) {
          outcome.response.ack();
          await this.applyAnswer(sdpOf(outcome.response.message), 'the 2xx to our re-INVITE');
        }
        this.toIdle();
        return;
      }
      await this.media.rollback().catch(() => undefined);
      this.toIdle();
      if (outcome.status !== 491 || attempt >= GLARE_RETRIES) {
        throw new SipError(outcome.status, outcome.reason, `${what} refused: SIP ${outcome.status} ${outcome.reason}`);
      }
      if (!wanted()) return;
      const wait = glareDelayMs(this.options.ownsCallId, this.options.random);
      this.options.logger.info(`${what}: re-INVITE glare (491), trying again in ${wait} ms`);
      await this.until<void>(what, (resolve) => {
        this.glareTimer = setTimeout(() => {
          this.glareTimer = null;
          resolve();
        }, wait);
      });
    }
  }

  /** The media is gone: see the doc comment. */
  suspend(): void {
    this.suspended = true;
  }

  /** The call goes on with `media` (see the doc comment); resolves once our answer went out in the ACK. */
  handOver(media: CallMedia, what: string, contact = this.contact): Promise<void> {
    this.contact = contact;
    if (this.handover) {
      this.handover.media = media;
      return this.handover.done;
    }
    const handover = { media, done: this.offer(false, what, { late: true }) };
    this.handover = handover;
    const over = (): void => void (this.handover === handover && (this.handover = null));
    handover.done.then(over, over);
    return handover.done;
  }

  /** A new peer connection for the offer to a party that moved (see answer()); a media that cannot renew keeps its own. */
  private renewMedia(): void {
    try {
      this.media.renew();
    } catch (err) {
      this.options.logger.warn(`could not renew the media for the moved party (${(err as Error).message})`);
    }
  }

  /** True while an exchange is in progress (ours or theirs). */
  get busy(): boolean {
    return this.state !== 'idle';
  }

  /** The signalling link is gone: our re-INVITE waiting for its answer is given up (see the doc comment). */
  interrupt(): void {
    this.inFlight?.();
  }

  /** The other party's re-INVITE: 200 with our answer (or offer), 491 while we offer, 488 when the media refuses. */
  answer(request: Core.IncomingInviteRequest): void {
    if (this.disposed || this.state !== 'idle' || this.suspended) {
      request.reject({ statusCode: 491 });
      return;
    }
    if (hasForeignBody(request.message)) {
      request.reject({ statusCode: 415 });
      return;
    }
    this.state = 'answering';
    const offer = sdpOf(request.message);
    const hold = this.options.held();
    // Without an offer, from a new Contact: the other party moved (a reloaded page resuming the
    // call, handOver()). Our offer comes from a new peer connection: a new ICE and DTLS
    // association from scratch (the old path and association lead to the page that is gone).
    const target = this.dialog.remoteTarget.toString();
    const moved = target !== this.target;
    this.target = target;
    if (offer === undefined && moved) this.renewMedia();
    const made = offer === undefined ? this.media.createOffer({ hold }) : this.media.createAnswer(offer, { hold });
    made.then(
      (sdp) => {
        if (this.disposed) return;
        request.accept({ statusCode: 200, extraHeaders: [`Contact: ${this.contact}`, ALLOW_HEADER], body: sdpBody(sdp) });
        if (offer !== undefined) this.options.onRemoteOffer?.(offer);
        this.awaitingAck = offer === undefined ? 'answer' : 'ack';
        this.ackTimer = setTimeout(() => {
          this.ackTimer = null;
          this.options.logger.warn('no ACK came for our 2xx to a re-INVITE');
          if (this.awaitingAck === 'answer') void this.media.rollback().catch(() => undefined);
          this.toIdle();
        }, ACK_WAIT_MS);
      },
      (err: unknown) => {
        this.options.logger.warn(`refused a re-INVITE (488): its offer could not be used (${(err as Error).message})`);
        if (!this.disposed) request.reject({ statusCode: 488 });
        this.toIdle();
      },
    );
  }

  /** An ACK arrived in the dialog; true when it completes the other party's re-INVITE. */
  onAck(message: Core.IncomingRequestMessage): boolean {
    if (this.state !== 'answering' || this.awaitingAck === null) return false;
    const needsAnswer = this.awaitingAck === 'answer';
    this.awaitingAck = null;
    this.clearAckTimer();
    if (needsAnswer) void this.applyAnswer(sdpOf(message), 'the ACK to our offer').then(() => this.toIdle());
    else this.toIdle();
    return true;
  }

  /** The call ended: no timer left, a waiting offer() rejects. Idempotent. */
  dispose(): void {
    this.disposed = true;
    this.clearAckTimer();
    if (this.glareTimer !== null) clearTimeout(this.glareTimer);
    this.glareTimer = null;
    for (const reject of [...this.onDispose]) reject();
    this.onDispose.clear();
  }

  /** Applies an answer the other side can no longer be refused (after a 2xx); a failure ends the call. */
  private async applyAnswer(sdp: string | undefined, where: string): Promise<void> {
    if (this.disposed || this.suspended) return; // suspended: for a media that is gone
    try {
      if (sdp === undefined) throw new Error('it has no session description');
      await this.media.acceptAnswer(sdp);
    } catch (err) {
      await this.media.rollback().catch(() => undefined);
      if (!this.disposed) this.options.onBroken(`the answer in ${where} could not be used (${(err as Error).message})`);
    }
  }

  /** Answers the offer in the 2xx to our offerless re-INVITE in its ACK; no offer, or none we can answer: ACK without body, rejects. */
  private async answerInAck(response: Core.AckableIncomingResponseWithSession, what: string): Promise<void> {
    const offer = sdpOf(response.message);
    const media = this.handover!.media;
    let answer: string;
    try {
      if (offer === undefined) throw new Error('its 2xx carries no offer');
      answer = await media.createAnswer(offer, { hold: this.options.held() });
    } catch (err) {
      response.ack();
      throw new Error(`${what}: the far end's offer could not be used (${(err as Error).message})`, { cause: err });
    }
    response.ack({ body: sdpBody(answer) });
    [this.media, this.suspended] = [media, false];
    this.options.onRemoteOffer?.(offer);
  }

  /** Sends our re-INVITE, with `sdp` as its offer or without a body. */
  private send(sdp: string | undefined, resolve: (outcome: Outcome) => void): void {
    let settled = false;
    const settle = (outcome: Outcome): void => {
      if (settled) {
        if (outcome.ok) outcome.response.ack(); // a late 2xx to an interrupted re-INVITE: ACK only
        return;
      }
      settled = true;
      this.inFlight = null;
      resolve(outcome);
    };
    const refused = ({ message }: Core.IncomingResponse): void => settle({ ok: false, status: message.statusCode ?? 0, reason: message.reasonPhrase ?? '' });
    const extraHeaders = [`Contact: ${this.contact}`, ALLOW_HEADER];
    const request = this.dialog.invite({ onAccept: (response) => settle({ ok: true, response }), onRedirect: refused, onReject: refused }, sdp === undefined ? { extraHeaders } : { extraHeaders, body: sdpBody(sdp) });
    this.inFlight = () => {
      settle({ ok: false, status: 0, reason: 'the signalling link was lost' });
      abandonReinvite(this.dialog, request);
    };
  }

  /** Waits until no exchange is in progress (another offer, or an answer waiting for its ACK). */
  private async untilIdle(what: string): Promise<void> {
    while (this.state !== 'idle') await this.until<void>(what, (resolve) => this.idleWaiters.push(resolve));
    this.assertOpen(what);
  }

  /** A promise settled by `start`'s callback, or rejected with InvalidStateError once the call ends. */
  private until<T>(what: string, start: (resolve: (value: T) => void) => void): Promise<T> {
    this.assertOpen(what);
    return new Promise<T>((resolve, reject) => {
      const ended = (): void => reject(new InvalidStateError(`${what}: the call ended`));
      this.onDispose.add(ended);
      start((value) => {
        this.onDispose.delete(ended);
        resolve(value);
      });
    });
  }

  private toIdle(): void {
    this.state = 'idle';
    this.awaitingAck = null;
    this.clearAckTimer();
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private clearAckTimer(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  private assertOpen(what: string): void {
    if (this.disposed) throw new InvalidStateError(`${what}: the call ended`);
  }
}

/**
 * The INVITE that starts an outgoing call (RFC 3261 §13.2), on sip.js's core
 * (`UserAgentCore.invite`, whose INVITE client transaction does retransmissions, digest
 * authentication on 401/407, early dialogs and re-ACKing retransmitted 2xx). What the core leaves
 * to its user is here: which 2xx makes the call. A forked INVITE may be answered by several
 * phones; the first 2xx wins and every later one, from another dialog, is ACKed and hung up at
 * once (§13.2.2.4; the proxy CANCELs the branches still ringing). The first one is refused when
 * the call no longer wants it (cancelled meanwhile: a 2xx that crossed our CANCEL, §9.1) or when
 * its answer is unusable, and that dialog is ACKed and hung up too.
 * ```txt
 *   send() ──100──▶ (nothing) ──18x──▶ (with SDP: its early media applied, early-media.ts) onProgress(status)
 *     │ ──first 2xx──▶ wanted()? apply its answer (early.final) ──ok──▶ ACK, onAnswered(dialog, answeredElsewhere)
 *     │                  ├──no (before or after)──▶ onUnanswered('canceled'), ACK + BYE
 *     │                  └──answer unusable──▶ onUnanswered('failed'), ACK + BYE with Reason: 488
 *     │ ──2xx from another dialog (fork)──▶ ACK + BYE that dialog
 *     │ ──3xx–6xx (incl. 408 timeout, 503 link failure from the core)──▶ onRefused(status, reason)
 *   cancel(): CANCEL, sent by the core once the INVITE is in Proceeding (a provisional arrived)
 * ```
 */
import type { Core, URI } from 'sip.js';
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';
import { ALLOW_HEADER, reasonHeader, sdpBody, sdpOf } from './call-messages';
import { EarlyMedia } from './early-media';

/** What an {@link InviteClient} reports to its call. */
export interface InviteClientOwner {
  /**
   * A provisional response other than 100 Trying; one with SDP once its early media was applied
   * (or could not be: see {@link InviteClient.early}).
   */
  onProgress(status: number, withSdp: boolean): void;
  /** False once the call no longer wants an answer (hung up or cancelled meanwhile). */
  wanted(): boolean;
  /** The first 2xx cannot make the call (`canceled`: not wanted any more; `failed`: unusable answer); ACK and BYE follow. */
  onUnanswered(reason: 'canceled' | 'failed'): void;
  /**
   * The first 2xx, its answer applied, was ACKed: `dialog` is the call's. `answeredElsewhere`:
   * another endpoint than the early media's answered, and the call must re-offer (early-media.ts).
   */
  onAnswered(dialog: Core.Session, answeredElsewhere: boolean): void;
  /** A final failure (3xx–6xx), including the 408/503 the core makes up on a timeout or a dead link. */
  onRefused(status: number, reason: string): void;
}

/** One INVITE transaction of an outgoing call. */
export class InviteClient {
  private request: Core.OutgoingInviteRequest | null = null;
  private dialog: Core.Session | null = null;
  private final = false;
  /** The report of the last 18x with SDP, sent once its early media is applied; a 2xx waits for it. */
  private progressing: Promise<void> = Promise.resolve();
  /** The early media of the 18x responses, and the final answer after it. */
  readonly early: EarlyMedia;

  constructor(
    private readonly core: Core.UserAgentCore,
    private readonly owner: InviteClientOwner,
    private readonly logger: Logger,
    media: () => CallMedia | null,
  ) {
    this.early = new EarlyMedia(media, logger);
  }

  /** Sends the INVITE to `target` with our offer; `headers` are extra header lines (`Name: value`). */
  send(target: URI, offer: string, contact: string, headers: string[]): void {
    const core = this.core;
    const message = core.makeOutgoingRequestMessage('INVITE', target, core.configuration.aor, target, {}, [...headers, `Contact: ${contact}`, ALLOW_HEADER], sdpBody(offer));
    this.request = core.invite(message, {
      onProgress: ({ message }) => {
        const status = message.statusCode ?? 0;
        const sdp = sdpOf(message);
        if (this.final) return;
        if (sdp === undefined) this.owner.onProgress(status, false);
        else {
          const previous = this.progressing;
          this.progressing = this.early
            .provisional(message.toTag ?? '', sdp)
            .then(() => previous)
            .then(() => this.owner.onProgress(status, true))
            .catch((err: unknown) => this.logger.debug(`early media not applied: ${(err as Error).message}`));
        }
      },
      onAccept: (response) => void this.onAccept(response),
      onRedirect: (response) => this.onRefused(response.message),
      onReject: (response) => this.onRefused(response.message),
    });
  }

  /** True once the INVITE went out. */
  get sent(): boolean {
    return this.request !== null;
  }

  /** Cancels the INVITE (no-op once a final response arrived or before it was sent). */
  cancel(): void {
    if (this.final || !this.request) return;
    this.request.cancel();
  }

  private onRefused(message: Core.IncomingResponseMessage): void {
    this.final = true;
    this.owner.onRefused(message.statusCode ?? 0, message.reasonPhrase ?? '');
  }

  private async onAccept(response: Core.AckableIncomingResponseWithSession): Promise<void> {
    const dialog = response.session;
    if (this.dialog) {
      if (dialog === this.dialog) return;
      this.logger.info(`a second phone answered the forked INVITE (${response.message.getHeader('to') ?? 'unknown'}): ACK and BYE`);
      response.ack();
      dialog.bye();
      return;
    }
    this.final = true;
    this.dialog = dialog;
    // A 180/183 with SDP that came first is reported first (`ringing`, then `answered`), even
    // when the phone answers before its early media was applied.
    await this.progressing;
    const bye = await this.keep(response);
    response.ack();
    if (bye) dialog.bye(undefined, { extraHeaders: bye });
    else this.owner.onAnswered(dialog, this.early.answeredElsewhere);
  }

  /** Applies the first 2xx's answer if the call still wants it: null to keep it, else the BYE's extra headers. */
  private async keep(response: Core.AckableIncomingResponseWithSession): Promise<string[] | null> {
    if (!this.owner.wanted()) return this.unanswered('canceled', []);
    try {
      await this.early.final(response.message.toTag ?? '', sdpOf(response.message));
    } catch (err) {
      this.logger.warn(`the answer to our INVITE could not be used: ${(err as Error).message}`);
      return this.unanswered('failed', [reasonHeader(488, 'Not Acceptable Here')]);
    }
    return this.owner.wanted() ? null : this.unanswered('canceled', []);
  }

  private unanswered(reason: 'canceled' | 'failed', byeHeaders: string[]): string[] {
    this.owner.onUnanswered(reason);
    return byeHeaders;
  }
}

/**
 * The INVITE of an incoming call (RFC 3261 §13.3), on sip.js's core `InviteUserAgentServer`,
 * which keeps the server transaction, makes the dialog, adds our Contact and Allow to its
 * responses and retransmits the 2xx until the ACK. Around it: 180 Ringing at once, 487 to a
 * CANCEL (the core answers the CANCEL itself with 200), and 480 when nobody answers in time (487
 * when the INVITE's own `Expires` runs out first).
 * ```txt
 *   ring() ──180──▶ ringing ──accept(sdp)──▶ 200 with our offer or answer: the call's dialog
 *                     │ ──reject(status)──▶ final failure
 *                     │ ──CANCEL──▶ 487 ──▶ onCanceled
 *                     └ ──no answer within NO_ANSWER_TIMEOUT_MS / Expires──▶ 480 / 487 ──▶ onTimedOut
 * ```
 */
import type { Core } from 'sip.js';
import type { Logger } from '../logger';
import { sdpBody } from './call-messages';

/** How long an incoming call may ring before it is turned down with 480 (as sip.js's `noAnswerTimeout`). */
export const NO_ANSWER_TIMEOUT_MS = 60_000;

/** What an {@link InviteServer} reports to its call. */
export interface InviteServerOwner {
  /** The caller gave up (CANCEL); 487 was sent. */
  onCanceled(): void;
  /** Nobody answered in time; 480 (or 487 past the INVITE's `Expires`) was sent. */
  onTimedOut(status: number): void;
}

/** The server side of one incoming INVITE, until its final response. */
export class InviteServer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private final = false;

  constructor(
    readonly request: Core.IncomingInviteRequest,
    private readonly owner: InviteServerOwner,
    private readonly logger: Logger,
  ) {
    request.delegate = {
      onCancel: () => {
        if (this.finish(487)) this.owner.onCanceled();
      },
      onTransportError: () => this.logger.warn('a response to an incoming INVITE could not be sent (the link failed)'),
    };
  }

  /** Sends 180 Ringing and starts the no-answer timer. */
  ring(): void {
    const expires = Number(this.request.message.getHeader('expires'));
    const byExpires = Number.isFinite(expires) && expires >= 0 && expires * 1000 < NO_ANSWER_TIMEOUT_MS;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const status = byExpires ? 487 : 480;
        if (this.finish(status)) this.owner.onTimedOut(status);
      },
      byExpires ? expires * 1000 : NO_ANSWER_TIMEOUT_MS,
    );
    try {
      this.request.progress({ statusCode: 180 });
    } catch (err) {
      this.logger.warn(`could not send 180 Ringing: ${(err as Error).message}`);
    }
  }

  /** True until a final response was sent (a CANCEL or the timer may have sent one). */
  get pending(): boolean {
    return !this.final;
  }

  /** Sends 200 OK with our session description; returns the confirmed dialog. */
  accept(sdp: string): Core.Session {
    this.stop();
    return this.request.accept({ statusCode: 200, body: sdpBody(sdp) }).session;
  }

  /** Sends a final failure (e.g. 486), unless one was sent already. */
  reject(status: number): void {
    this.finish(status);
  }

  /** Stops the no-answer timer (the call ended some other way). */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends a final failure once; false if a final response was already sent. */
  private finish(status: number): boolean {
    if (this.final) return false;
    this.stop();
    try {
      this.request.reject({ statusCode: status });
    } catch (err) {
      this.logger.debug(`could not send ${status} to an incoming INVITE: ${(err as Error).message}`);
    }
    return true;
  }

  private stop(): void {
    this.final = true;
    this.dispose();
  }
}

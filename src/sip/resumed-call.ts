/**
 * A call taken back after a reload of the page (call-resume.ts): a {@link CallSession} that starts
 * from its stored facts and its restored dialog instead of an INVITE.
 * ```txt
 *   restored (connecting, not announced) ──resume(media): the dialog is the call's again──▶ answered / held
 *        │                                  (no event), and the re-INVITE without offer of reinvite.ts's
 *        │                                  handOver() goes out from our new Contact: resolves once our
 *        │                                  answer went out in its ACK, rejects as it does (481…)
 *        └──hangup() / terminate() before: BYE in the restored dialog
 * ```
 * From then on it is an answered call like any other.
 */
import { InvalidStateError } from '../errors';
import type { CallMedia } from '../media/call-media';
import type { CallEnd } from './call-events';
import { CallSession, type CallContext } from './call-session';
import type { ResumedLeg } from './stored-call';

export class ResumedCallSession extends CallSession {
  constructor(
    private readonly resumed: ResumedLeg,
    context: CallContext,
  ) {
    super(resumed, context, true);
  }

  /** See the file comment. */
  resume(media: CallMedia): Promise<void> {
    if (this.media) return Promise.reject(new InvalidStateError('resume() was called already'));
    const { dialog, held } = this.resumed;
    this.useMedia(media);
    this.adopt(dialog);
    this._state = held ? 'held' : 'answered';
    return this.answeredCall!.renegotiation.handOver(media, 'the re-INVITE resuming the call');
  }

  protected override abandon(): CallEnd | null {
    if (this.state !== 'ended') this.dialog ??= this.resumed.dialog; // its media not made yet: the BYE goes in the restored dialog
    return super.abandon();
  }
}

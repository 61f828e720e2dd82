/**
 * Early media of an outgoing call (RFC 3960's "gateway model"): the answer in a 18x (183
 * Session Progress or 180 Ringing with SDP) is applied to the call's one media as a provisional
 * answer, so the far end's ringback or announcement plays while the call rings. A forked INVITE
 * may bring early media from several branches (early dialogs, told apart by their To tag): the
 * first branch's early media plays, the others' 18x SDP is kept but not applied. The branch whose
 * 2xx wins gives the final answer, applied whether or not it matches a 18x's. Everything runs in
 * order on one queue, so the final answer always comes after the provisional one.
 *
 * When the winner is another WebRTC endpoint than the early media's (another ICE ufrag or DTLS
 * fingerprint: separate phones, no SBC in between), the final answer alone is not enough. The
 * call has one peer connection, so one ICE and DTLS association. In Chromium 156 (measured,
 * e2e/gateway-network.spec.ts) `setRemoteDescription(answer)` after the first branch's
 * `pranswer` is accepted with the new ufrag and fingerprint and ICE moves to the winner at once,
 * but DTLS does not: it completes only when the winner's DTLS client next retransmits its
 * handshake, 0.3 to 6.6 s of silence both ways when both phones started their media as the
 * INVITE arrived (as phones sending early media do). An ICE-restart offer from that same peer
 * connection (`restartIce()`, then a re-INVITE in the confirmed dialog, sent by the call before
 * it reports `answered`) makes a new DTLS handshake with the winner's fingerprint at once: the
 * winner connected 0.4 to 1.3 s after its 2xx, audio both ways, the same microphone track. That
 * was chosen over a fresh peer connection for the winner (a new offer in a re-INVITE too, but the
 * media would have to move its sender, receiver, remote stream and statistics to it): same
 * signalling, nothing to move. Through an SBC such as rtpengine every branch has the same
 * endpoint and no re-INVITE is needed.
 * ```txt
 *   18x with SDP (tag) ──first branch, new SDP?──▶ acceptAnswer(sdp, provisional): early media plays (ringingEvent)
 *   2xx (tag, sdp?) ──after the queue──▶ acceptAnswer(sdp ?? that tag's early SDP)
 *       └─ another endpoint than the early media's ──▶ restartIce(), answeredElsewhere: the call re-offers
 * ```
 */
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';
import { dtlsFingerprint, iceUfrag } from '../media/sdp';

/** Who sends and receives the media of an answer: its ICE ufrag and DTLS fingerprint. */
const endpointOf = (sdp: string): string => `${iceUfrag(sdp) ?? ''} ${dtlsFingerprint(sdp) ?? ''}`;

/** The early media of one outgoing call. */
export class EarlyMedia {
  private queue: Promise<unknown> = Promise.resolve();
  /** The provisional answer applied last, and its branch (To tag). */
  private applied: { tag: string; sdp: string } | null = null;
  /** The SDP of each branch's last 18x. */
  private readonly byBranch = new Map<string, string>();

  constructor(
    private readonly media: () => CallMedia | null,
    private readonly logger: Logger,
  ) {}

  /** `ringing` said `earlyMedia: true` already. */
  private announced = false;
  private _answeredElsewhere = false;

  /**
   * True once the final answer came from another endpoint than the early media that played: the
   * media restarts ICE on its next offer, and the call must send it (a re-INVITE) to be heard.
   */
  get answeredElsewhere(): boolean {
    return this._answeredElsewhere;
  }

  /**
   * The `ringing` event a 18x gives, or null for none: the first 18x gives one (`earlyMedia`
   * true when its early media plays already); once early media plays after a plain `ringing`
   * (`ringingAlready`), one more with `earlyMedia: true`; nothing else.
   */
  ringingEvent(ringingAlready: boolean): { earlyMedia: boolean } | null {
    const earlyMedia = this.applied !== null;
    if (ringingAlready && (!earlyMedia || this.announced)) return null;
    this.announced = earlyMedia;
    return { earlyMedia };
  }

  /**
   * A 18x with SDP from branch `tag`: applies its answer, unless it is the one playing already or
   * another branch's early media plays. Never rejects.
   */
  provisional(tag: string, sdp: string): Promise<void> {
    this.byBranch.set(tag, sdp);
    return this.enqueue(async () => {
      const media = this.media();
      if (!media || media.signalingState !== 'have-local-offer') return;
      if (this.applied && (this.applied.tag !== tag || this.applied.sdp === sdp)) {
        if (this.applied.tag !== tag) this.logger.info(`early media of another branch of the forked INVITE (${tag}) not played: the first branch's plays`);
        return;
      }
      try {
        await media.acceptAnswer(sdp, { provisional: true });
      } catch (err) {
        this.logger.warn(`the early media of a 18x could not be used: ${(err as Error).message}`);
        return;
      }
      this.applied = { tag, sdp };
    });
  }

  /**
   * The winning 2xx from branch `tag`: applies its answer (or, when it has none, that branch's
   * early answer) as the final one, after any provisional answer still being applied. When it
   * comes from another endpoint than the early media, the media's next offer restarts ICE (see
   * {@link EarlyMedia.answeredElsewhere}).
   * @throws Error when neither the 2xx nor an 18x of its branch carried a session description.
   */
  final(tag: string, sdp: string | undefined): Promise<void> {
    return this.enqueue(async () => {
      const answer = sdp ?? this.byBranch.get(tag);
      if (answer === undefined) throw new Error('the 2xx carries no session description');
      const media = this.media()!;
      await media.acceptAnswer(answer);
      const early = this.applied;
      if (early && endpointOf(early.sdp) !== endpointOf(answer)) {
        this.logger.info(`the forked INVITE was answered by branch ${tag}, another endpoint than the early media's (branch ${early.tag}): restarting ICE towards it`);
        media.restartIce();
        this._answeredElsewhere = true;
      }
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

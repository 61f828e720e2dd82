/**
 * Early media of an outgoing call (RFC 3960's "gateway model"): the answer in a 18x (183
 * Session Progress or 180 Ringing with SDP) is applied to the call's one media as a provisional
 * answer, so the far end's ringback or announcement plays while the call rings. A forked INVITE
 * may bring early media from several branches (early dialogs, told apart by their To tag): the
 * first branch's early media plays, the others' 18x SDP is kept but not applied. The branch whose
 * 2xx wins gives the final answer, applied whether or not it matches a 18x's. Everything runs in
 * order on one queue, so the final answer always comes after the provisional one.
 *
 * Why the first branch, and its limit: the call has one peer connection, so one DTLS association.
 * In Chromium (e2e/gateway-network.spec.ts), once a branch's early media connected, only that
 * DTLS endpoint can carry the call's audio: a final answer from another endpoint with its own
 * fingerprint leaves the call silent, whether or not that branch's early media was applied in
 * between. Playing the first branch only keeps the audio steady while ringing and the first
 * branch able to win; another branch that is a separate DTLS endpoint winning is logged as a
 * warning (fixing it needs a new peer connection). Through an SBC such as rtpengine every branch
 * has the same DTLS endpoint, and any branch may win.
 * ```txt
 *   18x with SDP (tag) ──first branch, new SDP?──▶ acceptAnswer(sdp, provisional): early media plays (ringingEvent)
 *   2xx (tag, sdp?) ──after the queue──▶ acceptAnswer(sdp ?? that tag's early SDP)
 * ```
 */
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';
import { dtlsFingerprint } from '../media/sdp';

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
   * early answer) as the final one, after any provisional answer still being applied.
   * @throws Error when neither the 2xx nor an 18x of its branch carried a session description.
   */
  final(tag: string, sdp: string | undefined): Promise<void> {
    return this.enqueue(async () => {
      const answer = sdp ?? this.byBranch.get(tag);
      if (answer === undefined) throw new Error('the 2xx carries no session description');
      const early = this.applied;
      if (early && early.tag !== tag && dtlsFingerprint(early.sdp) !== dtlsFingerprint(answer)) {
        this.logger.warn(`the forked INVITE was answered by branch ${tag}, not by the one whose early media played, with another DTLS fingerprint: the browser keeps its first DTLS association, so this call's audio may not flow`);
      }
      await this.media()!.acceptAnswer(answer);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

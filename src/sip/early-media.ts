/**
 * Early media of an outgoing call (RFC 3960's "gateway model"): the answer in a 18x (183
 * Session Progress or 180 Ringing with SDP) is applied to the call's one media as a provisional
 * answer, so the far end's ringback or announcement plays while the call rings. A forked INVITE
 * may bring early media from several branches (early dialogs, told apart by their To tag): the
 * latest branch's answer replaces the previous one, and the branch whose 2xx wins gives the final
 * answer, applied whether or not it matches the 18x's. Everything runs in order on one queue, so
 * the final answer always comes after the provisional ones.
 * ```txt
 *   18x with SDP (tag) ──new SDP?──▶ acceptAnswer(sdp, provisional): early media plays (ringingEvent)
 *   2xx (tag, sdp?) ──after the queue──▶ acceptAnswer(sdp ?? that tag's early SDP)
 * ```
 */
import type { Logger } from '../logger';
import type { CallMedia } from '../media/call-media';

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

  /** A 18x with SDP from branch `tag`: applies its answer unless it is the one playing already. Never rejects. */
  provisional(tag: string, sdp: string): Promise<void> {
    this.byBranch.set(tag, sdp);
    return this.enqueue(async () => {
      const media = this.media();
      if (!media || media.signalingState !== 'have-local-offer') return;
      if (this.applied?.tag === tag && this.applied.sdp === sdp) return;
      try {
        await media.acceptAnswer(sdp, { provisional: true });
      } catch (err) {
        this.logger.warn(`the early media of a 18x could not be used: ${(err as Error).message}`);
        return;
      }
      if (this.applied && this.applied.tag !== tag) this.logger.info(`early media now from another branch of the forked INVITE (${tag})`);
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
      await this.media()!.acceptAnswer(answer);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

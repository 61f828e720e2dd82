/**
 * Shared mode, the worker's side of the outbox across a reload (#15 × #16). The engine's outbox
 * (sip/outbox.ts) lives in the worker and keeps sending while tabs come and go; each message's
 * `messagestatus` goes to the tab that sent it. The page side of that tab keeps its unconfirmed
 * messages in its own `sessionStorage` (page-outbox.ts) and, after a reload and `login()`, hands
 * them back here (`restore-messages`). Each one it claims is in one of three states:
 *
 * ```txt
 *   claimed id ──still in the engine's outbox──▶ rebound: its outcome goes to the claiming tab
 *              ──outcome known within OUTCOME_MEMORY_MS──▶ that outcome replayed to the claiming tab
 *              ──unknown (a new engine: the worker or the engine was gone; or forgotten)──▶
 *                     re-submitted, ahead of anything new, with its original deadline
 * ```
 * Every outcome reaches the claiming tab with `restored: true`; nothing is dropped silently.
 * Delivery stays at-least-once, as in-page: a message re-submitted because its outcome was
 * forgotten (or was cut with the link) may reach the recipient twice.
 */
import { isStoredMessage, type Messaging, type MessageStatus, type StoredMessage } from '../sip/messaging';

/** How long the worker remembers an outcome, for a tab that reloads meanwhile, in ms. */
const OUTCOME_MEMORY_MS = 120_000;
/** At most this many outcomes are remembered (the oldest go first). */
const OUTCOME_MEMORY_SIZE = 1_000;

/** The messages of one engine: who hears each outcome, and what the engine recently settled. */
export class WorkerOutbox<Tab> {
  /** Message id → the tab that hears its outcome. */
  private readonly senders = new Map<string, Tab>();
  /** Ids whose outcome goes to a tab that claimed them back after a reload (reported restored). */
  private readonly claimed = new Set<string>();
  /** Recent outcomes, oldest first, with when to forget them. */
  private readonly recent = new Map<string, { status: MessageStatus; until: number }>();

  constructor(
    private readonly post: (tab: Tab, status: MessageStatus) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** `tab` sent the message `id`: its outcome goes there. */
  sent(id: string, tab: Tab): void {
    this.senders.set(id, tab);
    this.claimed.delete(id);
  }

  /** `tab` is gone: outcomes of its messages are only remembered, for its next page to claim. */
  detach(tab: Tab): void {
    for (const [id, sender] of this.senders) if (sender === tab) this.senders.delete(id);
  }

  /** A message settled: tells its tab, if one still listens, and remembers the outcome. */
  settled(status: MessageStatus): void {
    const { id } = status;
    const sender = this.senders.get(id);
    this.senders.delete(id);
    const reported = this.claimed.delete(id) ? { ...status, restored: true } : status;
    this.forget();
    this.recent.delete(id);
    this.recent.set(id, { status: reported, until: this.now() + OUTCOME_MEMORY_MS });
    if (this.recent.size > OUTCOME_MEMORY_SIZE) this.recent.delete(this.recent.keys().next().value!);
    if (sender !== undefined) this.post(sender, reported);
  }

  /**
   * A reloaded tab claims the messages its earlier page left unconfirmed (see the file's doc
   * comment); `messaging` is the engine's, `null` when it is not logged in (nothing claimed).
   * Returns how many were re-submitted.
   */
  claim(tab: Tab, stored: readonly unknown[], messaging: Messaging | null): number {
    if (!messaging) return 0;
    this.forget();
    const held = new Set(messaging.pending().map((m) => m.id));
    const resubmit: StoredMessage[] = [];
    for (const message of stored) {
      if (!isStoredMessage(message)) continue;
      const { id, body } = message;
      const known = this.recent.get(id)?.status;
      if (held.has(id)) {
        this.senders.set(id, tab);
        this.claimed.add(id);
      } else if (known?.body === body) {
        // The same id and text (an app may reuse its ids from one page to the next).
        this.post(tab, { ...known, restored: true });
      } else {
        resubmit.push(message);
        this.senders.set(id, tab);
      }
    }
    messaging.restore(resubmit);
    return resubmit.length;
  }

  /** Drops the outcomes past their time. */
  private forget(): void {
    const now = this.now();
    for (const [id, { until }] of this.recent) {
      if (until > now) return;
      this.recent.delete(id);
    }
  }
}

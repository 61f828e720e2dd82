/**
 * Shared mode × reload (#15 × #16): a call outlives a reload of the tab that owns its media. The
 * call's signalling stays in the engine (worker-calls.ts); only its media goes with the tab.
 * ```txt
 *   the owning tab goes (bye on pagehide, its Web Lock released), resumeCalls on:
 *   answered / held / reconnecting ──▶ detachMedia(): no BYE; every other tab that sees the call:
 *        │   reconnecting {reason tab-closed}; kept for callResumeWindowMs
 *        ├─ the reloaded tab logs in and claims it (its record names the same dialog) ──▶ it owns the
 *        │     call: media opened there, replaceMedia(): one re-INVITE without offer in the same
 *        │     dialog; that tab: `callresumed`; every tab that sees it: `reconnected`; no inbound
 *        │     audio 500 ms later: one ICE restart (CallResume.checkAudio)
 *        ├─ a claim while the owner is still there (its `bye` not in yet): parked until it goes
 *        └─ no claim within the window ──▶ terminate('resume-failed'): BYE, ended everywhere
 *   a call not answered yet, `destroy()`, or resumeCalls off ──▶ ends at once, as before
 *   the worker died with the tab (it was the app's only tab) ──▶ the new engine does not know the
 *        call: the claim's record is taken back by CallResume.take (call-resume.ts: the dialog
 *        restored, ResumedCallSession's re-INVITE from the new Contact), media in the claiming tab
 * ```
 * The records: CallResume (call-resume.ts) watches the engine's calls as it does in the page; its
 * slot here ({@link TabSlot}) sends each tab the records of the calls it owns (`stored`), which
 * the tab keeps in its `sessionStorage` (page-call-store.ts) and claims with its next `login()`.
 * A claim that is malformed, names another dialog, or names a call another tab owns is ignored.
 */
import type { Core } from 'sip.js';
import type { Logger } from '../logger';
import { DEFAULT_OPTIONS } from '../options';
import { CallResume, type CallSlot } from '../sip/call-resume';
import type { CallSession } from '../sip/call-session';
import type { CallManager, CallMediaOpener } from '../sip/calls';
import { isStoredCall, type StoredCall } from '../sip/stored-call';
import { PROTOCOL_VERSION, type CallEventName, type EngineMessage } from './protocol';
import type { CallTab } from './worker-calls';

/** What the claims need from the engine's {@link WorkerCalls}. */
export interface ClaimHost {
  readonly open: CallMediaOpener;
  tabs(): Iterable<CallTab>;
  /** The live call `id`, if any. */
  session(id: string): CallSession | undefined;
  /** The tab that owns the media of call `id` now. */
  owner(id: string): CallTab | undefined;
  /** `tab` makes the media of call `id` from now on, and sees the call. */
  inherit(id: string, tab: CallTab): void;
  post(tab: CallTab, session: CallSession, event: CallEventName, payload?: unknown): void;
}

/** The `callResumeWindowMs` of a tab's options (already validated by the tab), or `null` with `resumeCalls: false`. */
export function resumeWindowOf(options: Record<string, unknown>): number | null {
  if (options.resumeCalls === false) return null;
  return typeof options.callResumeWindowMs === 'number' ? options.callResumeWindowMs : DEFAULT_OPTIONS.callResumeWindowMs;
}

const sameDialog = (session: CallSession, record: StoredCall): boolean => {
  const dialog = session.dialog;
  return dialog !== null && dialog.callId === record.dialog.callId && dialog.localTag === record.dialog.localTag && dialog.remoteTag === record.dialog.remoteTag;
};

export class CallClaims {
  /** Calls whose tab went, waiting for its claim. */
  private readonly kept = new Map<string, { session: CallSession; timer: ReturnType<typeof setTimeout> }>();
  /** Claims of calls whose owner has not gone yet. */
  private readonly parked = new Map<string, CallTab>();
  /** The tab each claim under way is for (a later claim overtakes an earlier one). */
  private readonly handing = new Map<string, CallTab>();
  /** Kept calls that ended: a late claim must not restore them. */
  private readonly gone = new Set<string>();
  private readonly slot: TabSlot;
  private resume: CallResume | null = null;

  constructor(
    private readonly host: ClaimHost,
    private readonly windowMs: number,
    private readonly logger: Logger,
    /** A kept call ended: the engine may be without tabs and calls now. */
    private readonly idle: () => void,
  ) {
    // A call being claimed is its claimant's already: the tab keeps its record meanwhile.
    this.slot = new TabSlot(host, (id) => this.handing.get(id) ?? host.owner(id));
  }

  /** True while some call waits for its tab. */
  get waiting(): boolean {
    return this.kept.size > 0;
  }

  /** Watches the calls of a new user agent (their records go to their tabs). */
  attach(manager: CallManager, core: Core.UserAgentCore): void {
    this.resume = new CallResume(this.slot, manager, core, { windowMs: this.windowMs, logger: this.logger });
    manager.on('tracked', (session) => session.once('ended', () => this.handing.delete(session.id)));
    this.resume.start(() => undefined); // nothing to load here: tabs bring their records
  }

  /** The tab of `session`'s media is gone: keeps an established call for its claim (true), or not (false). */
  keep(session: CallSession): boolean {
    if (!['answered', 'held', 'reconnecting'].includes(session.state)) return false;
    const { id } = session;
    session.detachMedia();
    const timer = setTimeout(() => {
      this.logger.warn(`${id}: not claimed within callResumeWindowMs after its tab went; hanging up`);
      session.terminate('resume-failed');
    }, this.windowMs);
    if (!this.kept.has(id)) {
      session.once('ended', () => {
        const kept = this.kept.get(id);
        if (!kept) return;
        clearTimeout(kept.timer);
        this.kept.delete(id);
        this.gone.add(id);
        this.idle();
      });
    }
    this.kept.set(id, { session, timer });
    const parked = this.parked.get(id);
    this.parked.delete(id);
    if (parked && [...this.host.tabs()].includes(parked)) void this.handOver(parked, id);
    return true;
  }

  /** `tab` logged in with the records of the calls it owned before its reload (see the file comment). */
  claim(tab: CallTab, claims: unknown): void {
    const records: unknown[] = Array.isArray(claims) ? claims : [];
    for (const record of records) {
      if (!isStoredCall(record)) {
        this.logger.warn('ignored a malformed call claim');
        continue;
      }
      const { id } = record;
      const session = this.host.session(id);
      if (session && !sameDialog(session, record)) this.logger.warn(`ignored a claim of call ${id}: another dialog`);
      else if (this.kept.has(id)) void this.handOver(tab, id);
      else if (session) {
        if (this.host.owner(id) !== tab) this.parked.set(id, tab); // its owner may be about to go (a reload's bye)
      } else if (!this.gone.has(id) && this.resume) {
        // A call this engine does not know (a new worker): back from the record, media in `tab`.
        this.host.inherit(id, tab);
        this.handing.set(id, tab);
        this.resume.take([record], (call) => this.host.post(tab, call, 'claimed'));
      }
    }
    for (const [id, parked] of this.parked) if (parked === tab && !records.some((c) => isStoredCall(c) && c.id === id)) this.parked.delete(id);
    if (records.length > 0) this.slot.include(tab);
  }

  /** A tab is gone: its parked claims go too. */
  forget(tab: CallTab): void {
    for (const [id, parked] of this.parked) if (parked === tab) this.parked.delete(id);
  }

  /** The kept call `id` continues on new media in `tab`, in its dialog. */
  private async handOver(tab: CallTab, id: string): Promise<void> {
    const kept = this.kept.get(id)!;
    clearTimeout(kept.timer);
    this.kept.delete(id);
    const { session } = kept;
    this.host.inherit(id, tab);
    this.handing.set(id, tab);
    let claimed = false;
    try {
      const media = await this.host.open(session, {});
      if (session.state === 'ended') return media.close();
      const done = session.replaceMedia(media);
      this.host.post(tab, session, 'claimed');
      claimed = true;
      await done;
      if (this.handing.get(id) === tab) this.handing.delete(id);
      this.logger.info(`${id}: resumed in the reloaded tab`);
      this.resume?.checkAudio(session);
    } catch (err) {
      // Ended meanwhile, overtaken by a later claim, or its new tab went too (reloaded again): kept again for the next claim.
      if (session.state === 'ended' || this.kept.has(id) || this.handing.get(id) !== tab) return;
      this.handing.delete(id);
      if (![...this.host.tabs()].includes(tab) && this.keep(session)) return;
      this.logger.warn(`${id}: could not be resumed in the reloaded tab (${(err as Error).message}); hanging up`);
      if (!claimed) this.host.post(tab, session, 'claimed');
      session.terminate('resume-failed');
    }
  }
}

/**
 * CallResume's slot in a worker: each change sends every tab the records of the calls whose media
 * it owns (a tab that owned some and owns none now gets an empty list). Nothing is loaded here.
 */
class TabSlot implements CallSlot {
  private snapshot: (() => readonly StoredCall[]) | null = null;
  private told = new Set<CallTab>();
  private scheduled = false;

  constructor(
    private readonly host: ClaimHost,
    /** The tab that owns call `id` (whose record it keeps). */
    private readonly owner: (id: string) => CallTab | undefined,
  ) {}

  load(): { live: StoredCall[]; expired: StoredCall[] } {
    return { live: [], expired: [] };
  }

  track(snapshot: (() => readonly StoredCall[]) | null): void {
    this.snapshot = snapshot;
  }

  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.scheduled && this.flush());
  }

  /** `tab` is told its records at the next write, even when it owns none. */
  include(tab: CallTab): void {
    this.told.add(tab);
    this.changed();
  }

  flush(): void {
    this.scheduled = false;
    const byTab = new Map<CallTab, StoredCall[]>([...this.told].map((tab) => [tab, []]));
    for (const entry of this.snapshot?.() ?? []) {
      const owner = this.owner(entry.id);
      if (owner) byTab.set(owner, [...(byTab.get(owner) ?? []), entry]);
    }
    const tabs = new Set(this.host.tabs());
    this.told = new Set();
    for (const [tab, calls] of byTab) {
      if (!tabs.has(tab)) continue;
      if (calls.length > 0) this.told.add(tab);
      tab.port.postMessage({ voxline: PROTOCOL_VERSION, kind: 'stored', calls } satisfies EngineMessage);
    }
  }
}

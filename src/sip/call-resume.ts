/**
 * Calls survive a reload of the page (#15). While a call is up, its dialog and public facts are
 * kept in the tab's session store (slot `calls`, entries as stored-call.ts describes them),
 * written on each change of the call (answered, held, resumed, muted, unmuted, ended), after each
 * request its dialog sends or receives (the CSeq numbers move) and on `pagehide`; each write
 * moves the entry's deadline to `callResumeWindowMs` from then. The page that unloads sends
 * nothing (no BYE): the far end hears silence for the moment of the reload.
 *
 * After the reloaded page logged in, {@link CallResume.start} takes each stored call back:
 * ```txt
 *   stored ──deadline not passed──▶ dialog restored ─▶ microphone, new media ─▶ answered/held,
 *     │                            `callresumed` ─▶ re-INVITE from our new Contact, fresh offer
 *     │                                              ├─ 2xx: ACK, audio flows (target refreshed both ways)
 *     │                                              ├─ 481: the far end no longer knows the call ─▶ ended resume-failed (no BYE)
 *     │                                              └─ other failure, 408, no answer ─▶ BYE ─▶ ended resume-failed
 *     └──deadline passed (logged in too late)──▶ `callresumed` ─▶ BYE ─▶ ended resume-failed
 * ```
 * A call ended as resume-failed is announced first, so that the application learns how it ended
 * from the same `Call` events as any other call. The far end needs nothing special: the
 * re-INVITE is a target refresh with a new offer (new ICE credentials, new DTLS fingerprint).
 *
 * Where the records live is a {@link CallSlot}: in the page, the tab's session store; in a
 * SharedWorker engine (shared mode, src/engine/call-claims.ts), the tabs that own the calls, each
 * keeping its own in its `sessionStorage`, and giving them back to {@link CallResume.take} when
 * the reloaded tab logs in to a new worker.
 */
import type { Core } from 'sip.js';
import { SipError } from '../errors';
import type { Logger } from '../logger';
import type { CallSession } from './call-session';
import type { CallManager } from './calls';
import type { StoreSlot } from './session-store';
import { restoreDialog, storedDialogOf, watchDialog, type StoredCall } from './stored-call';

/** How long after a resume audio may take before our side restarts ICE (see `checkAudio`). */
const AUDIO_CHECK_MS = 500;

/** Where the stored calls are kept: a {@link StoreSlot} of the session store, or the tabs (shared mode). */
export type CallSlot = Pick<StoreSlot<StoredCall>, 'load' | 'track' | 'changed' | 'flush'>;

/** What {@link CallResume} needs. */
export interface CallResumeOptions {
  /** `callResumeWindowMs`: how long after its last write a stored call may be resumed. */
  windowMs: number;
  logger: Logger;
  /** The clock. @defaultValue Date.now */
  now?: () => number;
}

/** One logged-in user agent's calls, kept across reloads: see the file comment. */
export class CallResume {
  private readonly watched = new Set<CallSession>();
  /** Restored calls, until their dialog is theirs again: the stored dialog and hold state. */
  private readonly restored = new WeakMap<CallSession, { dialog: Core.Session; held: boolean }>();
  private readonly watchedDialogs = new WeakSet<Core.Session>();
  private tracking = true;
  private readonly now: () => number;
  private readonly changed = (): void => this.slot.changed();

  constructor(
    private readonly slot: CallSlot,
    private readonly manager: CallManager,
    private readonly core: Core.UserAgentCore,
    private readonly options: CallResumeOptions,
  ) {
    this.now = options.now ?? Date.now;
    manager.on('tracked', (call) => this.watch(call));
  }

  /**
   * Takes back the calls the previous page stored, then keeps this page's calls stored. Each call
   * is given to `announce` once it is `answered`/`held` again (its re-INVITE sent), or just before
   * it ends as `resume-failed` when it cannot be resumed at all.
   */
  start(announce: (call: CallSession) => void): void {
    const { live, expired } = this.slot.load(this.now());
    this.slot.track(() => this.snapshot());
    this.take([...live, ...expired], announce);
    this.slot.flush(); // new deadlines; what expired or could not be restored is not stored any more
    this.trackWhileCalls();
  }

  /** Takes back stored calls as {@link CallResume.start} does (shared mode: a tab's claim); those past their deadline end `resume-failed`. */
  take(stored: readonly StoredCall[], announce: (call: CallSession) => void): void {
    const now = this.now();
    for (const entry of stored) this.resume(entry, announce, entry.deadline > now);
  }

  /** The slot is tracked (written on changes and `pagehide`) only while some call is watched. */
  private trackWhileCalls(): void {
    const calls = this.watched.size > 0;
    if (calls === this.tracking) return;
    if (!calls) this.slot.flush(); // the last call ended: the record goes
    this.tracking = calls;
    this.slot.track(calls ? () => this.snapshot() : null);
  }

  private resume(stored: StoredCall, announce: (call: CallSession) => void, inTime: boolean): void {
    const { logger } = this.options;
    let dialog: Core.Session;
    try {
      dialog = restoreDialog(this.core, stored.dialog);
    } catch (err) {
      logger.warn(`could not resume call ${stored.id}: ${(err as Error).message}`);
      return;
    }
    const { id, direction, remote, answeredAt, held, muted } = stored;
    const call = this.manager.restore({ id, direction, remote, answeredAt, held, muted, dialog });
    this.restored.set(call, { dialog, held });
    this.watchDialog(dialog);
    if (!inTime) {
      logger.warn(`${id}: not resumed, the page logged in after callResumeWindowMs; hanging up`);
      // In a task of its own, as the resumed calls are: after login() resolved.
      setTimeout(() => {
        if (call.state === 'ended') return;
        announce(call);
        this.fail(call, dialog, true);
      }, 0);
      return;
    }
    logger.info(`${id}: resuming the call with ${remote.uri} after a reload`);
    let announced = false;
    const started = (): void => {
      announced = true;
      announce(call);
    };
    this.manager.resume(call, started).then(
      () => {
        logger.info(`${id}: resumed`);
        this.checkAudio(call);
      },
      (err: unknown) => {
        const gone = err instanceof SipError && err.status === 481;
        logger.warn(`${id}: could not be resumed (${(err as Error).message})${gone ? '' : '; hanging up'}`);
        if (!announced) announce(call);
        this.fail(call, dialog, !gone);
      },
    );
  }

  /**
   * A far end that kept its ICE path to the page that is gone (a WebRTC phone whose offer reuses
   * its peer connection, e.g. JsSIP) answers our DTLS handshake there: that path still counts as
   * working for seconds. When no audio arrived {@link AUDIO_CHECK_MS} after the resume, our own
   * offer restarts ICE, which makes the far end restart its side too and leave the old path.
   */
  checkAudio(call: CallSession): void {
    const timer = setTimeout(() => {
      if (call.state === 'ended') return;
      void call.getStats().then(async ({ bytesReceived }) => {
        if (bytesReceived > 0 || call.state === 'ended') return;
        this.options.logger.info(`${call.id}: no audio ${AUDIO_CHECK_MS} ms after resuming; restarting ICE`);
        call.currentMedia?.restartIce();
        await call.refreshTarget();
      }).catch((err: unknown) => this.options.logger.warn(`${call.id}: ICE restart after resuming failed (${(err as Error).message})`));
    }, AUDIO_CHECK_MS);
    call.once('ended', () => clearTimeout(timer));
  }

  /** Ends a call that could not be resumed: BYE while the dialog may still exist at the far end. */
  private fail(call: CallSession, dialog: Core.Session, bye: boolean): void {
    if (call.state === 'ended') return;
    if (call.dialog && bye) return call.terminate('resume-failed');
    try {
      if (bye) dialog.bye();
      else dialog.dispose();
    } catch (err) {
      this.options.logger.debug(`${call.id}: ${(err as Error).message}`);
    }
    call.terminate('resume-failed', false);
  }

  private watch(call: CallSession): void {
    this.watched.add(call);
    this.trackWhileCalls();
    const onChange = (): void => {
      const dialog = call.dialog;
      if (dialog) this.watchDialog(dialog);
      this.changed();
    };
    for (const event of ['answered', 'held', 'resumed', 'muted', 'unmuted'] as const) call.on(event, onChange);
    call.on('ended', () => {
      this.watched.delete(call);
      this.changed();
      this.trackWhileCalls();
    });
    onChange();
  }

  private watchDialog(dialog: Core.Session): void {
    if (this.watchedDialogs.has(dialog)) return;
    this.watchedDialogs.add(dialog);
    watchDialog(dialog, this.changed);
  }

  /** The calls to store now: those with a dialog that have not ended (restored ones while they resume, too). */
  private snapshot(): StoredCall[] {
    const deadline = this.now() + this.options.windowMs;
    const entries: StoredCall[] = [];
    for (const call of this.watched) {
      const restored = this.restored.get(call);
      const dialog = call.dialog ?? restored?.dialog;
      if (!dialog || call.state === 'ended' || call.answeredAt === null) continue;
      const entry: StoredCall = {
        id: call.id,
        direction: call.direction,
        remote: { ...call.remote },
        answeredAt: call.answeredAt,
        // The media's hold: also right while `reconnecting` from `held` (#14).
        held: call.currentMedia?.held ?? restored?.held ?? false,
        muted: call.muted,
        dialog: storedDialogOf(dialog),
        deadline,
      };
      entries.push(entry);
    }
    return entries;
  }
}

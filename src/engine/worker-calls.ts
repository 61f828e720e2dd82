/**
 * Calls in shared mode, for one engine of the {@link WorkerHub}: the call state machines
 * (CallSession) run here, in the worker, and each call's media in the tab that owns it, through a
 * {@link RemoteMedia}. Who sees what:
 *
 * ```txt
 *   incoming INVITE ──▶ every logged-in tab: `incoming` (every tab rings)
 *        ├─ answer() in tab B ──▶ B opens the media (microphone, peer connection): B owns the call;
 *        │     once answered, every other tab: `ended` {reason: 'answered-elsewhere'}
 *        │     (B's answer fails, e.g. no microphone: the call rings on, everywhere)
 *        └─ reject() in any tab ──▶ 486, `ended` rejected in every tab
 *   call() in tab A ──▶ A owns the media; every logged-in tab lists it (`listed`) and may hang up
 *   a tab logs in later ──▶ it is told the live calls it may see (ringing ones ring there too)
 *   the owning tab goes (bye, Web Lock released, destroy()) ──▶ its calls end with BYE
 *        (local-hangup) and the other tabs see them end; ringing calls ring on in the others;
 *        with resumeCalls, on a bye or a released lock its answered calls wait for the tab's
 *        reload instead (call-claims.ts)
 * ```
 * Any tab may run a call's methods by name (`call-op`): the signalling is here and the media
 * requests go to the owner, so hold, mute or DTMF from another tab act on the owner's media.
 * The owner is the tab of the call's media, so a reloaded tab can take its calls back (#15).
 */
import { Grammar, type Core } from 'sip.js';
import { InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import type { CallSession } from '../sip/call-session';
import type { CallMediaOpener, CallManager } from '../sip/calls';
import { CallClaims, type ClaimHost } from './call-claims';
import type { ChannelPort } from './direct-channel';
import { decodeError, decodeValue, encodeValue, PROTOCOL_VERSION, type CallEventName, type CallSnapshot, type EngineCommand, type EngineMessage, type MediaOp, type MediaSnapshot, type PageMessage } from './protocol';
import { RemoteMedia } from './remote-media';

/** A tab, as the calls need it. */
export interface CallTab {
  readonly id: number;
  readonly port: ChannelPort;
  /** Logged in (as this engine's user): the tab sees calls. */
  user: string | null;
}

/** A call and whether only its owner sees it (an incoming call answered in one tab). */
interface LiveCall {
  readonly session: CallSession;
  ownerOnly: boolean;
  /** The tab that claimed the call after its reload (it sees the call before its media is open). */
  claimant?: CallTab | undefined;
}

interface PendingMedia {
  tab: CallTab;
  resolve(reply: { value: unknown; state: MediaSnapshot | null }): void;
  reject(err: Error): void;
}

/** Events of a call that every tab that sees it gets (`remotestream` stays in the owning tab). */
const FORWARDED = ['ringing', 'answered', 'held', 'resumed', 'muted', 'unmuted', 'remotehold', 'remoteresume', 'reconnecting', 'reconnected', 'dtmf', 'ended'] as const;

/** The call as plain data. */
export function callSnapshot(call: CallSession): CallSnapshot {
  return { id: call.id, direction: call.direction, remote: call.remote, state: call.state, answeredAt: call.answeredAt, muted: call.muted };
}

export class WorkerCalls implements ClaimHost {
  private readonly calls = new Map<string, LiveCall>();
  private readonly pending = new Map<number, PendingMedia>();
  /** A transferred call's new leg → the tab of the old one (its media is made there). */
  private readonly heirs = new Map<string, CallTab>();
  private seq = 0;
  /** Calls kept across a reload of their tab (`resumeCalls`), else `null`. */
  readonly claims: CallClaims | null;

  constructor(
    /** The engine's tabs now. */
    readonly tabs: () => Iterable<CallTab>,
    private readonly logger: Logger,
    /** `callResumeWindowMs`, or `null` (resumeCalls off); `idle`: a kept call ended. */
    resume: { windowMs: number | null; idle: () => void } = { windowMs: null, idle: () => undefined },
  ) {
    this.claims = resume.windowMs === null ? null : new CallClaims(this, resume.windowMs, logger, resume.idle);
  }

  /** Where the engine's CallManager opens each call's media: in the tab that placed or answers it. */
  readonly open: CallMediaOpener = async (call, options) => {
    const tab = options.tab ? [...this.tabs()].find((t) => t.id === options.tab!.id) : this.heirs.get(call.id);
    this.heirs.delete(call.id);
    if (!tab) throw new InvalidStateError('the tab that owns this call is gone');
    const audio = options.audio instanceof Object ? options.audio : undefined;
    const request = (op: MediaOp, args: unknown[]): Promise<{ value: unknown; state: MediaSnapshot | null }> => this.request(tab, call.id, op, args);
    const { state } = await request('open', [{ audio, streamId: options.tab?.streamId, playRemoteAudio: call.playRemoteAudio }]);
    return new RemoteMedia(tab, request, state);
  };

  /** Follows the calls of a new user agent's call manager (`core`: where kept calls' dialogs come back). */
  attach(manager: CallManager, core: Core.UserAgentCore): void {
    this.claims?.attach(manager, core);
    manager.on('tracked', (session) => this.track(session));
    manager.on('incoming', (session) => this.tell(session, 'incoming'));
    manager.on('transferred', (from, next) => {
      const owner = this.ownerOf(from);
      if (owner) this.heirs.set(next.id, owner);
      this.tell(from, 'transferred', callSnapshot(next));
    });
  }

  /** Runs a tab's `call-op` on the call; `answer` makes the tab the call's media owner. */
  run(tab: CallTab, manager: CallManager | undefined, command: Extract<EngineCommand, { op: 'call-op' }>): Promise<unknown> {
    const live = this.calls.get(command.callId);
    if (!live && command.method === 'hangup') return Promise.resolve(); // ended meanwhile: hangup() is safe to call twice
    if (!manager || !live || !this.sees(tab, live)) throw new InvalidStateError(`${command.method}(): call ${command.callId} is not live`);
    const session = live.session;
    const [first, second, third] = command.args;
    switch (command.method) {
      case 'answer': {
        const { audio, streamId, playRemoteAudio } = (first ?? {}) as { audio?: MediaTrackConstraints; streamId?: string; playRemoteAudio?: boolean };
        return manager.answer(session, { ...(audio && { audio }), playRemoteAudio: playRemoteAudio !== false, tab: { id: tab.id, ...(streamId !== undefined && { streamId }) } });
      }
      case 'sendDtmf':
        return session.sendDtmf(String(first), second as 'auto' | 'rtp' | 'info', Number(third));
      case 'transfer': {
        const uri = Grammar.URIParse(String(first));
        if (!uri) throw new TypeError(`transfer(target): ${String(first)} is not a SIP URI`);
        return session.transfer(uri);
      }
      default:
        return Promise.resolve(session[command.method]());
    }
  }

  /** A tab logged in: it is told the live calls it may see (a ringing incoming call rings there too). */
  greet(tab: CallTab): void {
    for (const live of this.calls.values()) {
      const ringing = live.session.direction === 'incoming' && live.session.state === 'ringing';
      if (this.sees(tab, live)) this.post(tab, live.session, ringing ? 'incoming' : 'listed');
    }
  }

  /** A tab is gone: the calls whose media it owns end (BYE) or, `keep`ing, wait for its claim; its media requests fail. */
  detach(tab: CallTab, keep = false): void {
    this.claims?.forget(tab);
    for (const [seq, pending] of this.pending) {
      if (pending.tab !== tab) continue;
      this.pending.delete(seq);
      pending.reject(new InvalidStateError('the tab that owns this call is gone'));
    }
    for (const live of [...this.calls.values()]) if (this.ownerOf(live.session) === tab && !(keep && this.claims?.keep(live.session))) live.session.terminate();
  }

  session(id: string): CallSession | undefined {
    return this.calls.get(id)?.session;
  }

  owner(id: string): CallTab | undefined {
    const live = this.calls.get(id);
    return live && this.ownerOf(live.session);
  }

  inherit(id: string, tab: CallTab): void {
    this.heirs.set(id, tab);
    const live = this.calls.get(id);
    if (live) live.claimant = tab;
  }

  /** A media reply or push from a tab. */
  receive(tab: CallTab, message: Extract<PageMessage, { kind: 'media-reply' | 'media-state' }>): void {
    if (message.kind === 'media-state') {
      const media = this.calls.get(message.callId)?.session.currentMedia;
      if (media instanceof RemoteMedia && media.owner === tab) media.apply(message.state);
      return;
    }
    const pending = this.pending.get(message.seq);
    if (!pending || pending.tab !== tab) return this.logger.warn(`ignored a media reply to no request (#${message.seq})`);
    this.pending.delete(message.seq);
    if (message.ok) pending.resolve({ value: decodeValue(message.value), state: message.state });
    else pending.reject(decodeError(message.error));
  }

  private request(tab: CallTab, callId: string, op: MediaOp, args: unknown[]): Promise<{ value: unknown; state: MediaSnapshot | null }> {
    if (![...this.tabs()].includes(tab)) return Promise.reject(new InvalidStateError('the tab that owns this call is gone'));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { tab, resolve, reject });
      tab.port.postMessage({ voxline: PROTOCOL_VERSION, kind: 'media', seq, callId, op, args: args.map(encodeValue) } satisfies EngineMessage);
    });
  }

  private track(session: CallSession): void {
    // A call taken back after a reload (answered before it was tracked): its claimant's only, as answered calls are.
    const live: LiveCall = { session, ownerOnly: session.direction === 'incoming' && session.answeredAt !== null, claimant: this.heirs.get(session.id) };
    this.calls.set(session.id, live);
    for (const name of FORWARDED) {
      session.on(name, (payload?: unknown) => {
        if (name === 'answered' && session.direction === 'incoming') {
          // Answered in its owner's tab: the call ends in every other one.
          for (const tab of this.tabs()) if (this.sees(tab, live) && tab !== this.ownerOf(session)) this.post(tab, session, 'ended', { reason: 'answered-elsewhere' });
          live.ownerOnly = true;
        }
        if (name === 'ended') this.calls.delete(session.id);
        this.tell(session, name, payload, live);
      });
    }
    if (session.direction === 'outgoing') this.tell(session, 'listed');
  }

  /** Tells every tab that sees the call. */
  private tell(session: CallSession, event: CallEventName, payload?: unknown, live = this.calls.get(session.id)): void {
    if (live) for (const tab of this.tabs()) if (this.sees(tab, live)) this.post(tab, session, event, payload);
  }

  post(tab: CallTab, session: CallSession, event: CallEventName, payload?: unknown): void {
    tab.port.postMessage({ voxline: PROTOCOL_VERSION, kind: 'call', callId: session.id, event, payload: encodeValue(payload), call: callSnapshot(session) } satisfies EngineMessage);
  }

  private sees(tab: CallTab, live: LiveCall): boolean {
    return tab.user !== null && (!live.ownerOnly || this.ownerOf(live.session) === tab || live.claimant === tab);
  }

  private ownerOf(session: CallSession): CallTab | undefined {
    const media = session.currentMedia;
    return media instanceof RemoteMedia ? (media.owner as CallTab) : undefined;
  }
}

/**
 * Shared mode, page side: one call of the SharedWorker engine as this tab sees it, behind the
 * public `Call` (a {@link CallView}). Its state is the last {@link CallSnapshot} the engine sent;
 * its events arrive as `call` messages, once each; its methods run in the engine by name
 * (`call-op`). The remote audio and statistics are this tab's only when it owns the call's media
 * (media-host.ts); otherwise `remoteStream` is `null` and `getStats()` empty.
 */
import { EventEmitter } from '../emitter';
import type { URI } from 'sip.js';
import type { CallView } from '../client/call';
import { InvalidStateError } from '../errors';
import type { CallMedia } from '../media/call-media';
import { readStats, type CallStats } from '../media/stats';
import type { CallLifecycleEvents } from '../sip/call-events';
import type { CallMethod, CallSnapshot } from './protocol';

export interface RemoteCall extends Readonly<CallSnapshot> {}

export class RemoteCall extends EventEmitter<CallLifecycleEvents> implements CallView {
  constructor(
    call: CallSnapshot,
    /** Runs a method of the call in the engine. */
    private readonly run: (method: CallMethod, args: unknown[]) => Promise<unknown>,
    /** The call's media when this tab owns it. */
    private readonly media: () => CallMedia | undefined,
  ) {
    super();
    Object.assign(this, call);
  }

  get remoteStream(): MediaStream | null {
    return this.media()?.remoteStream ?? null;
  }
  get mediaHere(): boolean {
    return this.media() !== undefined;
  }

  /** A `call` message of the engine: the new snapshot, then the event (`ended` once, then silence). */
  apply(call: CallSnapshot, event?: keyof CallLifecycleEvents, payload?: unknown): void {
    if (this.state === 'ended') return;
    Object.assign(this, call, event === 'ended' && { state: 'ended' });
    if (event) (this.emit as (name: string, arg?: unknown) => void)(event, payload);
    if (event === 'ended') this.removeAllListeners();
  }

  reject(): Promise<void> {
    return this.op('reject');
  }
  hangup(): Promise<void> {
    return this.state === 'ended' ? Promise.resolve() : this.op('hangup');
  }
  hold(): Promise<void> {
    return this.op('hold');
  }
  unhold(): Promise<void> {
    return this.op('unhold');
  }
  mute(): void {
    this.toggle(true);
  }
  unmute(): void {
    this.toggle(false);
  }
  sendDtmf(tones: string, method: 'auto' | 'rtp' | 'info', durationMs: number): Promise<'rtp' | 'info'> {
    return this.run('sendDtmf', [tones, method, durationMs]) as Promise<'rtp' | 'info'>;
  }
  transfer(target: URI): Promise<void> {
    return this.op('transfer', target.toString());
  }
  getStats(): Promise<CallStats> {
    return this.media()?.getStats() ?? readStats(undefined);
  }

  private toggle(muted: boolean): void {
    if (this.state === 'ended') throw new InvalidStateError(`${muted ? 'mute' : 'unmute'}() is not possible on a call in state "ended"`);
    Object.assign(this, { muted });
    void this.op(muted ? 'mute' : 'unmute').catch(() => undefined);
  }

  private op(method: CallMethod, ...args: unknown[]): Promise<void> {
    return this.run(method, args) as Promise<void>;
  }
}

/**
 * A call's media as a SharedWorker engine holds it: a {@link CallMedia} whose methods are
 * requests to the tab that owns the call's media (that tab's media-host.ts runs the real one,
 * src/media). The synchronous getters (`signalingState`, `held`, `muted`, `connectionState`)
 * mirror the {@link MediaSnapshot} the tab sends with every reply and with each `media-state`
 * push; a change of `connectionState` reaches the call's delegate as it would from a media in the
 * page. The synchronous methods (`restartIce`, `renew`, `setMuted`, `close`) are sent without
 * waiting: the port keeps messages in order, so the tab runs them in the order the call made them.
 * The remote audio plays in the owning tab only (`remoteStream` is `null` here), and the
 * microphone and speaker are switched there too (client.audio of that tab).
 */
import { InvalidStateError } from '../errors';
import type { AcceptAnswerOptions, AnswerOptions, CallMedia, CallMediaDelegate, DtmfToneOptions, MediaConnectionState, OfferOptions, RtpDtmfResult } from '../media/call-media';
import type { CallStats } from '../media/stats';
import type { MediaOp, MediaSnapshot } from './protocol';

/** Sends one media request to the owning tab; settles with its reply. */
export type MediaRequest = (op: MediaOp, args: unknown[]) => Promise<{ value: unknown; state: MediaSnapshot | null }>;

export class RemoteMedia implements CallMedia {
  delegate: CallMediaDelegate | undefined;
  signalingState: MediaSnapshot['signalingState'] = 'stable';
  held = false;
  muted = false;
  connectionState: MediaConnectionState = 'new';
  /** The remote audio plays in the owning tab only. */
  readonly remoteStream = null;

  constructor(
    /** The tab that owns this media. */
    readonly owner: object,
    private readonly request: MediaRequest,
    state: MediaSnapshot | null,
  ) {
    if (state) this.apply(state);
  }

  createOffer(options?: OfferOptions): Promise<string> {
    return this.call('createOffer', [options]) as Promise<string>;
  }

  acceptAnswer(sdp: string, options?: AcceptAnswerOptions): Promise<void> {
    return this.call('acceptAnswer', [sdp, options]) as Promise<void>;
  }

  createAnswer(offer: string, options?: AnswerOptions): Promise<string> {
    return this.call('createAnswer', [offer, options]) as Promise<string>;
  }

  rollback(): Promise<void> {
    return this.call('rollback', []) as Promise<void>;
  }

  sendDtmf(tones: string, options?: DtmfToneOptions): Promise<RtpDtmfResult> {
    return this.call('sendDtmf', [tones, options]) as Promise<RtpDtmfResult>;
  }

  getStats(): Promise<CallStats> {
    return this.call('getStats', []) as Promise<CallStats>;
  }

  replaceInput(): Promise<void> {
    return Promise.reject(new InvalidStateError('the devices of a shared-mode call are switched in the tab that owns it (client.audio)'));
  }

  setOutputDevice(): Promise<void> {
    return this.replaceInput();
  }

  restartIce(): void {
    this.send('restartIce', []);
  }

  renew(): void {
    this.send('renew', []);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.send('setMuted', [muted]);
  }

  close(): void {
    if (this.signalingState === 'closed') return;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
    void this.request('close', []).catch(() => undefined);
  }

  /** What the owning tab reports; a new `connectionState` goes to the delegate. */
  apply(state: MediaSnapshot): void {
    if (this.signalingState === 'closed') return;
    const moved = state.connectionState !== this.connectionState;
    ({ signalingState: this.signalingState, held: this.held, muted: this.muted, connectionState: this.connectionState } = state);
    if (moved) this.delegate?.onConnectionState?.(state.connectionState);
  }

  private async call(op: MediaOp, args: unknown[]): Promise<unknown> {
    if (this.signalingState === 'closed') throw new InvalidStateError(`${op}() on a closed media`);
    const { value, state } = await this.request(op, args);
    if (state) this.apply(state);
    return value;
  }

  private send(op: MediaOp, args: unknown[]): void {
    if (this.signalingState !== 'closed') void this.call(op, args).catch(() => undefined);
  }
}

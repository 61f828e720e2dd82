/**
 * A {@link CallMedia} for unit tests of the call layer: it keeps the contract's offer/answer
 * states (and rejects calls made in the wrong one, as the real media does), writes every call
 * into `log`, makes recognisable SDP (`v=0 offer 1 hold=false`), and lets a test fail or hold
 * back the next call of a method.
 */
import type { AcceptAnswerOptions, AnswerOptions, CallMedia, CallMediaDelegate, DtmfToneOptions, MediaConnectionState, OfferOptions, RtpDtmfResult } from '../src/media/call-media';
import type { CallStats } from '../src/media/stats';

type Method = 'createOffer' | 'acceptAnswer' | 'createAnswer';

export class FakeCallMedia implements CallMedia {
  delegate: CallMediaDelegate | undefined;
  signalingState: CallMedia['signalingState'] = 'stable';
  held = false;
  muted = false;
  remoteStream: MediaStream | null = null;
  connectionState: MediaConnectionState = 'connected';
  /** Inbound RTP packets `getStats()` reports (a test makes them grow or stop). */
  packetsReceived = 0;
  /** Every call, e.g. `createOffer hold=false`, `acceptAnswer v=0 answer`, `rollback`, `close`. */
  readonly log: string[] = [];
  /** Makes the next call of a method reject with this error. */
  readonly failNext: Partial<Record<Method, Error>> = {};
  /** Makes the next call of a method wait until the promise given resolves. */
  readonly holdNext: Partial<Record<Method, Promise<void>>> = {};
  /** Whether RFC 4733 DTMF "works" (sendDtmf's result; the reason when not: `rtpDtmfReason`). */
  rtpDtmf = false;
  rtpDtmfReason = 'the answer has no telephone-event';
  private made = 0;
  /** restartIce() was called: the next offer restarts ICE (logged `createOffer … iceRestart`). */
  private iceRestartNext = false;
  private offeredHold = false;
  private heldBeforeOffer = false;

  constructor(readonly audio: { stream: MediaStream; owned: boolean; playRemoteAudio: boolean } | null = null) {}

  async createOffer(options: OfferOptions = {}): Promise<string> {
    const iceRestart = (options.iceRestart ?? false) || this.iceRestartNext;
    this.log.push(`createOffer hold=${String(options.hold ?? false)}${iceRestart ? ' iceRestart' : ''}`);
    await this.gate('createOffer', 'stable');
    this.signalingState = 'have-local-offer';
    this.iceRestartNext = false;
    this.heldBeforeOffer = this.held;
    this.offeredHold = options.hold ?? false;
    this.held = this.offeredHold;
    return `v=0 offer ${++this.made} hold=${String(this.offeredHold)}\r\n`;
  }

  async acceptAnswer(sdp: string, options: AcceptAnswerOptions = {}): Promise<void> {
    this.log.push(`acceptAnswer${options.provisional ? ' provisional' : ''} ${sdp.trim()}`);
    await this.gate('acceptAnswer', 'have-local-offer');
    if (!options.provisional) this.signalingState = 'stable';
  }

  async createAnswer(offer: string, options: AnswerOptions = {}): Promise<string> {
    this.log.push(`createAnswer hold=${String(options.hold ?? false)} to ${offer.trim()}`);
    await this.gate('createAnswer', 'stable');
    this.held = options.hold ?? false;
    return `v=0 answer ${++this.made} hold=${String(this.held)}\r\n`;
  }

  async replaceInput(stream: MediaStream, owned: boolean): Promise<void> {
    this.log.push(`replaceInput ${stream.id} owned=${String(owned)}`);
  }

  async setOutputDevice(deviceId: string | null): Promise<void> {
    this.log.push(`setOutputDevice ${String(deviceId)}`);
  }

  restartIce(): void {
    this.log.push('restartIce');
    this.iceRestartNext = true;
  }

  renew(): void {
    this.log.push('renew');
  }

  async rollback(): Promise<void> {
    if (this.signalingState !== 'have-local-offer') return;
    this.log.push('rollback');
    this.signalingState = 'stable';
    this.held = this.heldBeforeOffer;
  }

  setMuted(muted: boolean): void {
    this.log.push(`setMuted ${String(muted)}`);
    this.muted = muted;
  }

  async sendDtmf(tones: string, options: DtmfToneOptions = {}): Promise<RtpDtmfResult> {
    this.log.push(`sendDtmf ${tones} ${options.durationMs ?? 100}`);
    return this.rtpDtmf && this.signalingState !== 'closed' ? { sent: true } : { sent: false, reason: this.rtpDtmfReason };
  }

  getStats(): Promise<CallStats> {
    return Promise.resolve({ rttMs: null, jitterMs: null, packetsLost: 0, packetsReceived: this.packetsReceived, mos: null, codec: 'fake', bytesSent: 0, bytesReceived: 0, inboundAudioEnergy: 0, outboundAudioEnergy: 0, inboundAudioLevel: 0 });
  }

  close(): void {
    if (this.signalingState === 'closed') return;
    this.log.push('close');
    this.signalingState = 'closed';
  }

  /** The peer connection's connectivity changes. */
  setConnectionState(state: MediaConnectionState): void {
    this.connectionState = state;
    this.delegate?.onConnectionState?.(state);
  }

  /** The remote audio arrives. */
  receiveRemoteStream(stream: MediaStream): void {
    this.remoteStream = stream;
    this.delegate?.onRemoteStream?.(stream);
  }

  /** The calls made so far, without the SDP. */
  get calls(): string[] {
    return this.log.map((line) => line.replace(/ (to )?v=0[\s\S]*$/, ''));
  }

  private async gate(method: Method, required: CallMedia['signalingState']): Promise<void> {
    if (this.signalingState !== required) throw new Error(`${method}() in state ${this.signalingState}`);
    const wait = this.holdNext[method];
    delete this.holdNext[method];
    if (wait) await wait;
    if (this.signalingState === 'closed') throw new Error(`${method}(): closed`);
    const error = this.failNext[method];
    delete this.failNext[method];
    if (error) throw error;
  }
}

/**
 * A stand-in for src/sip/media.ts's `pageCallMedia`, for `vi.mock('../sip/media', …)` in the
 * shared-mode tests: each Client (each tab) that asks for its media factory adds a list to
 * `byTab`, and every media that tab makes is a {@link FakeCallMedia} pushed onto that list.
 */
export function fakePageCallMedia(byTab: FakeCallMedia[][]): () => (audio: FakeCallMedia['audio']) => FakeCallMedia {
  return () => {
    const made: FakeCallMedia[] = [];
    byTab.push(made);
    return (audio) => {
      const media = new FakeCallMedia(audio);
      made.push(media);
      return media;
    };
  };
}

/**
 * One call's WebRTC audio in the page: its `RTCPeerConnection`, the local audio it sends (the
 * stream acquired before the INVITE or the answer), the remote audio it receives and plays, hold
 * by transceiver direction, mute, RFC 4733 DTMF and statistics. It implements {@link CallMedia},
 * whose doc comment draws the offer/answer states; nothing here knows about SIP.
 */
import { InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import { stopStream } from './audio-source';
import type { AcceptAnswerOptions, AnswerOptions, CallMedia, CallMediaDelegate, DtmfToneOptions, MediaConnectionState, OfferOptions, RtpDtmfResult } from './call-media';
import { watchIceGathering, type IceWait } from './ice-gathering';
import { RemoteAudio } from './remote-audio';
import { answerDirection, iceUfrag, offerDirection, offeredDirection, rtpDtmfProblem } from './sdp';
import { readStats, type CallStats } from './stats';

/** What an {@link AudioPeer} is made of. */
export interface AudioPeerOptions {
  /** The audio to send: the stream's first audio track. */
  localStream: MediaStream;
  /**
   * Stop the local stream's tracks on `close()`: true when the SDK opened the microphone, false
   * for the application's own stream (which it keeps using).
   * @defaultValue false
   */
  ownsLocalStream?: boolean;
  /**
   * STUN/TURN servers. With none, host candidates are enough to send a description.
   * @defaultValue []
   */
  iceServers?: RTCIceServer[];
  /**
   * Which ICE candidates the peer connection may use: `relay` only TURN-relayed ones.
   * @defaultValue 'all'
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * The longest wait for a usable candidate before a description goes out anyway, in ms.
   * @defaultValue 2000
   */
  iceGatheringTimeoutMs?: number;
  /**
   * Play the remote audio through a hidden `<audio>` element the SDK owns.
   * @defaultValue true
   */
  playRemoteAudio?: boolean;
  /** Where debug lines go. @defaultValue none */
  logger?: Logger;
  /** Makes the peer connection (tests pass a fake). @defaultValue `new RTCPeerConnection(configuration)` */
  createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
  /** Makes the remote stream (tests pass a fake). @defaultValue `new MediaStream()` */
  createMediaStream?: () => MediaStream;
}

/** Length of a DTMF tone, and gap between tones, when not given, in ms. */
const DTMF_DURATION_MS = 100;
const DTMF_GAP_MS = 70;

/** Hold state and audio directions, restored when an offer is withdrawn or fails. */
interface Snapshot {
  held: boolean;
  directions: RTCRtpTransceiverDirection[];
}

/** One call's audio over WebRTC: see the file's doc comment. */
export class AudioPeer implements CallMedia {
  delegate: CallMediaDelegate | undefined;
  private pc: RTCPeerConnection | null;
  private sender: RTCRtpSender;
  private track: MediaStreamTrack;
  private state: CallMedia['signalingState'] = 'stable';
  private busy: string | null = null;
  private wait: IceWait | null = null;
  private beforeOffer: Snapshot | null = null;
  private _held = false;
  private _muted = false;
  private remote: MediaStream | null = null;
  private connection: MediaConnectionState = 'new';
  private readonly remoteAudio = new RemoteAudio();

  constructor(private readonly options: AudioPeerOptions) {
    const track = options.localStream.getAudioTracks()[0];
    if (!track) throw new TypeError('AudioPeer: the local stream has no audio track');
    this.track = track;
    [this.pc, this.sender] = this.open();
  }

  /** A new peer connection sending our track. */
  private open(): [RTCPeerConnection, RTCRtpSender] {
    const options = this.options;
    const create = options.createPeerConnection ?? ((configuration) => new RTCPeerConnection(configuration));
    const configuration: RTCConfiguration = { bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers: options.iceServers ?? [] };
    if (options.iceTransportPolicy === 'relay') configuration.iceTransportPolicy = 'relay';
    const pc = create(configuration);
    pc.addEventListener('track', this.onTrack);
    pc.addEventListener('iceconnectionstatechange', this.onConnectivity);
    pc.addEventListener('connectionstatechange', this.onConnectivity);
    return [pc, pc.addTrack(this.track, options.localStream)];
  }

  renew(): void {
    const old = this.begin('renew', 'stable');
    this.busy = null;
    this.detach(old);
    old.close();
    [this.pc, this.sender] = this.open();
    this.connection = 'new'; // the new connection's states follow (onConnectivity)
    this.applyTrack();
  }

  get signalingState(): CallMedia['signalingState'] {
    return this.state;
  }

  get held(): boolean {
    return this._held;
  }

  get muted(): boolean {
    return this._muted;
  }

  get remoteStream(): MediaStream | null {
    return this.remote?.getAudioTracks().length ? this.remote : null;
  }

  get connectionState(): MediaConnectionState {
    return this.connection;
  }

  async createOffer(options: OfferOptions = {}): Promise<string> {
    const pc = this.begin('createOffer', 'stable');
    const hold = options.hold ?? false;
    const before = this.snapshot();
    try {
      for (const t of this.audioTransceivers()) {
        const direction = offerDirection(t.direction, hold);
        if (t.direction !== direction) t.direction = direction;
      }
      const offer = await pc.createOffer(options.iceRestart ? { iceRestart: true } : undefined);
      const sdp = await this.describe(pc, offer, hold, 'createOffer');
      this.beforeOffer = before;
      return sdp;
    } catch (err) {
      if (this.state === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      this.restore(before);
      throw err;
    } finally {
      this.busy = null;
    }
  }

  async acceptAnswer(sdp: string, options: AcceptAnswerOptions = {}): Promise<void> {
    const pc = this.begin('acceptAnswer', 'have-local-offer');
    try {
      await pc.setRemoteDescription({ type: options.provisional ? 'pranswer' : 'answer', sdp });
      this.assertOpen('acceptAnswer');
      if (options.provisional) return;
      this.state = 'stable';
      this.beforeOffer = null;
    } finally {
      this.busy = null;
    }
  }

  async createAnswer(offer: string, options: AnswerOptions = {}): Promise<string> {
    const pc = this.begin('createAnswer', 'stable');
    const hold = options.hold ?? false;
    const before = this.snapshot();
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      this.assertOpen('createAnswer');
      const direction = answerDirection(offeredDirection(offer), hold);
      for (const t of this.audioTransceivers()) if (t.direction !== 'stopped' && t.direction !== direction) t.direction = direction;
      const answer = await pc.createAnswer();
      return await this.describe(pc, answer, hold, 'createAnswer');
    } catch (err) {
      if (this.pc && pc.signalingState === 'have-remote-offer') await pc.setRemoteDescription({ type: 'rollback' }).catch(() => undefined);
      this.restore(before);
      throw err;
    } finally {
      this.busy = null;
    }
  }

  restartIce(): void {
    this.pc?.restartIce();
  }

  async rollback(): Promise<void> {
    if (this.state === 'stable') return;
    const pc = this.begin('rollback', 'have-local-offer');
    try {
      await pc.setLocalDescription({ type: 'rollback' });
      this.assertOpen('rollback');
      this.state = 'stable';
      if (this.beforeOffer) this.restore(this.beforeOffer);
      this.beforeOffer = null;
    } finally {
      this.busy = null;
    }
  }

  setMuted(muted: boolean): void {
    this._muted = muted;
    this.applyTrack();
  }

  async replaceInput(stream: MediaStream, owned: boolean): Promise<void> {
    const track = stream.getAudioTracks()[0];
    if (!track) throw new TypeError('replaceInput(stream): the stream has no audio track');
    this.assertOpen('replaceInput');
    track.enabled = !this._muted && !this._held;
    await this.sender.replaceTrack(track);
    const previous = { stream: this.options.localStream, owned: this.options.ownsLocalStream ?? false };
    this.track = track;
    this.options.localStream = stream;
    this.options.ownsLocalStream = owned;
    if (previous.owned && previous.stream !== stream) stopStream(previous.stream);
  }

  setOutputDevice(deviceId: string | null): Promise<void> {
    return this.remoteAudio.setSinkId(deviceId ?? '');
  }

  async sendDtmf(tones: string, options: DtmfToneOptions = {}): Promise<RtpDtmfResult> {
    const pc = this.pc;
    const dtmf = pc ? this.sender.dtmf : null;
    if (!pc || !dtmf) return { sent: false, reason: pc ? 'the browser has no RTP DTMF sender' : "the call's media is closed" };
    // The answer of the last exchange: the remote one to our offer, or ours to theirs.
    const answer = pc.currentRemoteDescription?.type === 'answer' ? pc.currentRemoteDescription : pc.currentLocalDescription;
    const problem = answer?.type === 'answer' ? rtpDtmfProblem(answer.sdp) : 'no answer was negotiated yet';
    if (problem) return { sent: false, reason: problem };
    if (dtmf.canInsertDTMF === false) return { sent: false, reason: 'the browser cannot send DTMF on this call' };
    try {
      dtmf.insertDTMF(tones, options.durationMs ?? DTMF_DURATION_MS, options.interToneGapMs ?? DTMF_GAP_MS);
      return { sent: true };
    } catch (err) {
      return { sent: false, reason: `the browser refused the tones (${(err as Error).message})` };
    }
  }

  getStats(): Promise<CallStats> {
    return readStats(this.pc ?? undefined);
  }

  close(): void {
    const pc = this.pc;
    if (!pc) return;
    this.pc = null;
    this.state = 'closed';
    this.wait?.cancel();
    this.remoteAudio.stop();
    this.connection = 'closed';
    this.detach(pc);
    if (this.options.ownsLocalStream) stopStream(this.options.localStream);
    pc.close();
  }

  private detach(pc: RTCPeerConnection): void {
    pc.removeEventListener('track', this.onTrack);
    pc.removeEventListener('iceconnectionstatechange', this.onConnectivity);
    pc.removeEventListener('connectionstatechange', this.onConnectivity);
  }

  /**
   * Sets our description, waits until it holds usable candidates (fast ICE, see
   * ice-gathering.ts; a description with a new ufrag waits for its own generation), and returns
   * its SDP. The hold state takes effect once the description is set.
   */
  private async describe(pc: RTCPeerConnection, description: RTCSessionDescriptionInit, hold: boolean, method: string): Promise<string> {
    this.assertOpen(method);
    const previous = iceUfrag(pc.localDescription?.sdp);
    const next = iceUfrag(description.sdp);
    const restartUfrag = previous !== undefined && next !== previous ? next : undefined;
    const started = Date.now();
    const wait = (this.wait = watchIceGathering(pc, { hostIsEnough: !this.options.iceServers?.length, timeoutMs: this.options.iceGatheringTimeoutMs ?? 2000, restartUfrag }));
    try {
      await pc.setLocalDescription(description);
      this.assertOpen(method);
      if (description.type === 'offer') this.state = 'have-local-offer';
      this.setHeld(hold);
      wait.described();
      await wait.ready;
    } finally {
      wait.cancel();
      this.wait = null;
    }
    this.assertOpen(method);
    const sdp = pc.localDescription?.sdp ?? '';
    this.options.logger?.debug(`${description.type} ready in ${Date.now() - started} ms with ${sdp.split('\na=candidate:').length - 1} candidate(s)${restartUfrag ? ' (ICE restart)' : ''}`);
    return sdp;
  }

  private readonly onTrack = (event: Event): void => {
    const track = (event as RTCTrackEvent).track;
    if (track.kind !== 'audio' || !this.pc) return;
    const stream = (this.remote ??= this.options.createMediaStream?.() ?? new MediaStream());
    if (!stream.getTrackById(track.id)) {
      for (const old of stream.getAudioTracks()) stream.removeTrack(old);
      stream.addTrack(track);
    }
    if (this.options.playRemoteAudio ?? true) this.remoteAudio.play(stream);
    this.delegate?.onRemoteStream?.(stream);
  };

  /** Both of the peer connection's states, as one {@link MediaConnectionState}; the delegate hears each change. */
  private readonly onConnectivity = (): void => {
    const pc = this.pc;
    if (!pc) return;
    const ice = pc.iceConnectionState;
    const peer = pc.connectionState;
    let state: MediaConnectionState;
    if (ice === 'failed' || peer === 'failed') state = 'failed';
    else if (ice === 'disconnected' || peer === 'disconnected') state = 'disconnected';
    else if (ice === 'connected' || ice === 'completed') state = 'connected';
    else state = ice === 'new' ? 'new' : 'connecting';
    if (state === this.connection) return;
    this.connection = state;
    this.delegate?.onConnectionState?.(state);
  };

  private begin(method: string, required: 'stable' | 'have-local-offer'): RTCPeerConnection {
    const pc = this.assertOpen(method);
    if (this.busy) throw new InvalidStateError(`${method}(): ${this.busy}() is still in progress on this call's media`);
    if (this.state !== required) throw new InvalidStateError(`${method}() is not possible on this call's media in state "${this.state}"`);
    this.busy = method;
    return pc;
  }

  private assertOpen(method: string): RTCPeerConnection {
    if (!this.pc) throw new InvalidStateError(`${method}(): this call's media is closed`);
    return this.pc;
  }

  private audioTransceivers(): RTCRtpTransceiver[] {
    return this.pc?.getTransceivers().filter((t) => t.sender === this.sender || t.receiver.track?.kind === 'audio') ?? [];
  }

  private snapshot(): Snapshot {
    return { held: this._held, directions: this.audioTransceivers().map((t) => t.direction) };
  }

  private restore(snapshot: Snapshot): void {
    if (!this.pc) return;
    this.audioTransceivers().forEach((t, i) => {
      const direction = snapshot.directions[i];
      if (direction && direction !== 'stopped' && t.direction !== direction) t.direction = direction;
    });
    this.setHeld(snapshot.held);
  }

  private setHeld(held: boolean): void {
    if (this._held === held) return;
    this._held = held;
    this.applyTrack();
  }

  /** The microphone track sends only when neither muted nor held. */
  private applyTrack(): void {
    this.track.enabled = !this._muted && !this._held;
  }
}

/**
 * An in-memory RTCPeerConnection for unit tests of the page-side media (src/media) and of the
 * SIP adapter on top of it: offer/answer states, transceivers and their directions, ICE
 * candidates released by the test one at a time, DTMF and remote tracks. Its SDP is a tiny text
 * holding what the media reads: `a=ice-ufrag`, the audio direction and `a=candidate` lines.
 * Everything it is asked to do is recorded in `calls`.
 */

let ids = 0;

export class FakeTrack {
  readonly id = `track-${++ids}`;
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly kind: 'audio' | 'video' = 'audio') {}
  stop(): void {
    this.readyState = 'ended';
  }
}

export class FakeStream {
  constructor(private tracks: FakeTrack[] = []) {}
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getTrackById(id: string): FakeTrack | null {
    return this.tracks.find((t) => t.id === id) ?? null;
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: FakeTrack): void {
    this.tracks = this.tracks.filter((t) => t !== track);
  }
  /** As the DOM type, for code under test. */
  get asMediaStream(): MediaStream {
    return this as unknown as MediaStream;
  }
}

export class FakeDtmfSender {
  canInsertDTMF = true;
  readonly inserted: { tones: string; duration: number; gap: number }[] = [];
  insertDTMF(tones: string, duration: number, gap: number): void {
    if (!this.canInsertDTMF) throw new DOMException('telephone-event not negotiated', 'InvalidStateError');
    this.inserted.push({ tones, duration, gap });
  }
}

export class FakeTransceiver {
  direction: RTCRtpTransceiverDirection;
  readonly sender: { track: FakeTrack | null; dtmf: FakeDtmfSender | null };
  readonly receiver = { track: new FakeTrack('audio') };
  constructor(track: FakeTrack | null, direction: RTCRtpTransceiverDirection) {
    this.sender = { track, dtmf: track ? new FakeDtmfSender() : null };
    this.direction = direction;
  }
}

type Description = { type: RTCSdpType; sdp: string };

export class FakePeerConnection extends EventTarget {
  /** Every fake made since the last `reset()`. */
  static created: FakePeerConnection[] = [];
  static reset(): void {
    FakePeerConnection.created = [];
  }

  readonly calls: string[] = [];
  signalingState: RTCSignalingState = 'stable';
  iceGatheringState: RTCIceGatheringState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  connectionState: RTCPeerConnectionState = 'new';
  readonly transceivers: FakeTransceiver[] = [];
  /** The next call of this method rejects with this error. */
  failNext: { method: string; error: Error } | null = null;
  private current: Description | null = null;
  private pending: Description | null = null;
  private remote: Description | null = null;
  private remoteCurrent: Description | null = null;
  private ufrag = '';
  private generation = 0;
  private restartNext = false;
  private readonly candidates = new Map<string, string[]>();

  constructor(readonly configuration: RTCConfiguration) {
    super();
    FakePeerConnection.created.push(this);
  }

  get localDescription(): Description | null {
    const d = this.pending ?? this.current;
    return d && { type: d.type, sdp: d.sdp + (this.candidates.get(iceUfragOf(d.sdp)) ?? []).map((c) => `a=${c}\r\n`).join('') };
  }

  get remoteDescription(): Description | null {
    return this.remote;
  }

  /** The remote description of the last completed exchange (a pranswer is not one). */
  get currentRemoteDescription(): Description | null {
    return this.remoteCurrent;
  }

  get currentLocalDescription(): Description | null {
    return this.current;
  }

  /** The ufrag of the generation being gathered (set by the last setLocalDescription). */
  get gatheringUfrag(): string {
    return iceUfragOf(this.localDescription?.sdp ?? '');
  }

  addTrack(track: FakeTrack): FakeTransceiver['sender'] {
    const t = new FakeTransceiver(track, 'sendrecv');
    this.transceivers.push(t);
    return t.sender;
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  getSenders(): FakeTransceiver['sender'][] {
    return this.transceivers.map((t) => t.sender);
  }

  /** The next offer restarts ICE (as `RTCPeerConnection.restartIce()`). */
  restartIce(): void {
    this.record('restartIce');
    this.restartNext = true;
  }

  async createOffer(options?: RTCOfferOptions): Promise<Description> {
    const iceRestart = (options?.iceRestart ?? false) || this.restartNext;
    this.restartNext = false;
    this.record('createOffer', iceRestart ? 'iceRestart' : '');
    if (!this.ufrag || iceRestart) this.ufrag = `u${++this.generation}`;
    return { type: 'offer', sdp: this.sdp() };
  }

  async createAnswer(): Promise<Description> {
    this.record('createAnswer');
    if (this.signalingState !== 'have-remote-offer') throw new DOMException('no remote offer', 'InvalidStateError');
    if (!this.ufrag) this.ufrag = `u${++this.generation}`;
    return { type: 'answer', sdp: this.sdp() };
  }

  async setLocalDescription(d: { type: RTCSdpType; sdp?: string }): Promise<void> {
    this.record('setLocalDescription', d.type);
    if (d.type === 'rollback') {
      this.pending = null;
      this.signalingState = 'stable';
      return;
    }
    const description = { type: d.type, sdp: d.sdp ?? '' };
    if (d.type === 'offer') {
      this.pending = description;
      this.signalingState = 'have-local-offer';
    } else {
      this.current = description;
      this.remoteCurrent = this.remote;
      this.pending = null;
      this.signalingState = 'stable';
    }
  }

  async setRemoteDescription(d: { type: RTCSdpType; sdp?: string }): Promise<void> {
    this.record('setRemoteDescription', d.type);
    if (d.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    if (!d.sdp?.startsWith('v=0')) throw new DOMException('Failed to parse SessionDescription', 'OperationError');
    if ((d.type === 'answer' || d.type === 'pranswer') && this.signalingState !== 'have-local-offer' && this.signalingState !== 'have-remote-pranswer') throw new DOMException('no local offer', 'InvalidStateError');
    if (d.type === 'offer') {
      // A remote ICE restart restarts ours too.
      if (this.remote && iceUfragOf(this.remote.sdp) !== iceUfragOf(d.sdp)) this.ufrag = `u${++this.generation}`;
    }
    this.remote = { type: d.type, sdp: d.sdp };
    if (d.type === 'answer') {
      this.current = this.pending;
      this.pending = null;
      this.remoteCurrent = this.remote;
    }
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : d.type === 'pranswer' ? 'have-remote-pranswer' : 'stable';
  }

  /** Gathering starts (as after setLocalDescription): state `gathering`. */
  startGathering(): void {
    this.iceGatheringState = 'gathering';
    this.dispatchEvent(new Event('icegatheringstatechange'));
  }

  /** A candidate of the generation being gathered (or of `ufrag`) arrives. */
  gather(type: 'host' | 'srflx' | 'relay', ufrag = this.gatheringUfrag): void {
    const line = `candidate:${this.candidates.size + 1} 1 udp 1 10.0.0.${(this.candidates.get(ufrag)?.length ?? 0) + 1} 5000 typ ${type} generation 0 ufrag ${ufrag}`;
    this.candidates.set(ufrag, [...(this.candidates.get(ufrag) ?? []), line]);
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate: line, type, usernameFragment: ufrag } }));
  }

  /** Gathering completes: the end-of-candidates event, then state `complete`. */
  completeGathering(): void {
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }));
    this.iceGatheringState = 'complete';
    this.dispatchEvent(new Event('icegatheringstatechange'));
  }

  /** ICE (and the peer connection) change state: the events a browser fires. */
  setConnectivity(ice: RTCIceConnectionState, peer: RTCPeerConnectionState = this.connectionState): void {
    const iceChanged = ice !== this.iceConnectionState;
    const peerChanged = peer !== this.connectionState;
    this.iceConnectionState = ice;
    this.connectionState = peer;
    if (iceChanged) this.dispatchEvent(new Event('iceconnectionstatechange'));
    if (peerChanged) this.dispatchEvent(new Event('connectionstatechange'));
  }

  /** A remote track arrives. */
  receiveTrack(track: FakeTrack): void {
    this.dispatchEvent(Object.assign(new Event('track'), { track }));
  }

  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    return new Map([['in', { type: 'inbound-rtp', kind: 'audio', jitter: 0.002, packetsLost: 1, packetsReceived: 99, bytesReceived: 1234, totalAudioEnergy: 0.5, audioLevel: 0.1 }]]);
  }

  close(): void {
    this.record('close');
    this.signalingState = 'closed';
  }

  /** The direction the audio section of our next description carries. */
  private sdp(): string {
    const direction = this.transceivers[0]?.direction ?? 'sendrecv';
    return `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:${this.ufrag}\r\na=${direction}\r\n`;
  }

  private record(method: string, detail = ''): void {
    this.calls.push(detail ? `${method} ${detail}` : method);
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = null;
      throw error;
    }
  }
}

function iceUfragOf(sdp: string): string {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '';
}

/** An SDP offer or answer from the remote side, with an audio direction and a ufrag. */
export function remoteSdp(direction: RTCRtpTransceiverDirection = 'sendrecv', ufrag = 'remote1'): string {
  return `v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:${ufrag}\r\na=${direction}\r\n`;
}

/** A local audio stream of one fake track. */
export function fakeLocalStream(): { stream: MediaStream; track: FakeTrack } {
  const track = new FakeTrack('audio');
  return { stream: new FakeStream([track]).asMediaStream, track };
}

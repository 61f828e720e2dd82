/**
 * Media for calls: the microphone, a session description handler that does not wait for full
 * ICE gathering, remote audio playback, and call quality statistics.
 */
import { Web, type Session, type SessionDescriptionHandlerFactory } from 'sip.js';
import { MediaError } from '../errors';

/** What `call()`/`answer()` accept as `audio`: constraints for the microphone, or your own stream. */
export type AudioSource = MediaTrackConstraints | MediaStream | boolean | undefined;

/**
 * Opens the microphone (or takes the stream given). Permission denied, no device, or a device
 * in use become a {@link MediaError} that says so.
 */
export async function acquireAudio(source: AudioSource): Promise<{ stream: MediaStream; owned: boolean }> {
  if (typeof MediaStream !== 'undefined' && source instanceof MediaStream) {
    if (source.getAudioTracks().length === 0) throw new TypeError('"audio": the MediaStream given has no audio track');
    return { stream: source, owned: false };
  }
  const devices = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
  if (!devices?.getUserMedia) throw new MediaError('this browser cannot capture audio (navigator.mediaDevices.getUserMedia is missing; pages must be served over https or from localhost)');
  const audio = source === undefined || source === true ? true : (source as MediaTrackConstraints | false);
  if (audio === false) throw new TypeError('"audio": false is not supported; a call needs an audio source');
  try {
    return { stream: await devices.getUserMedia({ audio, video: false }), owned: true };
  } catch (cause) {
    const name = (cause as { name?: string }).name;
    const why =
      name === 'NotAllowedError' || name === 'SecurityError'
        ? 'microphone permission was denied'
        : name === 'NotFoundError' || name === 'OverconstrainedError'
          ? 'no microphone matches the request'
          : name === 'NotReadableError'
            ? 'the microphone is in use by another application or could not be started'
            : `the microphone could not be opened (${name ?? String(cause)})`;
    throw new MediaError(why, { cause });
  }
}

/** Stops every track of a stream we own. */
export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/**
 * A sip.js session description handler that sends the offer/answer as soon as a usable ICE
 * candidate exists (plus a short grace for its siblings) instead of waiting for gathering to
 * complete. With no ICE servers, host candidates are usable; with STUN/TURN, a server-reflexive
 * or relay candidate is awaited (up to the gathering timeout).
 */
class FastIceSessionDescriptionHandler extends Web.SessionDescriptionHandler {
  constructor(
    logger: ConstructorParameters<typeof Web.SessionDescriptionHandler>[0],
    mediaStreamFactory: Web.MediaStreamFactory,
    configuration: Web.SessionDescriptionHandlerConfiguration,
    private readonly hostIsEnough: boolean,
  ) {
    super(logger, mediaStreamFactory, configuration);
  }

  override waitForIceGatheringComplete(restart = false, timeout = 0): Promise<void> {
    const waiting = super.waitForIceGatheringComplete(restart, timeout);
    const pc = this.peerConnection;
    if (!pc || pc.iceGatheringState === 'complete') return waiting;
    const usable = (c: RTCIceCandidate | null): boolean => !!c && (this.hostIsEnough || c.type === 'srflx' || c.type === 'relay');
    let grace: ReturnType<typeof setTimeout> | undefined;
    const onCandidate = (ev: RTCPeerConnectionIceEvent): void => {
      if (grace === undefined && usable(ev.candidate)) grace = setTimeout(() => this.iceGatheringComplete(), ICE_GRACE_MS);
    };
    pc.addEventListener('icecandidate', onCandidate);
    const done = (): void => {
      pc.removeEventListener('icecandidate', onCandidate);
      if (grace !== undefined) clearTimeout(grace);
    };
    // Candidates gathered before we started listening are already in the local description.
    if (this.hostIsEnough && /\r\na=candidate:/.test(pc.localDescription?.sdp ?? '')) grace = setTimeout(() => this.iceGatheringComplete(), 0);
    return waiting.then(done, (err: unknown) => {
      done();
      throw err;
    });
  }
}

/** How long to let sibling candidates arrive after the first usable one, in ms. */
export const ICE_GRACE_MS = 20;

/**
 * The factory sip.js uses to create each call's media handler. The stream for each session is
 * looked up with `streamFor(session)` (acquired before the INVITE or the answer).
 */
export function sessionDescriptionHandlerFactory(iceServers: RTCIceServer[], streamFor: (session: Session) => MediaStream | undefined): SessionDescriptionHandlerFactory {
  const hostIsEnough = iceServers.length === 0;
  return (session) => {
    const factory: Web.MediaStreamFactory = async () => {
      const stream = streamFor(session);
      if (!stream) throw new MediaError('no audio source for this call');
      return stream;
    };
    const logger = session.userAgent.getLogger('sip.SessionDescriptionHandler');
    return new FastIceSessionDescriptionHandler(
      logger,
      factory,
      { iceGatheringTimeout: 2000, peerConnectionConfiguration: { bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers } },
      hostIsEnough,
    );
  };
}

/** Call quality, from the browser's WebRTC statistics. */
export interface CallStats {
  /** Round-trip time reported by the remote side (RTCP), in ms; `null` until known. */
  rttMs: number | null;
  /** Jitter of the received audio, in ms. */
  jitterMs: number | null;
  /** Packets lost in the received audio. */
  packetsLost: number;
  /** Packets received in the audio from the other side. */
  packetsReceived: number;
  /** Estimated mean opinion score (1–4.5) from the ITU-T G.107 E-model, or `null` until known. */
  mos: number | null;
  /** Audio codec in use, e.g. `opus`. */
  codec: string | null;
  /** Audio bytes sent so far (RTP payload). */
  bytesSent: number;
  /** Audio bytes received so far (RTP payload). */
  bytesReceived: number;
  /** Total energy of the received audio so far (grows while the other side is heard). */
  inboundAudioEnergy: number;
  /** Total energy of the audio captured for sending so far (grows while the microphone hears sound). */
  outboundAudioEnergy: number;
  /** Received audio level now, 0–1. */
  inboundAudioLevel: number;
}

/** Simplified E-model: R from one-way delay and loss, then MOS. */
export function estimateMos(rttMs: number, jitterMs: number, lossFraction: number): number {
  const delay = rttMs / 2 + jitterMs * 2 + 10;
  const delayImpairment = delay < 160 ? delay / 40 : (delay - 120) / 10;
  const lossImpairment = 95 * (lossFraction / (lossFraction + 0.1)) * 0.8; // Opus-like robustness
  const r = Math.max(0, Math.min(93.2, 93.2 - delayImpairment - lossImpairment));
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.round(Math.max(1, Math.min(4.5, mos)) * 100) / 100;
}

/** Reads {@link CallStats} from a peer connection. */
export async function readStats(pc: RTCPeerConnection | undefined): Promise<CallStats> {
  const stats: CallStats = { rttMs: null, jitterMs: null, packetsLost: 0, packetsReceived: 0, mos: null, codec: null, bytesSent: 0, bytesReceived: 0, inboundAudioEnergy: 0, outboundAudioEnergy: 0, inboundAudioLevel: 0 };
  if (!pc) return stats;
  const report = await pc.getStats();
  let packetsReceived = 0;
  let codecId: string | undefined;
  report.forEach((s: Record<string, unknown>) => {
    const num = (k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0);
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      stats.jitterMs = num('jitter') * 1000;
      stats.packetsLost += num('packetsLost');
      packetsReceived += num('packetsReceived');
      stats.bytesReceived += num('bytesReceived');
      stats.inboundAudioEnergy += num('totalAudioEnergy');
      stats.inboundAudioLevel = Math.max(stats.inboundAudioLevel, num('audioLevel'));
      codecId = (s.codecId as string | undefined) ?? codecId;
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      stats.bytesSent += num('bytesSent');
    } else if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number') {
      stats.rttMs = (s.roundTripTime as number) * 1000;
    } else if (s.type === 'media-source' && s.kind === 'audio') {
      stats.outboundAudioEnergy += num('totalAudioEnergy');
    } else if (s.type === 'candidate-pair' && s.nominated && stats.rttMs === null && typeof s.currentRoundTripTime === 'number') {
      stats.rttMs = (s.currentRoundTripTime as number) * 1000;
    }
  });
  if (codecId) {
    const codec = report.get(codecId) as { mimeType?: string } | undefined;
    stats.codec = codec?.mimeType?.replace(/^audio\//i, '').toLowerCase() ?? null;
  }
  stats.packetsReceived = packetsReceived;
  if (stats.rttMs !== null && stats.jitterMs !== null) {
    const total = packetsReceived + stats.packetsLost;
    stats.mos = estimateMos(stats.rttMs, stats.jitterMs, total > 0 ? Math.max(0, stats.packetsLost) / total : 0);
  }
  return stats;
}

/** Plays a remote stream through an `<audio>` element the SDK owns; `stop()` removes it. */
export class RemoteAudio {
  private element: HTMLAudioElement | null = null;

  play(stream: MediaStream): void {
    const doc = (globalThis as { document?: Document }).document;
    if (!doc) return;
    if (!this.element) {
      this.element = doc.createElement('audio');
      this.element.autoplay = true;
      this.element.setAttribute('data-voxline', 'remote-audio');
      this.element.style.display = 'none';
      doc.body?.appendChild(this.element);
    }
    if (this.element.srcObject !== stream) this.element.srcObject = stream;
    this.element.play().catch(() => {
      // Autoplay may need a user gesture; the element keeps trying once allowed.
    });
  }

  stop(): void {
    if (!this.element) return;
    this.element.pause();
    this.element.srcObject = null;
    this.element.remove();
    this.element = null;
  }
}

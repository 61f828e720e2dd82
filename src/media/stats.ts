/**
 * Call quality from the browser's WebRTC statistics: what `call.getStats()` returns, and the
 * E-model estimate of the mean opinion score.
 */

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

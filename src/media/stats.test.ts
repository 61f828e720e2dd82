import { describe, expect, it } from 'vitest';
import { estimateMos, readStats } from './stats';

describe('estimateMos', () => {
  it('is near the top on a clean loopback link', () => {
    expect(estimateMos(1, 0.5, 0)).toBeGreaterThanOrEqual(4.3);
    expect(estimateMos(1, 0.5, 0)).toBeLessThanOrEqual(4.5);
  });

  it('falls with delay and with loss, and stays within 1..4.5', () => {
    const clean = estimateMos(20, 2, 0);
    expect(estimateMos(400, 2, 0)).toBeLessThan(clean);
    expect(estimateMos(20, 2, 0.05)).toBeLessThan(clean);
    expect(estimateMos(20, 2, 0.2)).toBeLessThan(estimateMos(20, 2, 0.05));
    expect(estimateMos(5000, 500, 1)).toBe(1);
  });
});

describe('readStats', () => {
  it('reads audio RTP, RTT, codec and energy from a stats report, and estimates the MOS', async () => {
    const report = new Map<string, Record<string, unknown>>([
      ['in', { type: 'inbound-rtp', kind: 'audio', jitter: 0.004, packetsLost: 2, packetsReceived: 198, bytesReceived: 5000, totalAudioEnergy: 0.25, audioLevel: 0.3, codecId: 'c1' }],
      ['out', { type: 'outbound-rtp', kind: 'audio', bytesSent: 4000 }],
      ['rin', { type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.05 }],
      ['src', { type: 'media-source', kind: 'audio', totalAudioEnergy: 0.5 }],
      ['c1', { type: 'codec', mimeType: 'audio/OPUS' }],
    ]);
    const stats = await readStats({ getStats: async () => report } as unknown as RTCPeerConnection);
    expect(stats).toEqual({ rttMs: 50, jitterMs: 4, packetsLost: 2, packetsReceived: 198, mos: estimateMos(50, 4, 0.01), codec: 'opus', bytesSent: 4000, bytesReceived: 5000, inboundAudioEnergy: 0.25, outboundAudioEnergy: 0.5, inboundAudioLevel: 0.3 });
  });

  it('is all empty without a peer connection', async () => {
    expect(await readStats(undefined)).toEqual({ rttMs: null, jitterMs: null, packetsLost: 0, packetsReceived: 0, mos: null, codec: null, bytesSent: 0, bytesReceived: 0, inboundAudioEnergy: 0, outboundAudioEnergy: 0, inboundAudioLevel: 0 });
  });
});

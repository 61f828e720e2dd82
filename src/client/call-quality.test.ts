import { EventEmitter } from '../emitter';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallView } from './call';
import type { CallStats } from '../sip/media';
import { CallQuality, QUALITY_SAMPLE_MS } from './call-quality';
import { DEFAULT_QUALITY_THRESHOLDS } from '../options';
import type { QualityChanges } from './quality-warnings';

/** A CallSession stand-in: state, mute and getStats() driven by the test. */
class FakeSession extends EventEmitter {
  state = 'ringing';
  muted = false;
  statsCalls = 0;
  rttMs = 20;
  private energy = 0;
  private received = 0;
  getStats(): Promise<CallStats> {
    this.statsCalls++;
    this.energy += 0.01;
    this.received += 50;
    return Promise.resolve({ rttMs: this.rttMs, jitterMs: 2, packetsLost: 0, packetsReceived: this.received, mos: 4.3, codec: 'opus', bytesSent: 0, bytesReceived: 0, inboundAudioEnergy: this.energy, outboundAudioEnergy: this.energy, inboundAudioLevel: 0.1 });
  }
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('CallQuality', () => {
  it('samples once a second only while answered, raises a warning from the stats, and stops for good at "ended"', async () => {
    const session = new FakeSession();
    const changes: QualityChanges[] = [];
    const quality = new CallQuality(session as unknown as CallView, DEFAULT_QUALITY_THRESHOLDS, (c) => changes.push(c));
    await vi.advanceTimersByTimeAsync(5 * QUALITY_SAMPLE_MS);
    expect(session.statsCalls).toBe(0); // still ringing
    session.state = 'answered';
    session.emit('answered');
    session.rttMs = 900;
    await vi.advanceTimersByTimeAsync(5 * QUALITY_SAMPLE_MS);
    expect(session.statsCalls).toBe(5);
    expect(changes.flatMap((c) => c.raised.map((w) => w.name))).toEqual(['high-rtt']);
    expect(quality.active.map((w) => w.name)).toEqual(['high-rtt']);
    session.state = 'ended';
    session.emit('ended', { reason: 'local-hangup' });
    await vi.advanceTimersByTimeAsync(10 * QUALITY_SAMPLE_MS);
    expect(session.statsCalls).toBe(5);
    expect(vi.getTimerCount()).toBe(0);
  });
});

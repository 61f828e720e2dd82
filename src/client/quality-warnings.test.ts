import { describe, expect, it } from 'vitest';
import { CLEAR_AFTER, QualityWarnings, RAISE_AFTER, type QualitySample, type QualityWarning } from './quality-warnings';

/** A 1 Hz series: each entry overrides a healthy sample; counters accumulate as getStats() does. */
function series(monitor: QualityWarnings, steps: Array<Partial<QualitySample> & { lostPerSecond?: number; inEnergy?: number; outEnergy?: number }>) {
  const raised: QualityWarning[] = [];
  const cleared: QualityWarning[] = [];
  let packetsLost = 0;
  let packetsReceived = 0;
  let inboundAudioEnergy = 0;
  let outboundAudioEnergy = 0;
  steps.forEach((step, i) => {
    const lost = step.lostPerSecond ?? 0;
    packetsLost += lost;
    packetsReceived += 50 - lost;
    inboundAudioEnergy += step.inEnergy ?? 0.01;
    outboundAudioEnergy += step.outEnergy ?? 0.01;
    const sample: QualitySample = { at: 1000 * (i + 1), rttMs: 20, jitterMs: 2, mos: 4.3, packetsLost, packetsReceived, inboundAudioEnergy, outboundAudioEnergy, expectInbound: true, expectOutbound: true, ...step };
    const changes = monitor.update(sample);
    raised.push(...changes.raised);
    cleared.push(...changes.cleared);
  });
  return { raised, cleared };
}

const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe('QualityWarnings', () => {
  it('raises high-rtt once after a sustained window and clears it once after recovery', () => {
    const m = new QualityWarnings();
    const { raised, cleared } = series(m, [...repeat(2, {}), ...repeat(10, { rttMs: 600 }), ...repeat(10, { rttMs: 50 })]);
    expect(raised.map((w) => [w.name, w.value, w.threshold])).toEqual([['high-rtt', 600, 400]]);
    expect(raised[0]!.at).toBe((2 + RAISE_AFTER) * 1000); // at the RAISE_AFTER-th bad sample
    expect(cleared.map((w) => w.name)).toEqual(['high-rtt']);
    expect(m.active).toEqual([]);
  });

  it('does not raise on a short spike', () => {
    const { raised } = series(new QualityWarnings(), [{}, ...repeat(RAISE_AFTER - 1, { jitterMs: 80 }), ...repeat(5, {}), ...repeat(RAISE_AFTER - 1, { jitterMs: 80 }), {}]);
    expect(raised).toEqual([]);
  });

  it('does not flap on a series hugging the threshold: one warning, never cleared while it hovers', () => {
    const hugging = Array.from({ length: 60 }, (_, i) => ({ jitterMs: i % 2 === 0 ? 31 : 29 }));
    const steps = [{}, ...repeat(RAISE_AFTER, { jitterMs: 35 }), ...hugging];
    const { raised, cleared } = series(new QualityWarnings(), steps);
    expect(raised.map((w) => w.name)).toEqual(['high-jitter']);
    expect(cleared).toEqual([]);
  });

  it('packet loss is measured per interval, in percent, against the threshold from the options', () => {
    const m = new QualityWarnings({ packetLossPercent: 10 });
    // 5 of 50 packets lost a second = 10 %: not above 10.
    expect(series(m, repeat(8, { lostPerSecond: 5 })).raised).toEqual([]);
    const { raised, cleared } = series(new QualityWarnings({ packetLossPercent: 10 }), [...repeat(6, { lostPerSecond: 10 }), ...repeat(CLEAR_AFTER + 1, {})]);
    expect(raised.map((w) => [w.name, w.value, w.threshold])).toEqual([['high-packet-loss', 20, 10]]);
    expect(cleared.map((w) => w.name)).toEqual(['high-packet-loss']);
  });

  it('low-mos below the threshold, cleared only 0.1 above it', () => {
    const { raised, cleared } = series(new QualityWarnings(), [{}, ...repeat(4, { mos: 3.2 }), ...repeat(CLEAR_AFTER, { mos: 3.55 }), ...repeat(CLEAR_AFTER, { mos: 3.7 })]);
    expect(raised.map((w) => w.name)).toEqual(['low-mos']);
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.value).toBe(3.7);
  });

  it('no-inbound-audio when packets carry silence (the far end muted), cleared when audio returns', () => {
    const { raised, cleared } = series(new QualityWarnings(), [{}, {}, ...repeat(5, { inEnergy: 0 }), ...repeat(CLEAR_AFTER, {})]);
    expect(raised.map((w) => w.name)).toEqual(['no-inbound-audio']);
    expect(cleared.map((w) => w.name)).toEqual(['no-inbound-audio']);
  });

  it('no-outbound-audio when our microphone is silent, but never while muted or held (nothing expected)', () => {
    const muted = series(new QualityWarnings(), [{}, ...repeat(10, { outEnergy: 0, expectOutbound: false })]);
    expect(muted.raised).toEqual([]);
    const silentMic = series(new QualityWarnings(), [{}, ...repeat(5, { outEnergy: 0 })]);
    expect(silentMic.raised.map((w) => w.name)).toEqual(['no-outbound-audio']);
  });

  it('an audio warning clears at once when the audio is no longer expected (call put on hold)', () => {
    const { raised, cleared } = series(new QualityWarnings(), [{}, ...repeat(4, { inEnergy: 0 }), { inEnergy: 0, expectInbound: false }]);
    expect(raised.map((w) => w.name)).toEqual(['no-inbound-audio']);
    expect(cleared.map((w) => w.name)).toEqual(['no-inbound-audio']);
  });
});

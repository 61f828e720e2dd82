/**
 * Call quality warnings: turns a series of 1 Hz statistics samples into `warning` and
 * `warningcleared` events, each exactly once per change, with hysteresis so a value hugging a
 * threshold does not flap.
 *
 * Per warning name:
 * ```txt
 *            bad for RAISE_AFTER samples in a row             good (past the margin) for
 *   clear ──────────────────────────────────────────▶ active ──CLEAR_AFTER samples in a row──▶ clear
 *     ▲  (a good sample resets the count)      (warning)  │  (a bad or borderline sample     (warningcleared)
 *     └────────────────────────────────────────────────────┘   resets the count)
 * ```
 * "Good past the margin": a value must come back 10 % inside its threshold (MOS: 0.1 above it)
 * before it counts towards clearing, so a series oscillating around the threshold stays in one
 * state.
 */

import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds } from '../options';

/** The quality problems a call reports. */
export type QualityWarningName = 'high-rtt' | 'high-jitter' | 'high-packet-loss' | 'low-mos' | 'no-inbound-audio' | 'no-outbound-audio';

/** Payload of a call's `warning` and `warningcleared` events. */
export interface QualityWarning {
  /** Which problem. */
  name: QualityWarningName;
  /**
   * The measured value that raised or cleared it: ms for `high-rtt`/`high-jitter`, percent for
   * `high-packet-loss`, MOS for `low-mos`, audio energy per second for the audio warnings.
   */
  value: number;
  /** The threshold it was compared with, in the same unit. */
  threshold: number;
  /** `Date.now()` when it was raised or cleared. */
  at: number;
}

/** Consecutive bad samples (one a second) before a warning is raised. */
export const RAISE_AFTER = 3;
/** Consecutive good samples before it is cleared. */
export const CLEAR_AFTER = 5;
/** Audio energy per second below which a stream counts as silent. */
export const SILENCE_ENERGY_PER_SECOND = 1e-6;

/** One statistics sample: cumulative counters, as `getStats()` reports them, plus what to expect. */
export interface QualitySample {
  at: number;
  rttMs: number | null;
  jitterMs: number | null;
  mos: number | null;
  packetsLost: number;
  packetsReceived: number;
  inboundAudioEnergy: number;
  outboundAudioEnergy: number;
  /** Audio from the other side is expected (answered, not on hold). */
  expectInbound: boolean;
  /** Our microphone should be heard (answered, not on hold, not muted). */
  expectOutbound: boolean;
}

/** What one sample changed. */
export interface QualityChanges {
  raised: QualityWarning[];
  cleared: QualityWarning[];
}

/** A measured value for one warning: `bad`, `good` (past the margin), or borderline (`null` value: unknown). */
interface Reading {
  value: number;
  threshold: number;
  bad: boolean;
  good: boolean;
}

interface Tracker {
  bad: number;
  good: number;
  active: QualityWarning | null;
}

const NAMES: readonly QualityWarningName[] = ['high-rtt', 'high-jitter', 'high-packet-loss', 'low-mos', 'no-inbound-audio', 'no-outbound-audio'];

function above(value: number | null, threshold: number): Reading | null {
  return value === null ? null : { value, threshold, bad: value > threshold, good: value <= threshold * 0.9 };
}

export class QualityWarnings {
  private readonly thresholds: Required<QualityThresholds>;
  private readonly trackers = new Map<QualityWarningName, Tracker>(NAMES.map((name) => [name, { bad: 0, good: 0, active: null }]));
  private previous: QualitySample | null = null;

  constructor(thresholds: QualityThresholds = {}) {
    this.thresholds = { ...DEFAULT_QUALITY_THRESHOLDS, ...thresholds };
  }

  /** The warnings active now. */
  get active(): QualityWarning[] {
    return [...this.trackers.values()].flatMap((t) => (t.active ? [t.active] : []));
  }

  /** Feeds one sample; returns what was raised and cleared by it. */
  update(sample: QualitySample): QualityChanges {
    const previous = this.previous;
    this.previous = sample;
    const changes: QualityChanges = { raised: [], cleared: [] };
    if (!previous) return changes;
    const seconds = Math.max(0.001, (sample.at - previous.at) / 1000);
    for (const name of NAMES) this.step(name, this.read(name, sample, previous, seconds), sample.at, changes);
    return changes;
  }

  private read(name: QualityWarningName, now: QualitySample, before: QualitySample, seconds: number): Reading | null {
    const t = this.thresholds;
    switch (name) {
      case 'high-rtt':
        return above(now.rttMs, t.rttMs);
      case 'high-jitter':
        return now.expectInbound ? above(now.jitterMs, t.jitterMs) : null;
      case 'high-packet-loss': {
        const lost = Math.max(0, now.packetsLost - before.packetsLost);
        const received = Math.max(0, now.packetsReceived - before.packetsReceived);
        if (!now.expectInbound || lost + received === 0) return null;
        return above((lost / (lost + received)) * 100, t.packetLossPercent);
      }
      case 'low-mos':
        return now.mos === null || !now.expectInbound ? null : { value: now.mos, threshold: t.mos, bad: now.mos < t.mos, good: now.mos >= t.mos + 0.1 };
      case 'no-inbound-audio': {
        if (!now.expectInbound || !before.expectInbound) return null;
        const energy = Math.max(0, now.inboundAudioEnergy - before.inboundAudioEnergy) / seconds;
        const silent = energy < SILENCE_ENERGY_PER_SECOND || now.packetsReceived === before.packetsReceived;
        return { value: energy, threshold: SILENCE_ENERGY_PER_SECOND, bad: silent, good: !silent };
      }
      case 'no-outbound-audio': {
        if (!now.expectOutbound || !before.expectOutbound) return null;
        const energy = Math.max(0, now.outboundAudioEnergy - before.outboundAudioEnergy) / seconds;
        return { value: energy, threshold: SILENCE_ENERGY_PER_SECOND, bad: energy < SILENCE_ENERGY_PER_SECOND, good: energy >= SILENCE_ENERGY_PER_SECOND };
      }
    }
  }

  private step(name: QualityWarningName, reading: Reading | null, at: number, changes: QualityChanges): void {
    const tracker = this.trackers.get(name)!;
    if (!reading) {
      // Unknown, or not expected now (held, muted): it cannot raise; an active one may clear.
      tracker.bad = 0;
      if (tracker.active && name.startsWith('no-')) this.clear(tracker, { name, value: 0, threshold: tracker.active.threshold, at }, changes);
      return;
    }
    if (reading.bad) {
      tracker.bad++;
      tracker.good = 0;
      if (!tracker.active && tracker.bad >= RAISE_AFTER) {
        tracker.active = { name, value: reading.value, threshold: reading.threshold, at };
        changes.raised.push(tracker.active);
      }
      return;
    }
    tracker.bad = 0;
    tracker.good = reading.good ? tracker.good + 1 : 0;
    if (tracker.active && tracker.good >= CLEAR_AFTER) this.clear(tracker, { name, value: reading.value, threshold: reading.threshold, at }, changes);
  }

  private clear(tracker: Tracker, warning: QualityWarning, changes: QualityChanges): void {
    tracker.active = null;
    tracker.good = 0;
    tracker.bad = 0;
    changes.cleared.push(warning);
  }
}

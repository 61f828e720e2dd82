/**
 * Polls `call.getStats()` while a call is up: four times a second for the level meters (the
 * microphone level from `outboundAudioEnergy`, the remote level from `inboundAudioLevel`), and
 * once a second for a quality sample (RTT, jitter, packets lost per second, MOS) for the chart.
 */
import type { Call, CallStats } from './sdk';

export interface QualitySample {
  at: number;
  rttMs: number | null;
  jitterMs: number | null;
  /** Packets lost since the previous sample (one per second). */
  lost: number | null;
  mos: number | null;
}

export interface QualityListener {
  /** Levels 0–1 on a 60 dB scale, for meters. */
  levels(microphone: number, remote: number): void;
  sample(sample: QualitySample, stats: CallStats): void;
}

const POLL_MS = 250;
const SAMPLE_EVERY = 4;

/** Mean-square energy over an interval → a 0–1 meter position on a 60 dB scale. */
function meterLevel(energyDelta: number, seconds: number): number {
  if (seconds <= 0 || energyDelta <= 0) return 0;
  const rms = Math.sqrt(energyDelta / seconds);
  return linearToMeter(rms);
}

function linearToMeter(amplitude: number): number {
  if (amplitude <= 0) return 0;
  const db = 20 * Math.log10(amplitude);
  return Math.max(0, Math.min(1, (db + 60) / 60));
}

export class QualityMonitor {
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private polls = 0;
  private last: { at: number; energy: number } | null = null;
  /** Cumulative packets lost at the previous quality sample. */
  private sampleLost: number | null = null;

  constructor(
    private readonly call: Call,
    private readonly listener: QualityListener,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.listener.levels(0, 0);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const stats = await this.call.getStats();
      if (this.timer === undefined) return;
      const at = performance.now();
      const previous = this.last;
      this.last = { at, energy: stats.outboundAudioEnergy };
      if (!previous) return;
      this.listener.levels(meterLevel(stats.outboundAudioEnergy - previous.energy, (at - previous.at) / 1000), linearToMeter(stats.inboundAudioLevel));
      if (++this.polls % SAMPLE_EVERY !== 0) return;
      this.sampleLost ??= stats.packetsLost;
      const lost = Math.max(0, stats.packetsLost - this.sampleLost);
      this.sampleLost = stats.packetsLost;
      this.listener.sample({ at: Date.now(), rttMs: stats.rttMs, jitterMs: stats.jitterMs, lost, mos: stats.mos }, stats);
    } catch {
      // The call ended between two polls: nothing to show.
    } finally {
      this.busy = false;
    }
  }
}

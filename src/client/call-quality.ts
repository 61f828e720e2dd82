/**
 * Samples one call's statistics once a second while it is answered or held, and feeds them to
 * {@link QualityWarnings}. Stops for good when the call ends; a `getStats()` that fails or is slow
 * skips that tick (never two samples in flight).
 */
import type { CallView } from './call';
import type { QualityThresholds } from '../options';
import { QualityWarnings, type QualityChanges, type QualityWarning } from './quality-warnings';

/** How often a call's statistics are sampled, in ms. */
export const QUALITY_SAMPLE_MS = 1000;

export class CallQuality {
  private readonly warnings: QualityWarnings;
  private timer: ReturnType<typeof setInterval> | null = null;
  private sampling = false;
  private stopped = false;

  constructor(
    private readonly session: CallView,
    thresholds: QualityThresholds,
    private readonly onChanges: (changes: QualityChanges) => void,
  ) {
    this.warnings = new QualityWarnings(thresholds);
    if (session.state === 'answered' || session.state === 'held') this.start();
    else session.once('answered', () => this.start());
    session.once('ended', () => this.stop());
  }

  /** The warnings active now. */
  get active(): QualityWarning[] {
    return this.warnings.active;
  }

  private start(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setInterval(() => void this.sample(), QUALITY_SAMPLE_MS);
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async sample(): Promise<void> {
    if (this.sampling || this.stopped || this.session.mediaHere === false) return;
    this.sampling = true;
    try {
      const stats = await this.session.getStats();
      if (this.stopped) return;
      const state = this.session.state;
      const live = state === 'answered';
      const changes = this.warnings.update({
        at: Date.now(),
        rttMs: stats.rttMs,
        jitterMs: stats.jitterMs,
        mos: stats.mos,
        packetsLost: stats.packetsLost,
        packetsReceived: stats.packetsReceived,
        inboundAudioEnergy: stats.inboundAudioEnergy,
        outboundAudioEnergy: stats.outboundAudioEnergy,
        expectInbound: live,
        expectOutbound: live && !this.session.muted,
      });
      if (changes.raised.length > 0 || changes.cleared.length > 0) this.onChanges(changes);
    } catch {
      // No statistics this second (the peer connection is closing): try again at the next tick.
    } finally {
      this.sampling = false;
    }
  }
}

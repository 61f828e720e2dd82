/**
 * When a page hears a call's audio again (the reload specs: e2e/call-resume.spec.ts,
 * e2e/shared-resume.spec.ts): a log, every 100 ms, of the received audio energy gained by a
 * client's latest call, its bytes, and the state of the page's newest peer connection.
 */
import type { Page } from '@playwright/test';

/** Received energy gained in one 100 ms sample that counts as "heard" (the fake tone is far above). */
export const HEARD_PER_SAMPLE = 0.00001;

/** One sample: time, energy gained, bytes received/sent so far, and ICE/connection/DTLS states. */
export type EnergySample = { t: number; d: number; rx: number; tx: number; pc: string };
type W = Window & { energyLog?: EnergySample[]; pcs?: RTCPeerConnection[] };

/** In the page: records every RTCPeerConnection made from now on (once per page). */
export function recordPeerConnections(): void {
  const w = window as W;
  if (w.pcs) return;
  const pcs: RTCPeerConnection[] = (w.pcs = []);
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      pcs.push(this);
    }
  };
}

/** Starts logging, every 100 ms, the received energy gained by the latest call of `name` (0 while there is none). */
export async function logEnergy(page: Page, name: string): Promise<void> {
  await page.evaluate(recordPeerConnections);
  await page.evaluate((name) => {
    const w = window as W;
    const log: EnergySample[] = (w.energyLog = []);
    let previous: number | null = null;
    const tick = async (): Promise<void> => {
      const call = window.vx.calls[name]?.at(-1);
      const stats = call && call.state !== 'ended' ? await call.getStats() : null;
      const energy = stats ? stats.inboundAudioEnergy : null;
      const pc = w.pcs!.filter((p) => p.connectionState !== 'closed').at(-1);
      let dtls = '';
      if (pc) (await pc.getStats()).forEach((r: { type: string; dtlsState?: string; dtlsRole?: string }) => void (r.type === 'transport' && (dtls = `${r.dtlsState}/${r.dtlsRole}`)));
      log.push({ t: Date.now(), d: energy !== null && previous !== null ? energy - previous : 0, rx: stats?.bytesReceived ?? 0, tx: stats?.bytesSent ?? 0, pc: pc ? `${pc.iceConnectionState}/${pc.connectionState}/${dtls}` : '' });
      previous = energy;
      setTimeout(() => void tick(), 100);
    };
    void tick();
  }, name);
}

/** The page's energy log so far. */
export const energyLog = (page: Page): Promise<EnergySample[]> => page.evaluate(() => (window as W).energyLog ?? []);

/**
 * The first time at or after `since` when the page heard audio (null if not yet). Energy alone is
 * not enough: the jitter buffer's concealment plays a little while nothing arrives, so a sample
 * counts when all of its 100 ms came after `since` and new bytes arrived in it.
 */
export async function heardAt(page: Page, since: number, threshold = HEARD_PER_SAMPLE): Promise<number | null> {
  const log = await energyLog(page);
  return log.find((s, i) => i > 0 && log[i - 1]!.t >= since && s.d > threshold && s.rx > log[i - 1]!.rx)?.t ?? null;
}

/**
 * The test bed of call-recovery.ts's incident machine: fake peer-connection states, a scripted
 * restart and a fake clock (see src/sip/call-recovery.test.ts).
 */
import { beforeEach, afterEach, vi } from 'vitest';
import { createLogger } from '../src/logger';
import { CallRecovery, type CallRecoveryOptions, type CallReconnected, type CallReconnecting } from '../src/sip/call-recovery';

export interface Bed {
  recovery: CallRecovery;
  events: Array<['reconnecting', CallReconnecting] | ['reconnected', CallReconnected] | ['gaveup', string]>;
  /** Times (ms since the bed started) of each restart() call. */
  restarts: number[];
  /** How the next restarts end: resolve (answer applied), or reject with this error. */
  outcomes: Array<'ok' | Error | 'hang'>;
  interrupts: number;
  packets: number;
  silence: boolean;
  /** The wanted() of the last restart. */
  wanted: () => boolean;
}

export const start = 1_000_000;

export function bed(options: Partial<CallRecoveryOptions> = {}): Bed {
  const b: Bed = { events: [], restarts: [], outcomes: [], interrupts: 0, packets: 0, silence: false, wanted: () => false } as unknown as Bed;
  b.recovery = new CallRecovery(
    {
      restart: (wanted) => {
        b.restarts.push(Date.now() - start);
        b.wanted = wanted;
        const outcome = b.outcomes.shift() ?? 'ok';
        if (outcome === 'hang') return new Promise<void>(() => undefined);
        return outcome === 'ok' ? Promise.resolve() : Promise.reject(outcome);
      },
      interrupt: () => void b.interrupts++,
      inboundPackets: () => Promise.resolve(b.packets),
      silenceExpected: () => b.silence,
      reconnecting: (e) => b.events.push(['reconnecting', e]),
      reconnected: (e) => b.events.push(['reconnected', e]),
      giveUp: (why) => b.events.push(['gaveup', why]),
      logger: createLogger('error', 'test'),
    },
    { timeoutMs: 30_000, sampleMs: 1000, attemptWaitMs: 4000, ...options },
  );
  b.recovery.onMediaState('connected');
  return b;
}

export const names = (b: Bed): string[] => b.events.map(([name]) => name);
export const tick = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

/** Fake timers from {@link start} in every test of the calling file. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

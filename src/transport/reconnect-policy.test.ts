import { describe, expect, it } from 'vitest';
import { DefaultReconnectPolicy } from './reconnect-policy';

const ctx = (attempt: number, elapsedMs: number, extra = {}) => ({ attempt, elapsedMs, server: 'ws://a.test', ...extra });

describe('DefaultReconnectPolicy', () => {
  it('tries at once, then every second for the first 10 s', () => {
    const p = new DefaultReconnectPolicy();
    expect(p.nextDelayMs(ctx(1, 0))).toBe(0);
    expect(p.nextDelayMs(ctx(2, 5))).toBe(1000);
    expect(p.nextDelayMs(ctx(10, 9_000))).toBe(1000);
  });

  it('backs off exponentially with full jitter, within [0, min(cap, base·2^k))', () => {
    const lows = new DefaultReconnectPolicy({ random: () => 0 });
    const highs = new DefaultReconnectPolicy({ random: () => 0.999999 });
    const ceilings = [2000, 4000, 8000, 16000, 30000, 30000, 30000];
    ceilings.forEach((ceiling, k) => {
      const attempt = 11 + k; // attempts 1..10 fit in the fast window (1 immediate + 9 retries 1 s apart)
      expect(lows.nextDelayMs(ctx(attempt, 10_000 + k))).toBe(0);
      const high = highs.nextDelayMs(ctx(attempt, 10_000 + k))!;
      expect(high).toBeLessThan(ceiling);
      expect(high).toBeGreaterThanOrEqual(ceiling - 1);
    });
  });

  it('keeps every jittered delay inside its bounds over many draws', () => {
    const p = new DefaultReconnectPolicy();
    for (let i = 0; i < 500; i++) {
      const d = p.nextDelayMs(ctx(20 + (i % 10), 20_000))!;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(30_000);
    }
  });

  it('honours Retry-After as a minimum', () => {
    const p = new DefaultReconnectPolicy({ random: () => 0 });
    expect(p.nextDelayMs(ctx(1, 0, { retryAfterMs: 5000 }))).toBe(5000);
    expect(p.nextDelayMs(ctx(2, 100, { retryAfterMs: 500 }))).toBe(1000);
  });

  it('is stateless: the same context gives the same answer, whatever came before', () => {
    const p = new DefaultReconnectPolicy({ random: () => 0.5 });
    const first = p.nextDelayMs(ctx(15, 20_000));
    p.nextDelayMs(ctx(1, 0));
    p.nextDelayMs(ctx(40, 90_000));
    expect(p.nextDelayMs(ctx(15, 20_000))).toBe(first);
    expect(first).toBe(15_000); // 0.5 · min(30000, 2000 · 2^4)
  });

  it('gives up after maxAttempts', () => {
    const p = new DefaultReconnectPolicy({ maxAttempts: 3 });
    expect(p.nextDelayMs(ctx(3, 2000))).toBe(1000);
    expect(p.nextDelayMs(ctx(4, 3000))).toBeNull();
  });

  it('ignores undefined settings', () => {
    const p = new DefaultReconnectPolicy({ fastRetryDelayMs: undefined });
    expect(p.nextDelayMs(ctx(2, 1))).toBe(1000);
  });
});

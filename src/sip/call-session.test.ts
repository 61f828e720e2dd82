import { describe, expect, it } from 'vitest';
import { endReasonFor } from './call-session';
import { estimateMos } from './media';

describe('endReasonFor', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'rejected'],
    [404, 'not-found'],
    [604, 'not-found'],
    [487, 'canceled'],
    [480, 'unavailable'],
    [408, 'unavailable'],
    [503, 'unavailable'],
    [488, 'failed'],
    [500, 'failed'],
  ])('SIP %i → %s', (status, reason) => {
    expect(endReasonFor(status)).toBe(reason);
  });
});

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

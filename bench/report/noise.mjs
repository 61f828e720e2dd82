// @ts-check
/**
 * How the report judges noise: the run-to-run spread of each figure and whether a change since
 * the previous results is larger than that spread. Pure functions, no I/O.
 *
 * - The spread of a median is its distribution-free confidence interval from order statistics
 *   (the binomial rule: with n runs, [x(k+1), x(n−k)] covers the true median with probability
 *   1 − 2·P(Bin(n, ½) ≤ k)); no resampling, so the report is reproducible. 95 % needs n ≥ 6
 *   (with 5 runs even [min, max] only covers 93.75 %); below that a figure is "not judged".
 * - A median is "within noise" when the previous run's median lies inside the new interval.
 * - A ratio to a peer (the issue #7 targets) is "within noise" when the previous ratio lies inside
 *   the ratio's range in this run: Voxline's interval over the peer's (low ÷ high, high ÷ low), a
 *   conservative bound, since both libraries ran in the same runs on the same machine.
 * - Deterministic figures (one build, n = 1) have no noise: any difference is a real change.
 */

/**
 * @typedef {{ lo: number, hi: number, coverage: number }} Interval lo / hi may be Infinity ("never")
 * @typedef {{ verdict: 'within noise' | 'higher' | 'lower' | 'unchanged' | 'not judged', change: number | null, why: string }} Judgement
 *   change: new ÷ previous − 1, when both exist
 * @typedef {Record<string, { at: string, median: Record<string, number | null>, n: Record<string, number> }>} Previous
 *   per figure id: the medians it had before the last re-measurement, per library
 */

/** @param {(number | null)[]} samples null = never (sorts last) */
const sorted = (samples) => samples.map((s) => (s === null ? Infinity : s)).sort((a, b) => a - b);

/**
 * Distribution-free confidence interval of the median (order statistics, binomial p = ½): the
 * narrowest symmetric pair of order statistics whose coverage is at least `level`.
 * @param {(number | null)[]} samples
 * @param {number} [level]
 * @returns {Interval | null} null when n is too small to reach `level`
 */
export function medianInterval(samples, level = 0.95) {
  const x = sorted(samples);
  const n = x.length;
  if (n === 0) return null;
  // P(B ≤ k) for B ~ Bin(n, ½), accumulated term by term.
  let term = 0.5 ** n;
  let cdf = term;
  if (1 - 2 * cdf < level) return null;
  let k = 0;
  for (;;) {
    term = (term * (n - k)) / (k + 1);
    const next = cdf + term;
    if (k + 1 >= n / 2 || 1 - 2 * next < level) break;
    cdf = next;
    k++;
  }
  return { lo: /** @type {number} */ (x[k]), hi: /** @type {number} */ (x[n - 1 - k]), coverage: 1 - 2 * cdf };
}

/**
 * Interquartile range (linear interpolation between order statistics), or null under 4 runs or
 * when a quartile is "never".
 * @param {(number | null)[]} samples
 * @returns {{ q1: number, q3: number } | null}
 */
export function interquartile(samples) {
  const x = sorted(samples);
  if (x.length < 4) return null;
  const q = (/** @type {number} */ p) => {
    const pos = (x.length - 1) * p;
    const i = Math.floor(pos);
    const a = /** @type {number} */ (x[i]);
    const b = /** @type {number} */ (x[Math.min(i + 1, x.length - 1)]);
    return a + (b - a) * (pos - i);
  };
  const [q1, q3] = [q(0.25), q(0.75)];
  return Number.isFinite(q1) && Number.isFinite(q3) ? { q1, q3 } : null;
}

/**
 * Range of a ratio a ÷ b from the two intervals (conservative: low ÷ high, high ÷ low).
 * @param {Interval | null} a
 * @param {Interval | null} b
 * @returns {Interval | null}
 */
export function ratioInterval(a, b) {
  if (!a || !b || b.lo <= 0 || !Number.isFinite(b.hi)) return null;
  return { lo: a.lo / b.hi, hi: a.hi / b.lo, coverage: a.coverage * b.coverage };
}

/**
 * Whether a value moved by more than its run-to-run spread since the previous results.
 * @param {number | null | undefined} previous the previous median (or ratio)
 * @param {number | null} current this run's median (or ratio)
 * @param {Interval | null} interval this run's interval, or null if too few runs
 * @param {{ deterministic?: boolean }} [o] one build each: no noise, any difference is real
 * @returns {Judgement}
 */
export function judgeChange(previous, current, interval, o = {}) {
  if (previous === undefined) return { verdict: 'not judged', change: null, why: 'no previous result' };
  if (previous === null || current === null) return { verdict: 'not judged', change: null, why: '"never" on one side' };
  const change = previous === 0 ? null : current / previous - 1;
  const direction = current > previous ? 'higher' : 'lower';
  if (o.deterministic) return current === previous ? { verdict: 'unchanged', change: 0, why: 'deterministic' } : { verdict: direction, change, why: 'deterministic: a real change' };
  if (!interval) return { verdict: 'not judged', change, why: 'too few runs for a 95 % interval (n ≥ 6)' };
  if (previous >= interval.lo && previous <= interval.hi) return { verdict: 'within noise', change, why: 'previous inside the 95 % interval' };
  return { verdict: direction, change, why: 'previous outside the 95 % interval' };
}

/**
 * The medians of a module's figures, per library, to keep as "previous" when they are re-measured.
 * @param {{ ranAt: string, figures: import('../modules.mjs').Figure[] }} m
 * @param {(f: import('../modules.mjs').Figure) => boolean} [which]
 * @returns {Previous}
 */
export function snapshot(m, which = () => true) {
  /** @type {Previous} */
  const out = {};
  for (const f of m.figures.filter(which)) {
    const libs = Object.entries(f.libraries);
    out[f.id] = {
      at: m.ranAt,
      median: Object.fromEntries(libs.map(([l, x]) => [l, x.summary.median])),
      n: Object.fromEntries(libs.map(([l, x]) => [l, x.summary.n])),
    };
  }
  return out;
}

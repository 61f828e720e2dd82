// @ts-check
/**
 * Summary statistics for benchmark samples. A sample of `null` means "did not happen within the
 * cap" and sorts as +Infinity, so a median or p95 can honestly be "never".
 */

/**
 * @typedef {object} Summary
 * @property {number} n number of runs
 * @property {number} never runs where the event did not happen within the cap
 * @property {number | null} capMs the cap used for `never`, if any
 * @property {number | null} median ms (or the figure's unit); null = "never" (half or more never happened)
 * @property {number | null} p95 nearest-rank 95th percentile; null = "never" (a never falls on it)
 * @property {number | null} min null = never
 * @property {number | null} max null = never
 */

/**
 * Nearest-rank percentile (p in (0, 100]) of sorted values.
 * @param {number[]} sorted
 * @param {number} p
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return /** @type {number} */ (sorted[rank - 1]);
}

/**
 * Median (mean of the two middle values for an even count).
 * @param {number[]} sorted
 */
export function median(sorted) {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  if (n % 2 === 1) return /** @type {number} */ (sorted[mid]);
  const a = /** @type {number} */ (sorted[mid - 1]);
  const b = /** @type {number} */ (sorted[mid]);
  return a === Infinity || b === Infinity ? Infinity : (a + b) / 2;
}

/**
 * @param {(number | null)[]} samples
 * @param {number | null} [capMs]
 * @returns {Summary}
 */
export function summarize(samples, capMs = null) {
  const sorted = samples.map((s) => (s === null ? Infinity : s)).sort((a, b) => a - b);
  return {
    n: samples.length,
    never: samples.filter((s) => s === null).length,
    capMs,
    median: finite(median(sorted)),
    p95: finite(percentile(sorted, 95)),
    min: finite(sorted[0] ?? Infinity),
    max: finite(sorted[sorted.length - 1] ?? Infinity),
  };
}

/**
 * Distribution of small integer counts, e.g. events per outage: `{ "1": 20 }`.
 * @param {number[]} counts
 * @returns {{ histogram: Record<string, number>, min: number, max: number, median: number }}
 */
export function countSummary(counts) {
  /** @type {Record<string, number>} */
  const histogram = {};
  for (const c of counts) histogram[String(c)] = (histogram[String(c)] ?? 0) + 1;
  const sorted = [...counts].sort((a, b) => a - b);
  return { histogram, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, median: median(sorted) };
}

/** JSON has no Infinity: "never" is stored as null. @param {number} x */
function finite(x) {
  return Number.isFinite(x) ? round(x) : null;
}

/** @param {number} x */
export function round(x, digits = 1) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

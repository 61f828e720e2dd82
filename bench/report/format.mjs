// @ts-check
/** Number formatting shared by the Markdown report and the SVG chart. */

/**
 * @param {number | null} v
 * @param {string} [unit]
 */
export function fmt(v, unit = 'ms') {
  if (v === null) return 'never';
  if (unit === 'B') {
    const a = Math.abs(v);
    return a < 1024 ? `${Math.round(v)} B` : a < 1024 ** 2 ? `${(v / 1024).toFixed(1)} KiB` : `${(v / 1024 ** 2).toFixed(2)} MiB`;
  }
  if (unit === '×') return `${v.toFixed(v < 10 ? 2 : 1)}×`;
  if (unit === 'count') return String(Math.round(v));
  if (unit === 'msg/s') return `${v < 100 ? v.toFixed(1) : Math.round(v)} msg/s`;
  if (unit !== 'ms') return `${v} ${unit}`;
  if (v < 10) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
}

/**
 * "median / p95", with the cap spelled out when something never happened.
 * @param {import('../lib/stats.mjs').Summary | undefined} s
 * @param {string} [unit]
 */
export function medianP95(s, unit = 'ms') {
  if (!s) return '—';
  const cap = s.capMs !== null ? ` (> ${fmt(s.capMs, unit)}, ${s.never}/${s.n})` : '';
  if (s.median === null) return `never${cap}`;
  if (s.n === 1) return fmt(s.median, unit); // deterministic figure (one build)
  return `${fmt(s.median, unit)} / ${fmt(s.p95, unit)}${s.p95 === null ? cap : ''}`;
}

/**
 * Voxline median ÷ peer median.
 * @param {import('../lib/stats.mjs').Summary | undefined} vox
 * @param {import('../lib/stats.mjs').Summary | undefined} peer
 */
export function ratio(vox, peer) {
  if (!vox || !peer) return '—';
  if (vox.median === null) return peer.median === null ? '— (both never)' : '— (Voxline never)';
  if (peer.median === null) return peer.capMs === null ? '— (peer failed)' : `≪ 1 (peer never in ${fmt(peer.capMs)})`;
  if (peer.median === 0) return '—';
  const r = vox.median / peer.median;
  return `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}×`;
}

/**
 * Distribution of a per-outage count: "1 (20/20)" or "2–6, median 4".
 * @param {{ histogram: Record<string, number>, min: number, max: number, median: number } | undefined} c
 */
export function countText(c) {
  if (!c) return '—';
  const n = Object.values(c.histogram).reduce((a, b) => a + b, 0);
  if (c.min === c.max) return `${c.min} (${n}/${n})`;
  const hist = Object.entries(c.histogram)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
  return `${c.min}–${c.max}, median ${c.median} (${hist})`;
}

/** @param {number} ms */
export function duration(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * The limit a figure's target puts on Voxline, in the figure's unit (a ratio target: the peer's
 * median, or p95, times the ratio); null without a target or when the peer never got there.
 * @param {import('../modules.mjs').Figure} f
 * @param {'median' | 'p95'} [stat]
 */
export function targetLimit(f, stat = 'median') {
  if (!f.target) return null;
  if (f.target.ratio) {
    const peer = f.libraries[f.target.ratio.peer]?.summary[stat];
    return peer === null || peer === undefined ? null : peer * f.target.ratio.max;
  }
  return f.target.maxMs ?? null;
}

/**
 * "20 runs per figure", or the range when figures differ (message bursts, memory runs, peers'
 * blackhole runs); "one build each" when every figure is deterministic.
 * @param {import('../modules.mjs').Figure[]} figures
 */
export function runsText(figures) {
  const ns = [...new Set(figures.flatMap((f) => Object.values(f.libraries).map((l) => l.summary.n)))].sort((a, b) => a - b);
  if (ns.length === 0) return '';
  if (ns.length === 1 && ns[0] === 1) return 'one build each (deterministic, no runs)';
  if (ns.length === 1) return `${ns[0]} runs per figure`;
  return `${ns[0]}–${ns[ns.length - 1]} runs per figure (see the notes)`;
}

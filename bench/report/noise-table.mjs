// @ts-check
/**
 * RESULTS.md's "Run-to-run noise" table of a module: for each main-table figure and library, the
 * median with its 95 % interval and IQR, the previous median, and whether the change is within
 * noise (rules in noise.mjs); for a target relative to a peer, the same for the ratio.
 */
import { fmt } from './format.mjs';
import { interquartile, judgeChange, medianInterval, ratioInterval } from './noise.mjs';

/** @param {string[]} cells */
const row = (cells) => `| ${cells.join(' | ')} |`;

/** @param {import('./noise.mjs').Judgement} j */
function verdictText(j) {
  const pct = j.change === null ? '' : ` (${j.change >= 0 ? '+' : '−'}${Math.abs(j.change * 100).toFixed(Math.abs(j.change) < 0.1 ? 1 : 0)} %)`;
  if (j.verdict === 'within noise' || j.verdict === 'unchanged') return `${j.verdict}${pct}`;
  if (j.verdict === 'not judged') return `not judged: ${j.why}${pct}`;
  return `**${j.verdict}**${pct}${j.why.startsWith('deterministic') ? '' : ', beyond noise'}`;
}

/** @param {import('./noise.mjs').Interval | null} i @param {(v: number) => string} f @param {string} [few] shown without an interval */
const intervalText = (i, f, few = '(too few runs)') => (i ? `[${f(i.lo)}, ${Number.isFinite(i.hi) ? f(i.hi) : 'never'}]` : few);

/**
 * @param {import('./markdown.mjs').StoredModule} m
 * @param {{ id: string, label: string }[]} libs in report order, Voxline first
 * @returns {string} '' when the module has no main-table figure
 */
export function noiseSection(m, libs) {
  const figs = m.figures.filter((f) => !f.informative);
  if (figs.length === 0) return '';
  const previous = m.previous ?? {};
  const head = ['Figure', 'Library', 'Median [95 % interval]', 'IQR', 'Previous median', 'Change vs previous'];
  const lines = [row(head), row(head.map(() => '---'))];
  const [vox] = libs;
  /** @type {Set<string>} */
  const dates = new Set();
  let deterministicSame = 0;
  for (const f of figs) {
    const prev = previous[f.id];
    if (prev) dates.add(prev.at);
    const u = (/** @type {number} */ v) => fmt(v, f.unit);
    for (const lib of libs) {
      const x = f.libraries[lib.id];
      if (!x) continue;
      const deterministic = !!f.deterministic;
      const j = judgeChange(prev?.median[lib.id], x.summary.median, medianInterval(x.samples), { deterministic });
      if (deterministic && j.verdict !== 'higher' && j.verdict !== 'lower') {
        deterministicSame++;
        continue; // one build: only a real change is worth a row
      }
      const iqr = interquartile(x.samples);
      const prevMedian = prev?.median[lib.id];
      lines.push(
        row([
          f.title,
          lib.label,
          `${fmt(x.summary.median, f.unit)}${deterministic ? ' (one build)' : x.summary.median === null ? '' : ` ${intervalText(medianInterval(x.samples), u, `(n = ${x.summary.n} < 6)`)}`}`,
          deterministic ? '—' : iqr ? `${u(iqr.q1)} – ${u(iqr.q3)}` : '—',
          prevMedian === undefined ? '—' : fmt(prevMedian, f.unit),
          verdictText(j),
        ]),
      );
    }
    const peer = f.target?.ratio?.peer;
    const a = vox && f.libraries[vox.id];
    const b = peer ? f.libraries[peer] : undefined;
    if (vox && peer && a && b && a.summary.median !== null && b.summary.median) {
      const ratio = a.summary.median / b.summary.median;
      const range = ratioInterval(medianInterval(a.samples), medianInterval(b.samples));
      const pv = prev?.median[vox.id];
      const pp = prev?.median[peer];
      const prevRatio = pv === undefined || pp === undefined ? undefined : pv === null || !pp ? null : pv / pp;
      const r = (/** @type {number} */ v) => `${v.toFixed(2)}×`;
      const peerLabel = libs.find((l) => l.id === peer)?.label ?? peer;
      lines.push(row([f.title, `${vox.label} ÷ ${peerLabel}`, `${r(ratio)} ${intervalText(range, r)}`, '—', prevRatio == null ? '—' : r(prevRatio), verdictText(judgeChange(prevRatio, ratio, range))]));
    }
  }
  const since = dates.size ? `the previous results of each figure (measured ${[...dates].sort().join(', ')})` : 'the previous results (none stored yet: the next run compares with this one)';
  const text =
    'How noise is judged: each median comes with its distribution-free 95 % interval (order statistics of the runs, binomial rule; needs n ≥ 6) ' +
    'and the IQR (middle half of the runs). A change vs ' + since + ' is "within noise" when the previous median lies inside this run\'s interval; ' +
    "for a target relative to a peer, when the previous ratio lies inside this run's ratio range (Voxline's interval ÷ the peer's, a conservative bound). " +
    'Otherwise it is flagged higher / lower, beyond noise. Deterministic figures (one build) have no noise: any difference is real.' +
    (deterministicSame ? ` ${deterministicSame} one-build figure(s) unchanged or without a previous value are not listed.` : '');
  return ['### Run-to-run noise', text, ...(lines.length > 2 ? [lines.join('\n')] : [])].join('\n\n');
}

// @ts-check
/**
 * bench/RESULTS.md from results.json: per module, the figures table (Voxline vs each peer), the
 * run-to-run noise and the change since the previous results, disconnect notifications per outage, informative figures, machine, configuration and notes.
 */
import { countText, duration, fmt, medianP95, ratio, runsText, targetLimit } from './format.mjs';
import { noiseSection } from './noise-table.mjs';

/**
 * @typedef {import('../modules.mjs').Figure} Figure
 * @typedef {{ id: string, label: string, version: string, config: string }} LibInfo
 * @typedef {{ title: string, ranAt: string, durationMs: number, runs: number, machine: import('../lib/env.mjs').Machine,
 *   config: { libraries?: LibInfo[] } & Record<string, unknown>, figures: Figure[], notes: string[], raw: Record<string, any>,
 *   previous?: import('./noise.mjs').Previous }} StoredModule previous: each figure's medians before its last re-measurement
 * @typedef {{ schema: number, lastRun: { startedAt: string, durationMs: number, argv: string[] }, modules: Record<string, StoredModule> }} Results
 */

/** Each peer's disconnect notification, as the connection adapters report it. @type {Record<string, string>} */
const DISCONNECT_EVENT = { sipjs: 'onDisconnect', simpleuser: 'onServerDisconnect', jssip: 'disconnected' };

/** @param {string[]} cells */
const row = (cells) => `| ${cells.join(' | ')} |`;

/**
 * Libraries of a module, Voxline first.
 * @param {StoredModule} m
 * @returns {LibInfo[]}
 */
function libsOf(m) {
  if (m.config.libraries?.length) return m.config.libraries;
  const ids = [...new Set(m.figures.flatMap((f) => Object.keys(f.libraries)))];
  return ids.map((id) => ({ id, label: id, version: '', config: '' }));
}

/** @param {Figure} f @param {string} lib */
const sum = (f, lib) => f.libraries[lib]?.summary;

/**
 * Whether Voxline met the figure's target: median and p95 within the limit (a ratio target
 * compares median with median and p95 with p95).
 * @param {Figure} f @param {string} vox
 */
function verdict(f, vox) {
  const s = sum(f, vox);
  if (!f.target || !s) return '—';
  const ok = (/** @type {number | null} */ v, /** @type {'median' | 'p95'} */ stat) => {
    const limit = targetLimit(f, stat);
    return v !== null && (limit === null ? !!f.target?.ratio : v <= limit);
  };
  if (ok(s.median, 'median') && ok(s.p95, 'p95')) return 'yes';
  return ok(s.median, 'median') ? '**median only** (p95 over)' : '**no**';
}

/**
 * The issue #7 targets (figures with a `goal`) of every module: measured, met or not, and what
 * would close the gap.
 * @param {Results} results
 */
function targetsSection(results) {
  const head = ['Target', 'Voxline median / p95', 'Reference', 'Met', 'Module'];
  const lines = [row(head), row(head.map(() => '---'))];
  /** @type {string[]} */
  const misses = [];
  let lastFix = '';
  for (const [id, m] of Object.entries(results.modules)) {
    for (const f of m.figures.filter((x) => x.goal)) {
      const goal = /** @type {import('../modules.mjs').Goal} */ (f.goal);
      const peer = f.target?.ratio?.peer;
      const peerLabel = libsOf(m).find((l) => l.id === peer)?.label ?? peer;
      const ref = peer ? `${peerLabel} ${medianP95(sum(f, peer), f.unit)} → limit ${fmt(targetLimit(f), f.unit)} (ratio ${ratio(sum(f, 'voxline'), sum(f, peer))})` : (f.target?.text ?? '—');
      const v = verdict(f, 'voxline');
      lines.push(row([goal.text, medianP95(sum(f, 'voxline'), f.unit), ref, v, `\`${id}\``]));
      const same = misses.length > 0 && lastFix === goal.fix;
      if (v !== 'yes') misses.push(`- **${goal.text}: missed** (${medianP95(sum(f, 'voxline'), f.unit)}). ${same ? 'Same analysis as the previous item.' : `What would close it: ${goal.fix}`}`);
      if (v !== 'yes') lastFix = goal.fix;
    }
  }
  if (lines.length === 2) return '';
  return ['## Targets (issue #7)', 'Reported, never asserted; "Met" = Voxline\'s median and p95 both within the target.', lines.join('\n'), ...(misses.length ? [misses.join('\n')] : [])].join('\n\n');
}

/**
 * The main table of a module: one row per targeted figure.
 * @param {StoredModule} m
 */
export function figuresTable(m) {
  const [vox, ...peers] = libsOf(m);
  if (!vox) return '';
  const head = ['Figure', 'Target', `${vox.label} median / p95`, ...peers.map((p) => `${p.label} median / p95`), ...peers.map((p) => `${vox.label} ÷ ${p.label} (median)`), `${vox.label} meets target`];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const f of m.figures.filter((x) => !x.informative)) {
    lines.push(row([f.title, f.target?.text ?? '—', medianP95(sum(f, vox.id), f.unit), ...peers.map((p) => medianP95(sum(f, p.id), f.unit)), ...peers.map((p) => ratio(sum(f, vox.id), sum(f, p.id))), verdict(f, vox.id)]));
  }
  return lines.join('\n');
}

/** @param {StoredModule} m */
function eventsTable(m) {
  const libs = libsOf(m);
  /** @type {Map<string, Figure>} one figure per part: they share the part's runs */
  const byPart = new Map();
  for (const f of m.figures) if (!byPart.has(f.part) && Object.values(f.libraries).some((l) => l.events)) byPart.set(f.part, f);
  if (byPart.size === 0) return '';
  const head = ['Outage', ...libs.map((l) => `${l.label}: disconnect events`), ...libs.map((l) => `${l.label}: recoveries`)];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const f of byPart.values()) {
    lines.push(row([f.title.replace(/ → .*/, ''), ...libs.map((l) => countText(f.libraries[l.id]?.events?.disconnected)), ...libs.map((l) => countText(f.libraries[l.id]?.events?.recovered))]));
  }
  return lines.join('\n');
}

/**
 * Every other notification per outage (reconnect attempts, transport states, unregistered…).
 * @param {StoredModule} m
 */
function otherEventsTable(m) {
  const libs = libsOf(m);
  /** @type {Map<string, Figure>} */
  const byPart = new Map();
  for (const f of m.figures) if (!byPart.has(f.part) && Object.values(f.libraries).some((l) => l.events)) byPart.set(f.part, f);
  if (byPart.size === 0) return '';
  const head = ['Outage', ...libs.map((l) => l.label)];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const f of byPart.values()) {
    const cells = libs.map((l) => {
      const ev = f.libraries[l.id]?.events ?? {};
      const parts = Object.entries(ev)
        .filter(([type, c]) => type !== 'disconnected' && type !== 'recovered' && c.max > 0)
        .map(([type, c]) => `${type.replace(/^raw:/, '')} ${c.min === c.max ? c.min : `${c.min}–${c.max} (median ${c.median})`}`);
      return parts.join('; ') || '—';
    });
    lines.push(row([f.title.replace(/ → .*/, ''), ...cells]));
  }
  return lines.join('\n');
}

/** @param {StoredModule} m */
function informativeTable(m) {
  const libs = libsOf(m);
  const figs = m.figures.filter((f) => f.informative);
  if (figs.length === 0) return '';
  const head = ['Figure', 'Measured from', ...libs.map((l) => `${l.label} median / p95`)];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const f of figs) lines.push(row([f.title, f.reference, ...libs.map((l) => medianP95(sum(f, l.id), f.unit))]));
  return lines.join('\n');
}

/**
 * Automatic notes: targets Voxline missed, runs that carry a note, unverified recoveries.
 * @param {StoredModule} m
 */
function autoNotes(m) {
  const [vox] = libsOf(m);
  /** @type {string[]} */
  const out = [];
  for (const f of m.figures) {
    const s = vox && sum(f, vox.id);
    if (!f.informative && f.target && s && verdict(f, vox.id) !== 'yes') {
      const limit = targetLimit(f);
      out.push(`**Missed target**: ${f.title}: ${vox.label} ${medianP95(s, f.unit)} vs target ${f.target.text}${f.target.ratio && limit !== null ? ` (${fmt(limit, f.unit)})` : ''}.`);
    }
  }
  for (const [scenario, perLib] of Object.entries(m.raw ?? {})) {
    if (!perLib || typeof perLib !== 'object') continue;
    for (const [lib, runs] of Object.entries(perLib)) {
      if (!Array.isArray(runs)) continue;
      const noted = runs.filter((r) => r && r.note).map((r) => `run ${r.run}: ${r.note}`);
      const unverified = runs.filter((r) => r && r.verified === false && r.recoverMs !== null).length;
      if (noted.length) out.push(`${scenario} / ${lib}: ${noted.slice(0, 5).join('; ')}${noted.length > 5 ? ` (+${noted.length - 5} more)` : ''}.`);
      if (unverified) out.push(`${scenario} / ${lib}: ${unverified} recoveries not confirmed by the server (OPTIONS ≠ 200).`);
    }
  }
  return out;
}

/**
 * @param {string} id
 * @param {StoredModule} m
 */
function moduleSection(id, m) {
  const mc = m.machine;
  const parts = [
    `## ${m.title}`,
    `Module \`${id}\`: measured ${m.ranAt} in ${duration(m.durationMs)}, ${runsText(m.figures)}. ` +
      'Median and nearest-rank p95; "never" = did not happen within the cap. Targets are reported, not asserted.',
    figuresTable(m),
  ];
  const noise = noiseSection(m, libsOf(m));
  if (noise) parts.push(noise);
  const ev = eventsTable(m);
  if (ev) {
    parts.push(
      '### Disconnect notifications per outage',
      "How many times the library's disconnect notification fired per outage, and how many recoveries it reported " +
        `(Voxline \`connectionchange\` must be exactly 1 \`disconnected\` and 1 \`reconnected\`${libsOf(m)
          .filter((l) => DISCONNECT_EVENT[l.id])
          .map((l) => `; ${l.label}: \`${DISCONNECT_EVENT[l.id]}\``)
          .join('')}).`,
      ev,
      'Other notifications per outage (per-run count, or range and median), as seen by the application:',
      otherEventsTable(m),
    );
  }
  const inf = informativeTable(m);
  if (inf) parts.push('### Informative figures', inf);
  parts.push(`![${m.title}](${id}.svg)`);
  const browser = id === 'size' ? '' : ` Chromium ${mc.chromium ?? '?'} (headless); Kamailio ${mc.kamailio ?? '?'};`;
  parts.push('### Machine', `${mc.cpu}, ${mc.cores} cores; Node ${mc.node};${browser} ${mc.os}; network namespace: ${mc.netns}.${mc.load ? ` 1-minute load average during the run (${mc.cores} cores; other jobs may share the machine): ${mc.load}.` : ''}`);
  const libs = libsOf(m);
  if (libs.some((l) => l.config)) parts.push('### How each library was configured', libs.map((l) => `- **${l.label}** ${l.version}: ${l.config}`).join('\n'));
  const notes = [...(m.notes ?? []), ...autoNotes(m)];
  if (notes.length) parts.push('### Notes', notes.map((n) => `- ${n}`).join('\n'));
  return parts.join('\n\n');
}

/**
 * @param {Results} results
 * @returns {string}
 */
export function renderMarkdown(results) {
  const head = [
    '# Voxline benchmarks',
    `Generated by \`npm run bench\` (bench/run.mjs); raw samples in [results.json](results.json). ` +
      `Last run: ${results.lastRun.startedAt}, \`${['npm run bench', ...(results.lastRun.argv.length ? ['--', ...results.lastRun.argv] : [])].join(' ')}\`, ` +
      `${duration(results.lastRun.durationMs)} in total.`,
  ];
  const targets = targetsSection(results);
  if (targets) {
    head.push(
      targets,
      'Hosted SDKs (Twilio Voice JS, Telnyx WebRTC JS, Plivo Browser SDK) were not measured: they need their own clouds (accounts, their signalling servers), ' +
        'and no published figures for them could be cited here, so none are listed.',
    );
  }
  const sections = Object.entries(results.modules).map(([id, m]) => moduleSection(id, m));
  return `${[...head, ...sections].join('\n\n')}\n`;
}

export { fmt };

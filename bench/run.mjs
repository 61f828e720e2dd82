#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench [-- --runs N] [-- --only connection[:close,…]]`: runs the bench modules in
 * Chromium against Kamailio on loopback (inside a private network namespace when root), then
 * writes bench/results.json (raw samples + summaries, merged with earlier modules' results),
 * bench/RESULTS.md and one SVG chart per module (bench/<module>.svg).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchEnv } from './lib/env.mjs';
import { insideNamespace, namespaceStatus, reexecInNamespace } from './lib/netns.mjs';
import { MODULES } from './modules.mjs';
import { duration } from './report/format.mjs';
import { figuresTable, renderMarkdown } from './report/markdown.mjs';
import { snapshot } from './report/noise.mjs';
import { renderSvg } from './report/svg.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const RESULTS = path.join(BENCH, 'results.json');

const USAGE = `usage: npm run bench [-- options]
  --runs N                 runs per figure (default 20)
  --only LIST              modules or module:part, comma-separated (e.g. connection, connection:close,connection:restart)
  --report-only            rewrite RESULTS.md and the SVG charts from results.json, measure nothing
  --no-netns               run on the host network even when a private namespace is possible
  module options (connection): --blackhole-cap S (60), --blackhole-peer-runs N (3), --down S (3), --settle MS (1000)
                (call): --call-settle MS (300)   (messaging): --flood-runs N (3), --flood-size N (1000)
                (memory): --memory-runs N (3), --memory-calls N (100), --memory-settle S (35)
modules: ${MODULES.map((m) => `${m.id} (${m.parts.join(', ')})`).join('; ')}`;

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string>} */
  const flags = {};
  /** @type {string[]} */
  const only = [];
  let runs = 20;
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [key, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const boolean = ['help', 'no-netns', 'report-only'].includes(/** @type {string} */ (key));
    const value = boolean ? 'true' : (inline ?? argv[++i]);
    if (value === undefined) throw new Error(`--${key} needs a value\n${USAGE}`);
    if (key === 'runs') {
      runs = Number(value);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${value}`);
    } else if (key === 'only') only.push(...value.split(',').filter(Boolean));
    else flags[/** @type {string} */ (key)] = value;
  }
  /** @type {Map<string, Set<string> | null>} */
  const selected = new Map();
  for (const item of only.length ? only : MODULES.map((m) => m.id)) {
    const [id, part] = item.split(':');
    const mod = MODULES.find((m) => m.id === id);
    if (!mod) throw new Error(`--only: unknown module "${id}"\n${USAGE}`);
    if (part && !mod.parts.includes(part)) throw new Error(`--only: module ${id} has no part "${part}" (parts: ${mod.parts.join(', ')})`);
    if (!part) selected.set(mod.id, null);
    else if (selected.get(mod.id) !== null) selected.set(mod.id, new Set([...(selected.get(mod.id) ?? []), part]));
  }
  return { runs, flags, selected };
}

/** @returns {import('./report/markdown.mjs').Results} */
function readResults() {
  try {
    return JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  } catch {
    return { schema: 1, lastRun: { startedAt: '', durationMs: 0, argv: [] }, modules: {} };
  }
}

/** @param {string} file @param {string} text */
function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/** @param {import('./report/markdown.mjs').Results} results */
function writeReports(results) {
  writeAtomic(path.join(BENCH, 'RESULTS.md'), renderMarkdown(results));
  for (const [id, m] of Object.entries(results.modules)) writeAtomic(path.join(BENCH, `${id}.svg`), renderSvg(m));
}

/**
 * The medians each figure had before this run re-measured it (the report judges the change against
 * them); figures not re-measured keep the previous values they had.
 * @param {import('./report/markdown.mjs').StoredModule | undefined} old
 * @param {import('./report/markdown.mjs').StoredModule} merged
 * @param {Set<string> | null} parts
 */
function previousOf(old, merged, parts) {
  if (!old) return {};
  const all = { ...(old.previous ?? {}), ...snapshot(old, (f) => !parts || parts.has(f.part)) };
  return Object.fromEntries(merged.figures.filter((f) => all[f.id]).map((f) => [f.id, all[f.id]]));
}

/**
 * Merges a partial re-run (some parts only) into the module's earlier results.
 * @param {import('./report/markdown.mjs').StoredModule | undefined} old
 * @param {import('./report/markdown.mjs').StoredModule} fresh
 * @param {Set<string> | null} parts
 * @param {readonly string[]} order the module's parts, in report order
 */
function merge(old, fresh, parts, order) {
  if (!parts || !old) return fresh;
  const rank = (/** @type {import('./modules.mjs').Figure} */ f) => order.indexOf(f.part);
  const ran = (/** @type {string} */ key) => parts.has(key.split('/')[0] ?? key);
  return {
    ...fresh,
    figures: [...old.figures.filter((f) => !parts.has(f.part)), ...fresh.figures].sort((a, b) => rank(a) - rank(b)),
    notes: [
      ...old.notes.filter((n) => !n.startsWith('Parts re-measured') && ![...parts].some((p) => n.startsWith(`${p}:`))),
      ...fresh.notes,
      `Parts re-measured ${fresh.ranAt} with ${fresh.runs} runs: ${[...parts].join(', ')}; the others come from ${old.ranAt} (${old.runs} runs).`,
    ],
    raw: { ...Object.fromEntries(Object.entries(old.raw).filter(([k]) => !ran(k))), ...fresh.raw },
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const { runs, flags, selected } = parseArgs(argv);
  if (flags.help) return void console.log(USAGE);
  if (flags['report-only']) {
    writeReports(readResults());
    return void console.log('bench: RESULTS.md and charts rewritten from results.json');
  }
  const ns = namespaceStatus(flags['no-netns'] === 'true');
  if (ns === 'available') {
    console.log('bench: running in a private network namespace (loopback only)');
    process.exitCode = await reexecInNamespace(fileURLToPath(import.meta.url), argv);
    return;
  }
  if (!insideNamespace()) console.log(`bench: network namespace ${ns}; running on the host network, every server bound to 127.0.0.1`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'voxline.iife.min.js'))) throw new Error('dist/voxline.iife.min.js is missing: run `npm run build` first');

  const started = Date.now();
  const log = (/** @type {string} */ msg) => console.log(`[${duration(Date.now() - started)}] ${msg}`);
  const netns = insideNamespace() ? 'private (loopback + in-namespace veth)' : `none (${ns})`;
  const env = new BenchEnv({ root: ROOT, netns, log });
  const results = readResults();
  try {
    for (const [id, parts] of selected) {
      const mod = /** @type {import('./modules.mjs').BenchModule} */ (MODULES.find((m) => m.id === id));
      log(`${mod.id}: ${mod.title}${parts ? ` (${[...parts].join(', ')})` : ''}, ${runs} runs`);
      const t = Date.now();
      const load = [os.loadavg()[0] ?? 0];
      const sampler = setInterval(() => load.push(os.loadavg()[0] ?? 0), 5000);
      const out = await mod.run(env, { runs, only: parts, flags, progress: log }).finally(() => clearInterval(sampler));
      /** @type {import('./report/markdown.mjs').StoredModule} */
      const fresh = { title: mod.title, ranAt: new Date(t).toISOString(), durationMs: Date.now() - t, runs, machine: await env.machine(), ...out };
      load.sort((a, b) => a - b);
      fresh.machine.load = `min ${load[0]?.toFixed(2)}, median ${load[Math.floor(load.length / 2)]?.toFixed(2)}, max ${load[load.length - 1]?.toFixed(2)}`;
      const consoleLines = env.consoleLines();
      fresh.raw = { ...fresh.raw, pageConsole: consoleLines };
      const merged = merge(results.modules[id], fresh, parts, mod.parts);
      results.modules[id] = { ...merged, previous: previousOf(results.modules[id], merged, parts) };
      log(`${mod.id} done in ${duration(fresh.durationMs)}`);
    }
  } finally {
    await env.close();
  }
  results.schema = 1;
  results.lastRun = { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, argv };
  writeAtomic(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
  writeReports(results);
  for (const id of selected.keys()) {
    const m = results.modules[id];
    if (m) console.log(`\n${m.title}\n${figuresTable(m)}`);
  }
  console.log(`\nbench: wrote bench/results.json, bench/RESULTS.md, ${[...selected.keys()].map((id) => `bench/${id}.svg`).join(', ')}; total ${duration(Date.now() - started)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
});

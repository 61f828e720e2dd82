#!/usr/bin/env node
// @ts-check
/**
 * `npm test`: every check, cheapest first, each an npm script of its own (run one alone with
 * `npm run <name>`). A failing step does not hide the others: the run goes on and ends with a
 * table of every step, its result and its time, and exits 1 if any failed. Only a failed build
 * stops the steps that need dist/ (they are listed as skipped).
 *
 *   npm test                 all steps
 *   npm test -- --bail       stop at the first failure
 *   npm test -- --skip test:e2e,docs   leave steps out (e.g. e2e on a machine without Chromium)
 */
import { spawnSync } from 'node:child_process';

/** @typedef {{ script: string, what: string, needsBuild?: boolean }} Step */

/** @type {Step[]} */
export const STEPS = [
  { script: 'typecheck', what: 'tsc: src, server/ (checkJs), the public type test against src, unit tests and test beds, e2e' },
  { script: 'lint:console', what: 'ESLint: no console in src/' },
  { script: 'lint:unused', what: 'knip: unused files, exports, dependencies' },
  { script: 'test:unit', what: 'vitest: unit tests (src, server, test/); node --test: the bench report' },
  { script: 'build', what: 'rollup: dist/' },
  { script: 'check:size', what: 'IIFE size budget', needsBuild: true },
  { script: 'check:dist', what: 'source maps, Node/SSR load of the ESM and CJS builds', needsBuild: true },
  { script: 'check:dist-types', what: 'type test against dist/*.d.ts and *.d.cts, what the declarations expose', needsBuild: true },
  { script: 'lint:package', what: 'publint --strict, attw --pack', needsBuild: true },
  { script: 'docs', what: 'typedoc, warnings as errors', needsBuild: true },
  { script: 'test:e2e', what: 'Playwright in Chromium against Kamailio and the dev server', needsBuild: true },
];

/** @param {string[]} argv */
function parseArgs(argv) {
  let bail = false;
  /** @type {Set<string>} */
  const skip = new Set();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--bail') bail = true;
    else if (arg === '--skip' || arg.startsWith('--skip=')) {
      const list = arg.includes('=') ? arg.slice('--skip='.length) : (argv[++i] ?? '');
      for (const s of list.split(',').filter(Boolean)) {
        if (!STEPS.some((st) => st.script === s)) throw new Error(`--skip: unknown step "${s}" (steps: ${STEPS.map((st) => st.script).join(', ')})`);
        skip.add(s);
      }
    } else throw new Error(`unknown argument ${arg}; usage: npm test [-- --bail] [-- --skip step,step]`);
  }
  return { bail, skip };
}

/** @param {number} ms */
const fmt = (ms) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`);

function main() {
  /** @type {ReturnType<typeof parseArgs>} */
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`npm test: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const { bail, skip } = args;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  /** @type {{ step: Step, result: 'passed' | 'FAILED' | 'skipped', ms: number, why?: string }[]} */
  const results = [];
  let buildFailed = false;
  let stop = false;
  const started = Date.now();
  for (const step of STEPS) {
    if (skip.has(step.script)) results.push({ step, result: 'skipped', ms: 0, why: '--skip' });
    else if (stop) results.push({ step, result: 'skipped', ms: 0, why: '--bail' });
    else if (step.needsBuild && buildFailed) results.push({ step, result: 'skipped', ms: 0, why: 'build failed' });
    else {
      console.log(`\n━━ npm run ${step.script}: ${step.what}`);
      const t = Date.now();
      const run = spawnSync(npm, ['run', '--silent', step.script], { stdio: 'inherit' });
      const ok = run.status === 0;
      results.push({ step, result: ok ? 'passed' : 'FAILED', ms: Date.now() - t });
      console.log(`━━ ${step.script}: ${ok ? 'passed' : `FAILED (exit ${run.status ?? run.signal})`} in ${fmt(Date.now() - t)}`);
      if (!ok && step.script === 'build') buildFailed = true;
      if (!ok && bail) stop = true;
    }
  }
  const width = Math.max(...STEPS.map((s) => s.script.length));
  console.log(`\nnpm test: ${fmt(Date.now() - started)} in total`);
  for (const r of results) console.log(`  ${r.step.script.padEnd(width)}  ${r.result.padEnd(7)}  ${r.result === 'skipped' ? `(${r.why})` : fmt(r.ms)}`);
  const failed = results.filter((r) => r.result === 'FAILED');
  if (failed.length) {
    console.error(`npm test: ${failed.length} step${failed.length === 1 ? '' : 's'} failed: ${failed.map((r) => r.step.script).join(', ')}`);
    process.exit(1);
  }
}

main();

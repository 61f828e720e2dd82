#!/usr/bin/env node
// Prints the closing line CI reads: "N passed, N failed", adding up the unit tests (vitest) and
// the e2e tests (Playwright) from their JSON reports in .e2e-results/. A step that did not run
// (its report is missing) while the test command failed counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const exitCode = Number(process.argv[2] ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;

function read(file) {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const vitest = read('.e2e-results/vitest.json');
if (vitest) {
  reports++;
  passed += vitest.numPassedTests ?? 0;
  failed += vitest.numFailedTests ?? 0;
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  if (vitest.success === false && (vitest.numFailedTests ?? 0) === 0) failed += 1; // e.g. a file that failed to load
}
const playwright = read('.e2e-results/playwright.json');
if (playwright?.stats) {
  reports++;
  passed += (playwright.stats.expected ?? 0) + (playwright.stats.flaky ?? 0);
  failed += playwright.stats.unexpected ?? 0;
  skipped += playwright.stats.skipped ?? 0;
  if ((playwright.errors?.length ?? 0) > 0 && (playwright.stats.unexpected ?? 0) === 0) failed += playwright.errors.length;
}
if (exitCode !== 0 && failed === 0) failed = 1;
console.log(`(from ${reports} report${reports === 1 ? '' : 's'})`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);

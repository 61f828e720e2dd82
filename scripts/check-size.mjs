#!/usr/bin/env node
// Fails when the minified IIFE bundle, gzipped, grows past the budget in bench/size-budget.json,
// so a size regression is caught by the change that causes it. Raise the budget deliberately,
// in the same commit, when growth is worth it.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budget = JSON.parse(readFileSync(new URL('../bench/size-budget.json', import.meta.url), 'utf8'));
let failed = false;
for (const [file, limits] of Object.entries(budget.files)) {
  const code = readFileSync(new URL(`../${file}`, import.meta.url));
  const gzip = gzipSync(code, { level: 9 }).length;
  const ok = code.length <= limits.minBytes && gzip <= limits.gzipBytes;
  failed ||= !ok;
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${file}: ${kb(code.length)} min (budget ${kb(limits.minBytes)}), ${kb(gzip)} min+gzip (budget ${kb(limits.gzipBytes)})`);
}
if (failed) {
  console.error('size budget exceeded: shrink the bundle, or raise bench/size-budget.json in the same commit and say why');
  process.exit(1);
}

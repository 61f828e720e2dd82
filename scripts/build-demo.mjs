#!/usr/bin/env node
// `npm run build:demo`: builds the demo softphone (demo/) into a static folder, dist-demo/, that
// any static host can serve: index.html, styles/, app.js (the demo's TypeScript, bundled),
// voxline.iife.min.js (the SDK's script-tag build, copied from dist/) and voxline.worker.js (its
// SharedWorker script for shared mode, copied from dist/: a worker must come from the page's origin).
//   --out DIR         output folder (default dist-demo)
//   --no-sdk-build    never (re)build the SDK; fail if dist/voxline.iife.min.js or dist/voxline.worker.js is missing
//   --force           rebuild even when the output is up to date
// Every file is written to a temporary name and renamed into place, so a server (or a second
// build running at the same time) never sees a half-written file.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'demo');
const sdkBundle = join(root, 'dist/voxline.iife.min.js');
const workerBundle = join(root, 'dist/voxline.worker.js');
const STATIC_FILES = ['index.html', 'icon.svg'];

/** Newest modification time of a file, or of any file below a folder that `keep` accepts. */
export function newestMtime(path, keep = () => true) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return keep(path) ? stat.mtimeMs : 0;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry), keep));
  return newest;
}

/** Unit tests live next to the code in src/ but are not part of the bundle. */
const notATest = (path) => !/\.test\.ts$/.test(path);

/** Builds the SDK (`npm run build`) when its script-tag bundle is missing or older than src/. */
export function ensureSdk({ allowBuild = true, log = console.log } = {}) {
  const missing = [sdkBundle, workerBundle].filter((file) => !existsSync(file));
  const stale = missing.length > 0 || statSync(sdkBundle).mtimeMs < newestMtime(join(root, 'src'), notATest);
  if (!stale) return;
  if (!allowBuild) {
    if (missing.length === 0) return; // older than src/, but building was not asked for
    throw new Error(`${missing.map((file) => relative(root, file)).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: run \`npm run build\` first`);
  }
  log('Building the SDK…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('`npm run build` failed');
}

function writeAtomic(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

function copyAtomic(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const temp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, temp);
  renameSync(temp, to);
}

/**
 * Builds the demo into `out`. Returns the output folder.
 * @param {{ out?: string, sdkBuild?: boolean, force?: boolean, log?: (line: string) => void }} [options]
 */
export async function buildDemo({ out = 'dist-demo', sdkBuild = true, force = false, log = console.log } = {}) {
  const outDir = resolve(root, out);
  ensureSdk({ allowBuild: sdkBuild, log });
  const stamp = join(outDir, '.built');
  const inputs = Math.max(newestMtime(demo), newestMtime(sdkBundle), newestMtime(workerBundle), newestMtime(fileURLToPath(import.meta.url)));
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= inputs) {
    log(`${relative(root, outDir) || '.'}/ is up to date`);
    return outDir;
  }
  const started = Date.now();
  const [{ rollup }, { default: typescript }] = await Promise.all([import('rollup'), import('@rollup/plugin-typescript')]);
  const bundle = await rollup({
    input: join(demo, 'src/main.ts'),
    plugins: [typescript({ tsconfig: join(demo, 'tsconfig.json'), noEmitOnError: true })],
    onwarn(warning) {
      // Type errors arrive as warnings: fail the build rather than ship them.
      throw new Error(`demo build: ${warning.message}`);
    },
  });
  const { output } = await bundle.generate({ format: 'iife', file: 'app.js', sourcemap: true, sourcemapExcludeSources: false });
  await bundle.close();
  for (const chunk of output) {
    if (chunk.type === 'chunk') writeAtomic(join(outDir, chunk.fileName), chunk.code);
    if (chunk.type === 'chunk' && chunk.map) writeAtomic(join(outDir, `${chunk.fileName}.map`), chunk.map.toString());
    if (chunk.type === 'asset') writeAtomic(join(outDir, chunk.fileName), chunk.source);
  }
  for (const file of STATIC_FILES) copyAtomic(join(demo, file), join(outDir, file));
  for (const file of readdirSync(join(demo, 'styles'))) copyAtomic(join(demo, 'styles', file), join(outDir, 'styles', file));
  for (const script of [sdkBundle, workerBundle]) {
    copyAtomic(script, join(outDir, basename(script)));
    if (existsSync(`${script}.map`)) copyAtomic(`${script}.map`, join(outDir, `${basename(script)}.map`));
  }
  writeAtomic(stamp, new Date().toISOString());
  log(`Built the demo into ${relative(root, outDir)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const known = new Set(['--out', '--no-sdk-build', '--force']);
  const unknown = args.filter((a, i) => !known.has(a) && (outAt === -1 || i !== outAt + 1));
  if (unknown.length > 0 || (outAt !== -1 && !args[outAt + 1])) {
    console.error(`usage: node scripts/build-demo.mjs [--out DIR] [--no-sdk-build] [--force]${unknown.length ? ` (unknown: ${unknown.join(' ')})` : ''}`);
    process.exit(2);
  }
  buildDemo({ out: outAt === -1 ? 'dist-demo' : args[outAt + 1], sdkBuild: !args.includes('--no-sdk-build'), force: args.includes('--force') }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

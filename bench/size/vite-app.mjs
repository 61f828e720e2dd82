// @ts-check
/**
 * The "Vite app" figure of issue #10: the smallest real use of the npm package,
 *
 *   import { Client } from 'voxline';
 *   new Client({ servers: ['wss://x'] });
 *
 * built by Vite (`vite build`, production mode, its default minifier) the way an application
 * depends on Voxline: the app lives in a temporary folder whose node_modules/voxline links to this
 * repository, so Vite resolves the package through package.json `exports` and honours its
 * `sideEffects`, exactly as for an installed copy (sip.js, when it is external,
 * resolves from this repository's node_modules, like a hoisted install).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { sizeOf } from './build.mjs';

/** The app, one import and one constructor call. */
export const VITE_APP_SOURCE = "import { Client } from 'voxline';\nnew Client({ servers: ['wss://x'] });\n";

/**
 * Builds the app with Vite; returns its size (min, min+gzip -9) and the packages its modules came
 * from, with the rendered length of each (before minification).
 * @param {string} root repository root (must hold a built dist/)
 * @returns {Promise<{ min: number, gzip: number, rendered: Record<string, number>, vite: string }>}
 */
export async function measureViteApp(root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxline-vite-app-'));
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'voxline'), 'dir');
    fs.writeFileSync(path.join(dir, 'main.js'), VITE_APP_SOURCE);
    const out = /** @type {import('vite').Rollup.RollupOutput | import('vite').Rollup.RollupOutput[]} */ (
      await build({
        root: dir,
        configFile: false,
        logLevel: 'silent',
        mode: 'production',
        build: {
          write: false,
          // An application build (not library mode): every dependency is bundled and minified.
          rollupOptions: { input: path.join(dir, 'main.js') },
          reportCompressedSize: false,
        },
      })
    );
    const outputs = Array.isArray(out) ? out : [out];
    const chunks = outputs.flatMap((o) => o.output).filter((o) => o.type === 'chunk');
    if (chunks.length !== 1) throw new Error(`vite app: expected one chunk, got ${chunks.length}`);
    const chunk = /** @type {import('vite').Rollup.OutputChunk} */ (chunks[0]);
    /** @type {Record<string, number>} */
    const rendered = {};
    for (const [id, m] of Object.entries(chunk.modules)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1] ?? (id.includes('/dist/voxline') ? 'voxline' : 'app');
      rendered[pkg] = (rendered[pkg] ?? 0) + m.renderedLength;
    }
    const { version } = /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'vite', 'package.json'), 'utf8')));
    return { ...sizeOf(chunk.code), rendered, vite: version };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

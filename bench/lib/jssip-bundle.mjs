// @ts-check
/**
 * JsSIP 3.13 ships CommonJS only (no `dist/` browser bundle any more), so the bench builds one:
 * rollup (already a devDependency) bundles node_modules/jssip into an IIFE exposing the global
 * `JsSIP`, written to bench/.cache/jssip.js and rebuilt whenever the installed JsSIP changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjsPlugin from '@rollup/plugin-commonjs';

const require = createRequire(import.meta.url);
/** The plugin's CJS typings hide the default export from checkJs; at run time it is the function. */
const commonjs = /** @type {() => import('rollup').Plugin} */ (/** @type {unknown} */ (commonjsPlugin));

/** A minimal JSON plugin (JsSIP requires its own package.json for `JsSIP.version`). */
export const json = {
  name: 'bench-json',
  /** @param {string} code @param {string} id */
  transform(code, id) {
    if (!id.endsWith('.json')) return null;
    return { code: `export default ${code};`, map: null };
  },
};

/**
 * Builds bench/.cache/jssip.js if it is missing or stale.
 * @param {string} benchDir absolute path of bench/
 * @returns {Promise<{ file: string, version: string, built: boolean }>}
 */
export async function ensureJsSipBundle(benchDir) {
  const pkgFile = require.resolve('jssip/package.json');
  const version = /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(pkgFile, 'utf8'))).version;
  const out = path.join(benchDir, '.cache', 'jssip.js');
  const stamp = `/* JsSIP ${version}, bundled for the Voxline bench */\n`;
  if (fs.existsSync(out) && fs.readFileSync(out, 'utf8').startsWith(stamp)) return { file: out, version, built: false };
  const bundle = await rollup({
    input: path.join(path.dirname(pkgFile), 'lib', 'JsSIP.js'),
    plugins: [json, nodeResolve({ browser: true, preferBuiltins: false }), commonjs()],
    onwarn: () => undefined,
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', name: 'JsSIP', exports: 'auto', banner: stamp.trim() });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, output[0].code);
  } finally {
    await bundle.close();
  }
  return { file: out, version, built: true };
}

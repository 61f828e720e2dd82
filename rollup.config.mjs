// Builds the three shipped formats and their bundled type declarations:
//   dist/voxline.mjs (ESM) + dist/voxline.d.ts
//   dist/voxline.cjs (CommonJS) + dist/voxline.d.cts
//   dist/voxline.iife.min.js: minified <script> build defining the global `Voxline`, dependencies included
// sip.js is bundled into all three (it is a devDependency): only the parts of its core Voxline
// uses (src/sip/core.ts builds the UserAgentCore: no API-layer UserAgent, Inviter, Registerer,
// Messager, web transport or session description handler; see also stubSipjsModule), and the
// CommonJS build needs no require() of an ES module (sip.js ships ESM only). `dependencies` (eventemitter3) stay external
// in the ESM and CJS builds. Every source map embeds its sources (sourcesContent), since src/ and
// node_modules/ are not shipped: scripts/check-dist.mjs checks both.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {})];

/** Replaces the version placeholder with package.json's version. */
const version = () => ({
  name: 'voxline-version',
  transform(code) {
    return code.includes('__VOXLINE_VERSION__') ? { code: code.replaceAll('__VOXLINE_VERSION__', pkg.version), map: null } : null;
  },
});

/**
 * Replaces one module of sip.js with a stub in every build: a module sip.js's core imports for a
 * feature Voxline never uses, so its code would only weigh on the bundle.
 */
const stubSipjsModule = (name, path, code) => {
  const id = `\0voxline:sipjs-stub:${name}`;
  return () => ({
    name: `voxline-drop-sipjs-${name}`,
    resolveId(source, importer) {
      if (importer?.includes('sip.js') && path.test(source)) return id;
      return null;
    },
    load(loaded) {
      return loaded === id ? code : null;
    },
  });
};

/**
 * sip.js's core subscription client (`SubscribeUserAgentClient`, and with it `SubscriptionDialog`
 * and its refresh client): only `UserAgentCore.subscribe()` makes one, and Voxline never
 * subscribes (an incoming out-of-dialog SUBSCRIBE is answered 405 by src/sip/core.ts).
 * scripts/check-dist.mjs checks that it stays out of the bundles.
 */
const dropSipjsSubscribeClient = stubSipjsModule(
  'subscribe-client',
  /\/subscribe-user-agent-client\.js$/,
  'export class SubscribeUserAgentClient { constructor() { throw new Error("Voxline does not subscribe"); } }',
);

/**
 * sip.js's MD5 (an incremental hasher, ≈ 6 KB minified) for its digest authentication, which
 * only calls `Md5.hashStr`: src/sip/md5.ts does that in a fraction of the code (its test checks
 * it against sip.js's on the same inputs).
 */
const useVoxlineMd5 = stubSipjsModule('md5', /\/md5\.js$/, `export { Md5 } from ${JSON.stringify(fileURLToPath(new URL('./src/sip/md5.ts', import.meta.url)))};`);

/** Every stub above, in the order the builds apply them. */
const sipjsStubs = () => [dropSipjsSubscribeClient(), useVoxlineMd5()];

const ts = () => typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: undefined, sourceMap: true, inlineSources: true });

const onwarn = (warning, warn) => {
  // Fail the build on anything unexpected rather than shipping it.
  if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('node_modules'))) return;
  throw new Error(`rollup warning: ${warning.message}`);
};

export default [
  {
    input: 'src/index.ts',
    external,
    plugins: [version(), ...sipjsStubs(), nodeResolve(), ts()],
    onwarn,
    output: [
      { file: 'dist/voxline.mjs', format: 'es', sourcemap: true },
      { file: 'dist/voxline.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input: 'src/index.ts',
    plugins: [version(), ...sipjsStubs(), nodeResolve({ browser: true }), commonjs(), ts()],
    onwarn,
    output: {
      file: 'dist/voxline.iife.min.js',
      format: 'iife',
      name: 'Voxline',
      sourcemap: true,
      plugins: [terser({ format: { comments: false } })],
    },
  },
  {
    input: 'src/index.ts',
    // sip.js stays external here so that a sip.js type leaking into the public API shows up as an
    // import in the .d.ts (which scripts/check-dist.mjs rejects) instead of being inlined.
    external: [...external, 'sip.js'],
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [
      { file: 'dist/voxline.d.ts', format: 'es' },
      { file: 'dist/voxline.d.cts', format: 'es' },
    ],
  },
];

// Builds the three shipped formats and their bundled type declarations:
//   dist/voxline.mjs (ESM) + dist/voxline.d.ts
//   dist/voxline.cjs (CommonJS) + dist/voxline.d.cts
//   dist/voxline.iife.min.js: minified <script> build defining the global `Voxline`, dependencies included
// sip.js is bundled into all three (it is a devDependency): only the parts Voxline uses, without
// sip.js's own WebSocket transport (see dropSipjsWebTransport), and the CommonJS build needs no
// require() of an ES module (sip.js ships ESM only). `dependencies` (eventemitter3) stay external
// in the ESM and CJS builds. Every source map embeds its sources (sourcesContent), since src/ and
// node_modules/ are not shipped: scripts/check-dist.mjs checks both.
import { readFileSync } from 'node:fs';
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
 * sip.js's UserAgent imports its own WebSocket transport as a default, but Voxline always passes
 * its own (`transportConstructor`), so every build replaces that module with a stub (≈ 14 KB of
 * code before minification that an application would otherwise carry for nothing).
 */
const STUB_ID = '\0voxline:sipjs-web-transport-stub';
const dropSipjsWebTransport = () => ({
  name: 'voxline-drop-sipjs-web-transport',
  resolveId(source, importer) {
    if (importer?.includes('sip.js') && /platform\/web\/transport\/transport\.js$/.test(source)) return STUB_ID;
    return null;
  },
  load(id) {
    return id === STUB_ID ? 'export class Transport { constructor() { throw new Error("Voxline always provides the transport"); } }' : null;
  },
});

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
    plugins: [version(), dropSipjsWebTransport(), nodeResolve(), ts()],
    onwarn,
    output: [
      { file: 'dist/voxline.mjs', format: 'es', sourcemap: true },
      { file: 'dist/voxline.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input: 'src/index.ts',
    plugins: [version(), dropSipjsWebTransport(), nodeResolve({ browser: true }), commonjs(), ts()],
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

// Builds the three shipped formats and their bundled type declarations:
//   dist/voxline.mjs (ESM) + dist/voxline.d.ts
//   dist/voxline.cjs (CommonJS) + dist/voxline.d.cts
//   dist/voxline.iife.min.js: minified <script> build defining the global `Voxline`, dependencies included
import { readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies)];

/** Replaces the version placeholder with package.json's version. */
const version = () => ({
  name: 'voxline-version',
  transform(code) {
    return code.includes('__VOXLINE_VERSION__') ? { code: code.replaceAll('__VOXLINE_VERSION__', pkg.version), map: null } : null;
  },
});

/**
 * sip.js's UserAgent imports its own WebSocket transport as a default, but Voxline always passes
 * its own (`transportConstructor`), so the script-tag build replaces that module with a stub.
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

const ts = () => typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: undefined, sourceMap: true });

const onwarn = (warning, warn) => {
  // Fail the build on anything unexpected rather than shipping it.
  if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('node_modules'))) return;
  throw new Error(`rollup warning: ${warning.message}`);
};

export default [
  {
    input: 'src/index.ts',
    external,
    plugins: [version(), ts()],
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
    external,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [
      { file: 'dist/voxline.d.ts', format: 'es' },
      { file: 'dist/voxline.d.cts', format: 'es' },
    ],
  },
];

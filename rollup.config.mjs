// Builds the three shipped formats and their bundled type declarations:
//   dist/voxline.mjs (ESM) + dist/voxline.d.ts
//   dist/voxline.cjs (CommonJS) + dist/voxline.d.cts
//   dist/voxline.iife.min.js: minified <script> build defining the global `Voxline`, dependencies included
// sip.js is bundled into all three (it is a devDependency): only the parts Voxline uses, without
// sip.js's own WebSocket transport, web session description handler and call classes (see
// stubSipjsModule),
// and the CommonJS build needs no require() of an ES module (sip.js ships ESM only). `dependencies` (eventemitter3) stay external
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
 * Replaces one module of sip.js with a stub in every build: sip.js's UserAgent imports defaults
 * that Voxline always overrides, so their code would only weigh on the bundle.
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
 * sip.js's WebSocket transport (a UserAgent default): Voxline always passes its own
 * (`transportConstructor`); ≈ 14 KB of code before minification.
 */
const dropSipjsWebTransport = stubSipjsModule(
  'web-transport',
  /platform\/web\/transport\/transport\.js$/,
  'export class Transport { constructor() { throw new Error("Voxline always provides the transport"); } }',
);

/**
 * sip.js's web session description handler (the UserAgent's default factory makes it, with its
 * peer connection and media stream code): only sip.js's API-layer sessions would ask for one, and
 * Voxline's calls have their own media (src/media). scripts/check-dist.mjs checks that it stays
 * out of the bundles.
 */
const dropSipjsWebSessionDescriptionHandler = stubSipjsModule(
  'web-session-description-handler',
  /platform\/web\/session-description-handler\/session-description-handler-factory-default\.js$/,
  'export function defaultSessionDescriptionHandlerFactory() { return () => { throw new Error("Voxline always provides the session description handler factory"); }; }',
);

/**
 * sip.js's API-layer call classes, `Inviter` and `Invitation` (and with them its `Session`,
 * `Referral` and their offer/answer code): sip.js's UserAgent imports them, but Voxline's calls
 * run on sip.js's core (src/sip/call-session.ts), place INVITEs through `UserAgentCore.invite`,
 * and take incoming INVITEs from the core's delegate, so the UserAgent never makes either.
 * scripts/check-dist.mjs checks that they stay out of the bundles.
 */
const dropSipjsInviter = stubSipjsModule('inviter', /\/inviter\.js$/, 'export class Inviter { constructor() { throw new Error("Voxline places calls on sip.js\'s core"); } }');
const dropSipjsInvitation = stubSipjsModule('invitation', /\/invitation\.js$/, 'export class Invitation { constructor() { throw new Error("Voxline takes incoming calls from sip.js\'s core"); } }');

/** Every stub above, in the order the builds apply them. */
const sipjsStubs = () => [dropSipjsWebTransport(), dropSipjsWebSessionDescriptionHandler(), dropSipjsInviter(), dropSipjsInvitation()];

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

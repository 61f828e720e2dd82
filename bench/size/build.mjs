// @ts-check
/**
 * The builds behind the `size` module, all with the rollup 4 + terser setup Voxline's own
 * rollup.config.mjs uses for dist/voxline.iife.min.js (node-resolve with `browser: true`,
 * commonjs, terser `{ format: { comments: false } }`), and gzip level 9 like scripts/check-size.mjs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjsPlugin from '@rollup/plugin-commonjs';
import terserPlugin from '@rollup/plugin-terser';
import { minify } from 'terser';
import ts from 'typescript';
import { ensureJsSipBundle, json } from '../lib/jssip-bundle.mjs';

const require = createRequire(import.meta.url);
/** The plugins' CJS typings hide their default exports from checkJs; at run time they are the functions. */
const commonjs = /** @type {() => import('rollup').Plugin} */ (/** @type {unknown} */ (commonjsPlugin));
const terser = /** @type {(o: object) => import('rollup').OutputPlugin} */ (/** @type {unknown} */ (terserPlugin));
const TERSER = { format: { comments: false } };
const APPS = path.join(path.dirname(new URL(import.meta.url).pathname), 'apps');

/** @typedef {{ min: number, gzip: number }} Size */

/** @param {string | Buffer} code @returns {Size} */
export function sizeOf(code) {
  const buf = Buffer.isBuffer(code) ? code : Buffer.from(code);
  return { min: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}

/**
 * The stub dist/voxline.iife.min.js uses for sip.js's own WebSocket transport (Voxline always
 * passes its own), so a "sip.js as Voxline uses it" build matches the IIFE.
 */
const STUB_ID = '\0bench:sipjs-web-transport-stub';
const dropSipjsWebTransport = {
  name: 'bench-drop-sipjs-web-transport',
  /** @param {string} source @param {string | undefined} importer */
  resolveId(source, importer) {
    return importer?.includes('sip.js') && /platform\/web\/transport\/transport\.js$/.test(source) ? STUB_ID : null;
  },
  /** @param {string} id */
  load(id) {
    return id === STUB_ID ? 'export class Transport { constructor() { throw new Error("stub"); } }' : null;
  },
};

/** Virtual entry modules (`\0entry:NAME`), so one-line entries need no file. @param {Record<string, string>} sources */
const virtual = (sources) => ({
  name: 'bench-virtual',
  /** @param {string} id */
  resolveId: (id) => (id.startsWith('\0entry:') ? id : null),
  /** @param {string} id */
  load: (id) => sources[id.slice('\0entry:'.length)] ?? null,
});

/**
 * Bundles `input` into a minified IIFE; returns its size and the rendered (pre-minification)
 * length per package.
 * @param {string} input file path or `\0entry:NAME`
 * @param {{ name?: string, stub?: boolean, sources?: Record<string, string> }} [o]
 */
export async function build(input, o = {}) {
  const bundle = await rollup({
    input,
    plugins: [virtual(o.sources ?? {}), ...(o.stub ? [dropSipjsWebTransport] : []), json, nodeResolve({ browser: true, preferBuiltins: false }), commonjs()],
    onwarn: () => undefined,
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', name: o.name ?? 'App', exports: 'auto', plugins: [terser(TERSER)] });
    const chunk = output[0];
    /** @type {Record<string, number>} */
    const rendered = {};
    for (const [id, m] of Object.entries(chunk.modules)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1] ?? (id.includes('/dist/voxline') ? 'voxline' : 'app');
      rendered[pkg] = (rendered[pkg] ?? 0) + m.renderedLength;
    }
    return { ...sizeOf(chunk.code), rendered };
  } finally {
    await bundle.close();
  }
}

/**
 * Every size the module reports.
 * @param {string} root repository root
 * @param {string} benchDir
 */
export async function measureSizes(root, benchDir) {
  const iifeFile = path.join(root, 'dist', 'voxline.iife.min.js');
  const voxIife = sizeOf(fs.readFileSync(iifeFile));
  const sipIndex = require.resolve('sip.js');
  const sipIife = await build(sipIndex, { name: 'SIP' });
  const jssip = await ensureJsSipBundle(benchDir);
  const jssipMin = await minify(fs.readFileSync(jssip.file, 'utf8'), TERSER);
  const jssipIife = sizeOf(jssipMin.code ?? '');
  const apps = {
    voxline: await build(path.join(APPS, 'voxline.js')),
    sipjs: await build(path.join(APPS, 'sipjs.js')),
    simpleuser: await build(path.join(APPS, 'simpleuser.js')),
    jssip: await build(path.join(APPS, 'jssip.js')),
  };
  // What the IIFE is made of (rollup.config.mjs's own IIFE build, by package), and sip.js alone
  // as Voxline imports it: the floor for any Voxline bundle built on sip.js.
  const iifeParts = await iifeComposition(root);
  const { imports, used } = sipjsImports(path.join(root, 'src'));
  const floorSource = `import { ${imports.join(', ')} } from ${JSON.stringify(sipIndex)};\nexport default [${used.join(', ')}];`;
  const sipFloor = await build('\0entry:floor', { name: 'Floor', stub: true, sources: { floor: floorSource } });
  return {
    iife: { voxline: voxIife, sipjs: sipIife, jssip: jssipIife },
    apps,
    analysis: { iifeParts, sipFloor, sipUsed: used },
    sources: {
      voxline: path.relative(root, iifeFile),
      sipjs: `${path.relative(root, sipIndex)} (sip.js ${jssipVersion('sip.js')}) → rollup IIFE + terser`,
      jssip: `${path.relative(root, jssip.file)} (JsSIP ${jssip.version}, the connection module's bundle) → terser`,
    },
  };
}

/**
 * Runs rollup.config.mjs's IIFE build (without writing it) and returns the rendered length of its
 * modules before minification, by package: what dist/voxline.iife.min.js is made of.
 * @param {string} root
 * @returns {Promise<Record<string, number>>}
 */
async function iifeComposition(root) {
  const cwd = process.cwd();
  process.chdir(root); // the config's paths (tsconfig, src/index.ts) are relative to the repository root
  try {
    const configs = /** @type {{ default: import('rollup').RollupOptions[] }} */ (await import(pathToFileURL(path.join(root, 'rollup.config.mjs')).href)).default;
    const iife = configs.find((c) => !Array.isArray(c.output) && c.output?.format === 'iife');
    if (!iife) throw new Error('rollup.config.mjs has no IIFE build');
    const bundle = await rollup({ ...iife, onwarn: () => undefined });
    try {
      const { output } = await bundle.generate({ .../** @type {import('rollup').OutputOptions} */ (iife.output), plugins: [], sourcemap: false });
      /** @type {Record<string, number>} */
      const rendered = {};
      for (const [id, m] of Object.entries(output[0].modules)) {
        const pkg = id.includes('sipjs-web-transport-stub') ? 'sip.js' : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1] ?? (id.startsWith(path.join(root, 'src')) ? 'voxline' : 'other'));
        rendered[pkg] = (rendered[pkg] ?? 0) + m.renderedLength;
      }
      return rendered;
    } finally {
      await bundle.close();
    }
  } finally {
    process.chdir(cwd);
  }
}

/**
 * The sip.js values Voxline's source imports (type-only imports erased, as in the build), and the
 * members of the `Web` namespace it uses, read from src/ without its unit tests.
 * @param {string} srcDir
 * @returns {{ imports: string[], used: string[] }}
 */
export function sipjsImports(srcDir) {
  /** @type {Set<string>} */
  const imports = new Set();
  let js = '';
  for (const file of fs.readdirSync(srcDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.endsWith('.d.ts')) continue;
    const out = ts.transpileModule(fs.readFileSync(path.join(srcDir, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    for (const m of out.matchAll(/^import \{([^}]+)\} from 'sip\.js';$/gm)) {
      for (const name of (m[1] ?? '').split(',').map((n) => n.trim())) if (name) imports.add(name);
    }
    js += out;
  }
  if (!imports.size) throw new Error(`no value import from sip.js found under ${srcDir}`);
  // Namespace members (`Web.SessionDescriptionHandler`) are kept one by one, as in Voxline's bundle.
  const used = [...imports].flatMap((name) => {
    const members = [...new Set([...js.matchAll(new RegExp(`\\b${name}\\.([A-Z]\\w*)`, 'g'))].map((m) => m[1]))];
    return name === 'Web' && members.length ? members.map((m) => `${name}.${m}`) : [name];
  });
  return { imports: [...imports], used };
}

/** @param {string} pkg */
function jssipVersion(pkg) {
  try {
    return /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8'))).version;
  } catch {
    return '?';
  }
}

#!/usr/bin/env node
// @ts-check
/**
 * `npm run check:dist` (part of `npm test`, after the build): checks what the package ships in
 * dist/, the way its users' tools will meet it.
 *
 *  - Source maps: every shipped `.map` embeds every source (`sourcesContent`, no null entry), since
 *    neither src/ nor node_modules/ is shipped: a source that is neither embedded nor shipped makes
 *    webpack's source-map-loader warn once per file. Each source path is relative and stays inside
 *    the package (no build-machine path), the embedded text of each of our own sources equals the
 *    file in src/, and each bundle's `sourceMappingURL` names its shipped map.
 *  - Imports: the ESM and CJS builds import nothing but the package's `dependencies` (sip.js is a
 *    devDependency, bundled in; importing it would break every install).
 *  - sip.js's API layer (`UserAgent`, `Inviter`, `Invitation`, its `Session`, `Registerer`,
 *    `Messager`), its WebSocket transport, its web session description handler, its core's
 *    subscription client, its MD5 (Voxline's smaller src/sip/md5.ts instead), its core logging
 *    (src/sip/sipjs-log.ts instead), the reason phrases of codes Voxline never sends
 *    (src/sip/reason-phrases.ts), the RFC 5407 quote in one of its warnings and its generated
 *    PEG parser grammar (Voxline's src/sip/grammar instead) are in no bundle: Voxline builds
 *    sip.js's core itself (src/sip/core.ts) and runs on it with its own transport and media.
 *  - Node: the ESM and the CommonJS build load in a bare Node process, the CommonJS one without
 *    `require()` of an ES module (as on Node < 20.19, or with --no-experimental-require-module),
 *    and importing them, constructing a Client and destroying it reads no browser global (SSR).
 *
 * Prints one line per check and every problem found; exits 1 if any.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { shortenableNames } from './shortenable-names.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = /** @type {{ files: string[], dependencies?: Record<string, string>, peerDependencies?: Record<string, string> }} */ (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
);
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];

/** Files the package ships (package.json `files`; entries are plain paths in this repository). */
const shipped = new Set(pkg.files.map((f) => path.normalize(f)));

/** @type {string[]} */
const problems = [];
/** @param {string} name @param {string[]} found */
function report(name, found) {
  console.log(`${found.length ? 'FAIL' : 'ok  '} ${name}${found.length ? `: ${found.length} problem${found.length === 1 ? '' : 's'}` : ''}`);
  for (const p of found.slice(0, 8)) console.log(`       ${p}`);
  if (found.length > 8) console.log(`       … and ${found.length - 8} more`);
  problems.push(...found);
}

/**
 * Problems of one source map.
 * @param {string} mapFile the map's path relative to `root`
 * @param {{ root?: string, shipped?: Set<string> }} [o] the package folder and the files it ships
 * @returns {string[]}
 */
export function sourceMapProblems(mapFile, { root = ROOT, shipped: ships = shipped } = {}) {
  /** @type {string[]} */
  const found = [];
  const abs = path.join(root, mapFile);
  if (!fs.existsSync(abs)) return [`${mapFile}: missing (run npm run build)`];
  /** @type {{ version?: number, file?: string, sources?: (string | null)[], sourcesContent?: (string | null)[], sourceRoot?: string }} */
  const map = JSON.parse(fs.readFileSync(abs, 'utf8'));
  const sources = map.sources ?? [];
  const contents = map.sourcesContent;
  if (map.version !== 3) found.push(`${mapFile}: version ${map.version}, expected 3`);
  if (!sources.length) found.push(`${mapFile}: no sources`);
  if (!contents) found.push(`${mapFile}: no sourcesContent at all (embed the sources)`);
  else if (contents.length !== sources.length) found.push(`${mapFile}: ${contents.length} sourcesContent entries for ${sources.length} sources`);
  if (map.sourceRoot) found.push(`${mapFile}: sourceRoot "${map.sourceRoot}" (sources must be relative to the map)`);
  const dir = path.dirname(abs);
  sources.forEach((source, i) => {
    const where = `${mapFile}: source ${i} "${source}"`;
    if (typeof source !== 'string' || !source) return void found.push(`${where}: not a path`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(source) || path.isAbsolute(source)) return void found.push(`${where}: absolute (leaks the build machine's layout)`);
    const resolved = path.resolve(dir, source);
    const rel = path.relative(root, resolved);
    if (rel.startsWith('..')) found.push(`${where}: points outside the package`);
    const content = contents?.[i];
    if (typeof content !== 'string') {
      found.push(`${where}: sourcesContent is ${content === null ? 'null' : 'missing'} and the file is ${ships.has(rel) ? 'shipped, but its text must be embedded too' : 'not shipped'}`);
    } else if (rel.startsWith(`src${path.sep}`) && fs.existsSync(resolved) && fs.readFileSync(resolved, 'utf8') !== content) {
      found.push(`${where}: embedded text differs from ${rel} (stale build?)`);
    }
  });
  return found;
}

/**
 * Bare module specifiers a bundle imports (static and dynamic `import`, `export … from`,
 * `require()`) that are not among `allowed` packages.
 * @param {string} code @param {string} label @param {string[]} [allowed]
 */
export function runtimeImportProblems(code, label, allowed = deps) {
  const specifiers = [
    ...code.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] ?? '');
  const pkgOf = (/** @type {string} */ s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s));
  const bad = [...new Set(specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('/') && !allowed.includes(pkgOf(s))))];
  return bad.map((s) => `${label}: imports '${s}', which is not a dependency of the package${pkgOf(s) === 'sip.js' ? ' (sip.js is a devDependency: bundle it, see rollup.config.mjs)' : ''}`);
}

/**
 * Parts of sip.js no bundle may contain, each with strings only its module holds (logger
 * categories and log or error lines, which minification keeps) and that module's path in
 * sip.js's `lib/`. Voxline's calls, registration and MESSAGE run on sip.js's core (src/sip), its
 * media is its own (src/media) and its transport too (src/transport), and the core is built by
 * src/sip/core.ts, not by sip.js's `UserAgent`: sip.js's API layer is never imported, and core
 * modules for features Voxline does not use are stubbed out (rollup.config.mjs).
 */
export const SIPJS_LEFT_OUT = {
  'API-layer UserAgent': { module: 'api/user-agent.js', markers: ['User agent already started', 'Dispose of registerers'] },
  Inviter: { module: 'api/inviter.js', markers: ['sip.Inviter', 'Inviter.invite'] },
  Invitation: { module: 'api/invitation.js', markers: ['sip.Invitation', 'Invitation.accept'] },
  'API-layer Session': { module: 'api/session.js', markers: ['Session.invite', 'Session.onAckRequest'] },
  Registerer: { module: 'api/registerer.js', markers: ['sip.Registerer', 'Registerer terminated. Unable to register.'] },
  Messager: { module: 'api/messager.js', markers: ['sip.Messager'] },
  'web transport': { module: 'platform/web/transport/transport.js', markers: ['Invalid scheme in WebSocket Server URL', 'configuration.connectionTimeout'] },
  'web session description handler': {
    module: 'platform/web/session-description-handler/session-description-handler.js',
    markers: ['SessionDescriptionHandler.getDescription', 'waitForIceGatheringToComplete', 'peerConnectionDelegate'],
  },
  'core subscription client': { module: 'core/dialogs/subscription-dialog.js', markers: ['sip.subscribe-dialog'] },
  'MD5 (replaced by src/sip/md5.ts)': { module: 'core/messages/md5.js', markers: ['onePassHasher'] },
  'PEG parser grammar (replaced by src/sip/grammar)': { module: 'grammar/pegjs/dist/grammar.js', markers: ['Invalid opcode: ', 'end of input'] },
  'reason phrases of codes Voxline never sends (src/sip/reason-phrases.ts)': { module: 'core/messages/utils.js', markers: ['First Hop Lacks Outbound Support', 'Unresolvable Destination'] },
  'core logging (replaced by src/sip/sipjs-log.ts)': { module: 'core/log/logger-factory.js', markers: ["invalid 'level' parameter value", 'sip:loggerfactory'] },
  'RFC 5407 quote of its re-INVITE race warning (shortened in rollup.config.mjs)': { module: 'core/dialogs/session-dialog.js', markers: ['Implementors can decouple'] },
  "dialog's MESSAGE and PRACK senders (dropped in rollup.config.mjs)": { module: 'core/dialogs/session-dialog.js', markers: ['sending MESSAGE request', 'sending PRACK request'] },
  "user agent servers' redirect() (dropped in rollup.config.mjs)": { module: 'core/user-agents/user-agent-server.js', markers: ['not redirectable in state'] },
};

/**
 * Problems when a bundle contains a part of sip.js listed in {@link SIPJS_LEFT_OUT}: one per part.
 * @param {string} code @param {string} label
 */
export function sipjsLeftOutProblems(code, label) {
  return Object.entries(SIPJS_LEFT_OUT).flatMap(([part, { markers }]) => {
    const found = markers.filter((marker) => code.includes(marker));
    return found.length ? [`${label}: contains sip.js's ${part} (${found.map((m) => `"${m}"`).join(', ')}); use sip.js's core instead, or stub its module in rollup.config.mjs`] : [];
  });
}

/**
 * Problems of a bundle's `//# sourceMappingURL=` comment.
 * @param {string} jsFile
 */
function mappingUrlProblems(jsFile) {
  const abs = path.join(ROOT, jsFile);
  if (!fs.existsSync(abs)) return [`${jsFile}: missing (run npm run build)`];
  const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(abs, 'utf8'))?.[1];
  if (!url) return [`${jsFile}: no sourceMappingURL comment`];
  const target = path.relative(ROOT, path.resolve(path.dirname(abs), url));
  return shipped.has(target) ? [] : [`${jsFile}: sourceMappingURL "${url}" is not a shipped file`];
}

/**
 * Loads a build in a fresh Node process where every browser global is a getter that records the
 * access, constructs a Client, destroys it; returns the problems.
 * @param {'esm' | 'cjs'} kind
 */
export function nodeLoadProblems(kind) {
  const file = path.join(ROOT, 'dist', kind === 'esm' ? 'voxline.mjs' : 'voxline.cjs');
  const globals = ['window', 'document', 'navigator', 'WebSocket', 'RTCPeerConnection', 'Worker', 'location', 'localStorage'];
  const load = kind === 'esm' ? `await import(${JSON.stringify(pathToFileURL(file).href)})` : `require(${JSON.stringify(file)})`;
  const script = `
    const touched = [];
    for (const name of ${JSON.stringify(globals)}) {
      Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return undefined; } });
    }
    const sdk = ${load};
    const client = new sdk.Client({ servers: ['wss://sip.example.com'] });
    if (client.connectionState !== 'idle') throw new Error('connectionState is ' + client.connectionState);
    client.destroy();
    console.log(JSON.stringify({ touched: [...new Set(touched)], version: sdk.VERSION }));
  `;
  // Without require(esm): how the CJS build behaves on Node < 20.19 (where the flag is unknown, it is also the default).
  const flags = kind === 'cjs' && process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module') ? ['--no-experimental-require-module'] : [];
  const args = [...flags, ...(kind === 'esm' ? ['--input-type=module'] : ['--input-type=commonjs']), '-e', script];
  const run = spawnSync(process.execPath, args, { cwd: os.tmpdir(), encoding: 'utf8', timeout: 30_000 });
  const what = `dist/${path.basename(file)} in Node${flags.length ? ` ${flags.join(' ')}` : ''}`;
  if (run.status !== 0) return [`${what}: failed to load (${(run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n').slice(0, 6).join(' | ')})`];
  const result = /** @type {{ touched: string[], version: string }} */ (JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}'));
  return result.touched.length ? [`${what}: reads browser globals on import/construct/destroy: ${result.touched.join(', ')}`] : [];
}

/**
 * The public surface of a build as names: its exports, and for each exported class its static
 * and prototype members (up to Object).
 * @param {Record<string, unknown>} sdk @returns {string[]}
 */
function surfaceOf(sdk) {
  const names = [];
  // Built-ins (Error, Object, Function) end the walk: they differ between the two realms.
  const native = (/** @type {object} */ p) => /\[native code\]/.test(Function.prototype.toString.call(typeof p === 'function' ? p : p.constructor));
  const membersOf = (/** @type {object | null} */ o, /** @type {string} */ where) => {
    for (let p = o; p && !native(p); p = Object.getPrototypeOf(p)) {
      for (const n of Object.getOwnPropertyNames(p)) names.push(`${where}.${n}`);
    }
  };
  for (const [name, value] of Object.entries(sdk)) {
    names.push(name);
    if (typeof value === 'function') {
      membersOf(value, name);
      membersOf(value.prototype, `${name}.prototype`);
    }
  }
  return [...new Set(names)].sort();
}

/**
 * Problems when the minified IIFE does not expose the same names as the unminified ESM build,
 * apart from the internal names it shortens (scripts/shortenable-names.mjs).
 */
export async function iifeSurfaceProblems() {
  const iife = path.join(ROOT, 'dist', 'voxline.iife.min.js');
  const context = vm.createContext({ URL, TextEncoder, setTimeout, clearTimeout, queueMicrotask, console });
  vm.runInContext(fs.readFileSync(iife, 'utf8'), context, { filename: iife });
  const renamed = new Set(shortenableNames());
  const fromIife = surfaceOf(vm.runInContext('Voxline', context));
  const fromEsm = surfaceOf(await import(pathToFileURL(path.join(ROOT, 'dist', 'voxline.mjs')).href)).filter((n) => !renamed.has(n.split('.').pop() ?? ''));
  const missing = fromEsm.filter((n) => !fromIife.includes(n));
  // The renamed private members show up under their short names: ignore those.
  const extra = fromIife.filter((n) => !fromEsm.includes(n) && !/\.[\w$]{1,3}$/.test(n));
  return [...missing.map((n) => `dist/voxline.iife.min.js: lacks ${n} (renamed by the minifier?)`), ...extra.map((n) => `dist/voxline.iife.min.js: has ${n}, which dist/voxline.mjs does not`)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const maps = pkg.files.filter((f) => f.endsWith('.map'));
  if (!maps.length) report('source maps', ['package.json "files" lists no .map file']);
  for (const map of maps) report(`${map}: every source embedded, relative, inside the package`, sourceMapProblems(map));
  for (const js of pkg.files.filter((f) => /\.(m|c)?js$/.test(f) && shipped.has(`${f}.map`))) report(`${js}: sourceMappingURL names its shipped map`, mappingUrlProblems(js));
  for (const js of ['dist/voxline.mjs', 'dist/voxline.cjs']) {
    const abs = path.join(ROOT, js);
    report(`${js}: imports only the package's dependencies (${deps.join(', ') || 'none'})`, fs.existsSync(abs) ? runtimeImportProblems(fs.readFileSync(abs, 'utf8'), js) : [`${js}: missing`]);
  }
  for (const js of ['dist/voxline.iife.min.js', 'dist/voxline.mjs', 'dist/voxline.cjs']) {
    const abs = path.join(ROOT, js);
    report(`${js}: none of sip.js's ${Object.keys(SIPJS_LEFT_OUT).join(', ')}`, fs.existsSync(abs) ? sipjsLeftOutProblems(fs.readFileSync(abs, 'utf8'), js) : [`${js}: missing`]);
  }
  report('dist/voxline.iife.min.js: the same exports, static and prototype members as dist/voxline.mjs', await iifeSurfaceProblems());
  report('dist/voxline.mjs: imports in Node, constructs and destroys a Client without touching browser globals', nodeLoadProblems('esm'));
  report('dist/voxline.cjs: requires in Node without require(esm), constructs and destroys a Client without touching browser globals', nodeLoadProblems('cjs'));
  if (problems.length) {
    console.error(`check-dist: ${problems.length} problem${problems.length === 1 ? '' : 's'} in dist/ (see above)`);
    process.exit(1);
  }
}

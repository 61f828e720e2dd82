#!/usr/bin/env node
// @ts-check
/**
 * `npm run check:dist-types` (part of `npm test`, after the build): the public types as users get
 * them, from dist/voxline.d.ts and dist/voxline.d.cts.
 *
 * 1. Compiles test/types.test-d.ts against the built declarations in a throwaway app (see
 *    test/tsconfig.dist.json: strict, exactOptionalPropertyTypes, skipLibCheck false), once as an
 *    ES module (→ dist/voxline.d.ts) and once as CommonJS (→ dist/voxline.d.cts). The app's
 *    node_modules/voxline holds only package.json and the declaration files, and next to it only
 *    the package's `dependencies`: a declaration that needs anything else fails as it would for a
 *    user.
 * 2. Checks what the declarations expose:
 *    - no import of a module that is not a dependency (sip.js above all: it is bundled, so no
 *      public type may come from it);
 *    - no exported class with a public `emit`, and none built on eventemitter3's EventEmitter
 *      (applications listen; only the SDK emits);
 *    - no declaration of an internal class: CallSession, CallManager, SipUserAgent, Logger,
 *      WebSocketTransport.
 *
 * Prints one line per check and every problem; exits 1 if any.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPE_TEST = 'test/types.test-d.ts';
const TSCONFIG = 'test/tsconfig.dist.json';
const DECLARATIONS = ['dist/voxline.d.ts', 'dist/voxline.d.cts'];
/** Internal classes that must never appear in the public declarations (issue #10). */
export const INTERNAL_NAMES = ['CallSession', 'CallManager', 'SipUserAgent', 'Logger', 'WebSocketTransport'];

/**
 * @typedef {{ dependencies?: Record<string, string>, peerDependencies?: Record<string, string> }} Manifest
 */
const manifest = /** @type {Manifest} */ (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')));
const runtimeDeps = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];

/** @type {string[]} */
const problems = [];
/** @param {string} name @param {string[]} found */
function report(name, found) {
  console.log(`${found.length ? 'FAIL' : 'ok  '} ${name}${found.length ? `: ${found.length} problem${found.length === 1 ? '' : 's'}` : ''}`);
  for (const p of found) console.log(`       ${p.replace(/\n/g, '\n       ')}`);
  problems.push(...found);
}

/**
 * Lays out the throwaway app; returns its folder and the two copies of the type test.
 * @returns {{ dir: string, esm: string, cjs: string }}
 */
function makeFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxline-dist-types-'));
  const pkgDir = path.join(dir, 'node_modules', 'voxline');
  fs.mkdirSync(path.join(pkgDir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkgDir, 'package.json'));
  for (const d of DECLARATIONS) fs.copyFileSync(path.join(ROOT, d), path.join(pkgDir, d));
  for (const dep of runtimeDeps) {
    const link = path.join(dir, 'node_modules', dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', dep), link, 'dir');
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'voxline-types-app', private: true, type: 'module' }));
  const test = fs.readFileSync(path.join(ROOT, TYPE_TEST), 'utf8');
  const esm = path.join(dir, 'esm.test-d.ts');
  const cjs = path.join(dir, 'cjs.test-d.cts');
  fs.writeFileSync(esm, test);
  fs.writeFileSync(cjs, test);
  return { dir, esm, cjs };
}

/**
 * @param {string} dir the fixture
 * @param {string[]} rootNames
 */
function createProgram(dir, rootNames) {
  const raw = ts.readConfigFile(path.join(ROOT, TSCONFIG), ts.sys.readFile);
  if (raw.error) throw new Error(ts.flattenDiagnosticMessageText(raw.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent({ ...raw.config, files: rootNames }, ts.sys, dir);
  if (parsed.errors.length) throw new Error(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
}

/**
 * Names a fixture file the way the report should show it.
 * @param {string} file @param {{ dir: string, esm: string, cjs: string }} fx
 */
function displayName(file, fx) {
  if (file === fx.esm) return `${TYPE_TEST} (as ES module, against dist/voxline.d.ts)`;
  if (file === fx.cjs) return `${TYPE_TEST} (as CommonJS, against dist/voxline.d.cts)`;
  const inPkg = path.relative(path.join(fx.dir, 'node_modules', 'voxline'), file);
  if (!inPkg.startsWith('..')) return inPkg;
  const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
  return path.relative(ROOT, real);
}

/** @param {readonly ts.Diagnostic[]} diagnostics @param {{ dir: string, esm: string, cjs: string }} fx */
function formatDiagnostics(diagnostics, fx) {
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return `TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${displayName(d.file.fileName, fx)}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
  });
}

/**
 * Module specifiers a declaration file refers to: imports, `export … from`, `import('…')` types
 * and `/// <reference types="…" />`.
 * @param {ts.SourceFile} sf
 * @returns {{ specifier: string, line: number }[]}
 */
function moduleReferences(sf) {
  /** @type {{ specifier: string, line: number }[]} */
  const refs = sf.typeReferenceDirectives.map((r) => ({ specifier: r.fileName, line: sf.getLineAndCharacterOfPosition(r.pos).line + 1 }));
  /** @param {ts.Node} node */
  const visit = (node) => {
    /** @type {ts.Expression | ts.TypeNode | undefined} */
    let spec;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) spec = node.moduleSpecifier;
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) spec = node.argument.literal;
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) spec = node.moduleReference.expression;
    if (spec && ts.isStringLiteral(spec)) refs.push({ specifier: spec.text, line: sf.getLineAndCharacterOfPosition(spec.getStart(sf)).line + 1 });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** @param {string} specifier */
const packageOf = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier));

/**
 * Module references that users cannot resolve: anything but the package's own dependencies.
 * @param {ts.SourceFile} sf @param {string} label @param {string[]} [deps]
 */
export function importProblems(sf, label, deps = runtimeDeps) {
  return moduleReferences(sf)
    .filter(({ specifier }) => !deps.includes(packageOf(specifier)))
    .map(({ specifier, line }) =>
      packageOf(specifier) === 'sip.js'
        ? `${label}:${line}: imports from '${specifier}': sip.js is bundled (a devDependency), so no public type may come from it; declare the type in src/ instead`
        : `${label}:${line}: imports from '${specifier}', which is not a dependency of the package`,
    );
}

/**
 * Top-level declarations named like an internal class (rollup-plugin-dts renames a clash to `Name$1`).
 * @param {ts.SourceFile} sf @param {string} label
 */
export function internalNameProblems(sf, label) {
  /** @type {string[]} */
  const found = [];
  for (const st of sf.statements) {
    /** @type {(ts.Identifier | ts.BindingName)[]} */
    const names = [];
    if ((ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isFunctionDeclaration(st) || ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st)) && st.name && ts.isIdentifier(st.name)) names.push(st.name);
    if (ts.isVariableStatement(st)) names.push(...st.declarationList.declarations.map((d) => d.name));
    for (const n of names) {
      if (!ts.isIdentifier(n)) continue;
      const base = n.text.replace(/\$\d+$/, '');
      if (INTERNAL_NAMES.includes(base)) {
        const kind = ts.isClassDeclaration(st) ? 'class' : ts.isInterfaceDeclaration(st) ? 'interface' : ts.isTypeAliasDeclaration(st) ? 'type' : ts.isFunctionDeclaration(st) ? 'function' : ts.isEnumDeclaration(st) ? 'enum' : ts.isModuleDeclaration(st) ? 'namespace' : 'variable';
        found.push(`${label}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: declares internal ${kind} ${n.text} (it must not be reachable from the public types)`);
      }
    }
  }
  return found;
}

/**
 * Exported classes that let applications emit events: a public `emit`, or eventemitter3's
 * EventEmitter among their base classes.
 * @param {ts.Program} program @param {ts.SourceFile} sf @param {string} label
 */
export function emitterProblems(program, sf, label) {
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) return [`${label}: not a module`];
  /** @type {string[]} */
  const found = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & ts.SymbolFlags.Class)) continue;
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    const emit = instance.getProperty('emit');
    const isPublic = emit?.declarations?.some((d) => !(ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !ts.isPrivateIdentifier(ts.getNameOfDeclaration(d) ?? d));
    if (emit && isPublic) {
      const from = emit.declarations?.[0]?.getSourceFile().fileName ?? '';
      found.push(`${label}: class ${exported.name} has a public emit() (declared in ${from.includes('eventemitter3') ? 'eventemitter3' : path.basename(from)}): applications could fire its events`);
    }
    // Walk the base classes (a generic base such as SafeEmitter<Events> is a reference to its class).
    /** @param {ts.Type} t */
    const classOf = (t) => {
      const target = t.flags & ts.TypeFlags.Object && /** @type {ts.ObjectType} */ (t).objectFlags & ts.ObjectFlags.Reference ? /** @type {ts.TypeReference} */ (t).target : t;
      return target.isClassOrInterface() ? target : undefined;
    };
    /** @type {ts.Type[]} */
    const queue = [instance];
    for (let t = queue.shift(); t; t = queue.shift()) {
      const cls = classOf(t);
      if (!cls) continue;
      const bases = checker.getBaseTypes(cls);
      const ee = bases.find((b) => b.getSymbol()?.declarations?.some((d) => d.getSourceFile().fileName.includes(`${path.sep}eventemitter3${path.sep}`)));
      if (ee) {
        const via = cls === classOf(instance) ? '' : ` (through ${cls.getSymbol()?.name})`;
        found.push(`${label}: class ${exported.name} extends eventemitter3's ${ee.getSymbol()?.name}${via}: its emit(), removeAllListeners()… become public API`);
        break;
      }
      queue.push(...bases);
    }
  }
  return found;
}

function main() {
  for (const d of DECLARATIONS) if (!fs.existsSync(path.join(ROOT, d))) throw new Error(`${d} is missing: run npm run build first`);
  const fx = makeFixture();
  try {
    const program = createProgram(fx.dir, [fx.esm, fx.cjs]);
    const resolved = DECLARATIONS.map((d) => program.getSourceFile(path.join(fx.dir, 'node_modules', 'voxline', d)));
    report(
      `${TYPE_TEST} resolves 'voxline' to ${DECLARATIONS.join(' (ESM) and ')} (CJS) through package.json exports`,
      DECLARATIONS.filter((_, i) => !resolved[i]).map((d) => `${d} was not part of the compilation: the exports map does not lead to it`),
    );
    report(`${TYPE_TEST} compiles against the built declarations (${TSCONFIG}: strict, exactOptionalPropertyTypes, skipLibCheck false)`, formatDiagnostics(ts.getPreEmitDiagnostics(program), fx));
    DECLARATIONS.forEach((d, i) => {
      const sf = resolved[i];
      if (!sf) return;
      report(`${d}: imports only the package's dependencies (${runtimeDeps.join(', ') || 'none'})`, importProblems(sf, d));
      report(`${d}: no exported class exposes emit() or extends eventemitter3`, emitterProblems(program, sf, d));
      report(`${d}: declares none of ${INTERNAL_NAMES.join(', ')}`, internalNameProblems(sf, d));
    });
  } finally {
    fs.rmSync(fx.dir, { recursive: true, force: true });
  }
  if (problems.length) {
    console.error(`check-dist-types: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the public declarations (see above)`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();

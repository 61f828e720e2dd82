// The property names the IIFE build may shorten (terser's mangle.properties, rollup.config.mjs):
// the `private` class members of Voxline's src/ and of the sip.js core it bundles, the public
// members of Voxline's internal classes (those src/index.ts does not export, directly or as a
// base class), and sip.js's public members that Voxline never names, minus every name that could
// be reached from outside the bundle or through a string. Computed from the sources at each
// build, so a new member is shortened, and a name that starts being used anywhere else is kept,
// without a hand-kept list to drift.
//
// A name is kept (not shortened) when it appears
//  - in src/ as a member of a public class, an interface or type-literal property (the public
//    API, the engine's messages, stored data), an object-literal key, a destructured name, or a
//    word of a string or template literal without white space (`'name' in x`, x[key]; not a
//    message), or in src/index.ts;
//  - as a word of a string without white space in sip.js's JavaScript (it has no eval, and a
//    message names no property); for sip.js's own private names also as a
//    public member in its declarations, and for its public names as a word anywhere in src/;
//  - as a property, object key, destructured name or string word in e2e/, demo/ or bench/
//    (pages and specs that look into objects);
//  - as a name declared by TypeScript's lib declarations (DOM, workers, ECMAScript built-ins), on
//    top of terser's own DOM property list.
// The ESM and CommonJS builds are not minified, and the worker build keeps every name: only
// plain data (interface-typed, so kept) crosses between the page and the worker.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORD = /[^A-Za-z0-9_$]+/;

/** @param {string} dir @param {(file: string) => boolean} keep @returns {string[]} */
function filesUnder(dir, keep) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => keep(f) && fs.statSync(f).isFile());
}

/** @param {Iterable<string>} files @param {Set<string>} into */
function addWords(files, into) {
  for (const f of files) for (const w of fs.readFileSync(f, 'utf8').split(WORD)) into.add(w);
}

/**
 * From src/'s syntax trees: private member names; public member names of the classes that are
 * not part of the public API (not named in src/index.ts, nor a base class of one that is); and
 * every other name src/ uses.
 */
function voxlineNames() {
  const privates = new Set();
  const others = new Set();
  /** @type {Map<string, { bases: string[], members: string[] }>} */
  const classes = new Map();
  const isPrivate = (/** @type {ts.Node} */ n) => (ts.getCombinedModifierFlags(/** @type {ts.Declaration} */ (n)) & ts.ModifierFlags.Private) !== 0;
  const words = (/** @type {string} */ text) => text.split(WORD).forEach((w) => others.add(w));
  for (const file of filesUnder(path.join(ROOT, 'src'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    /** @param {ts.Node} n */
    const visit = (n) => {
      const member = ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || (ts.isParameter(n) && ts.isParameterPropertyDeclaration(n, n.parent));
      if (member && ts.isIdentifier(n.name)) {
        const owner = ts.isParameter(n) ? n.parent.parent : n.parent;
        const known = ts.isClassDeclaration(owner) && owner.name ? classes.get(owner.name.text) : undefined;
        if (isPrivate(n)) privates.add(n.name.text);
        else if (known) known.members.push(n.name.text);
        else others.add(n.name.text);
      } else if (ts.isClassDeclaration(n) && n.name) {
        const bases = (n.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(sf)));
        if (classes.has(n.name.text)) others.add(n.name.text); // two classes of one name: both count as public below
        classes.set(n.name.text, { bases, members: classes.get(n.name.text)?.members ?? [] });
      }
      else if ((ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n) || ts.isEnumMember(n)) && n.name) words(n.name.getText(sf));
      else if (ts.isBindingElement(n)) words((n.propertyName ?? n.name).getText(sf));
      // A string that may name a property (`'name' in x`, x[key], 'keepAlive.strategy'): one without
      // white space. Messages (log lines, errors) name no property by their words.
      else if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateLiteralToken(n)) && !/\s/.test(n.text)) words(n.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  // The entry's names (what the IIFE's global `Voxline` holds) are public, whatever else they are.
  const entry = new Set(fs.readFileSync(path.join(ROOT, 'src', 'index.ts'), 'utf8').split(WORD));
  for (const w of entry) others.add(w);
  // The public classes (and every class they build on, or that shares a name with one): their
  // members are API. The other classes' public members are internal, like private ones.
  const publicClasses = [...classes.keys()].filter((name) => entry.has(name) || others.has(name));
  for (let i = 0; i < publicClasses.length; i++) for (const base of classes.get(publicClasses[i])?.bases ?? []) if (!publicClasses.includes(base)) publicClasses.push(base);
  const internal = new Set();
  for (const [name, { members }] of classes) for (const m of members) (publicClasses.includes(name) ? others : internal).add(m);
  const all = new Set();
  addWords(filesUnder(path.join(ROOT, 'src'), (f) => f.endsWith('.ts')), all);
  return { privates, internal, others, words: all };
}

/** sip.js's private member names (from its declarations), the rest of its declared names, and the words of its strings without white space. */
function sipjsNames() {
  const lib = path.join(ROOT, 'node_modules', 'sip.js', 'lib');
  const privates = new Set();
  const others = new Set();
  for (const file of filesUnder(lib, (f) => f.endsWith('.d.ts'))) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const name = /^\s*(?:(?:private|protected|public|readonly|static|abstract|get|set)\s+)*([A-Za-z_$][\w$]*)\??\s*[(:;<=]/.exec(line)?.[1];
      if (name) (/^\s*private\s/.test(line) ? privates : others).add(name);
    }
  }
  const code = filesUnder(lib, (f) => f.endsWith('.js'));
  const strings = new Set();
  for (const file of code) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/"([^"\n]*)"|'([^'\n]*)'|`([^`]*)`/g)) {
      // As in src/: a string with white space is a message, and names no property.
      const text = m[1] ?? m[2] ?? m[3] ?? '';
      if (!/\s/.test(text)) text.split(WORD).forEach((w) => strings.add(w));
    }
  }
  return { privates, others, strings };
}

/**
 * The names that e2e/, demo/ and bench/ may read off the SDK's objects (property accesses,
 * object keys, destructured names, words of strings; not comments or local variables), and the
 * names TypeScript's lib declarations declare (every DOM, worker and ECMAScript property and
 * method). test/ is left out: unit tests run src/, never the IIFE.
 */
function outsideWords() {
  const words = new Set();
  const propertyLike = /\.\s*([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)\s*\??:|["'`]([^"'`\n]*)["'`]|\{([^{}]*)\}/g;
  for (const dir of ['e2e', 'demo', 'bench']) {
    for (const file of filesUnder(path.join(ROOT, dir), (f) => /\.(ts|js|mjs|html)$/.test(f) && !f.includes('node_modules'))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(propertyLike)) (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').split(WORD).forEach((w) => words.add(w));
    }
  }
  const libDir = path.dirname(fileURLToPath(import.meta.resolve('typescript')));
  for (const file of filesUnder(libDir, (f) => /[\\/]lib\.[\w.]+\.d\.ts$/.test(f))) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
    /** @param {ts.Node} n */
    const visit = (n) => {
      const name = /** @type {{ name?: ts.Node }} */ (n).name;
      if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name))) words.add(name.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return words;
}

/** The property names the IIFE build may shorten, sorted. */
export function shortenableNames() {
  const own = voxlineNames();
  const sipjs = sipjsNames();
  const outside = outsideWords();
  // A Voxline name that sip.js's code also uses (not in a string) is renamed in both alike.
  const ours = [...own.privates, ...own.internal].filter((n) => !own.others.has(n) && !sipjs.strings.has(n) && !outside.has(n));
  const theirs = [...sipjs.privates].filter((n) => !sipjs.others.has(n) && !sipjs.strings.has(n) && !own.others.has(n) && !outside.has(n));
  // sip.js's public members that Voxline never names: only sip.js's own code reads them, and no
  // sip.js object reaches the application (scripts/check-dist.mjs: no sip.js type in the d.ts).
  const unused = [...sipjs.others].filter((n) => n !== 'constructor' && !sipjs.strings.has(n) && !own.words.has(n) && !outside.has(n));
  return [...new Set([...ours, ...theirs, ...unused])].sort();
}

/** terser's `mangle.properties` option for {@link shortenableNames} (or those already computed). */
export function mangleOptions(names = shortenableNames()) {
  return { properties: { regex: new RegExp(`^(?:${names.map((n) => n.replaceAll('$', '\\$')).join('|')})$`) } };
}

// @ts-check
/**
 * Drops from the IIFE the class methods, getters and setters that nothing can call: terser keeps
 * every class member, used or not. A member counts as unused when its name is one the IIFE may
 * shorten (scripts/shortenable-names.mjs: never named from outside the bundle, nor through a
 * string) and the name appears nowhere else in the bundle, as any word (a property access, a
 * string, a comment, a local name: each keeps it). Repeated until none is left, since a dropped
 * body may have been the last to name another member. Each member is blanked with spaces, line
 * breaks kept, so the source map of everything else stays right; terser then removes the blanks.
 */

/** @typedef {{ type: string, start: number, end: number, computed?: boolean, kind?: string, key?: { type: string, name?: string } }} Node */

const WORD = /[^A-Za-z0-9_$]+/;

/**
 * The unused members of `code`: their ranges, with names.
 * @param {string} code @param {(code: string) => unknown} parse @param {ReadonlySet<string>} names
 * @returns {{ name: string, start: number, end: number }[]}
 */
export function unusedMethods(code, parse, names) {
  /** @type {Map<string, Node[]>} */
  const defs = new Map();
  /** @param {unknown} node */
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object' || typeof (/** @type {Node} */ (node).type) !== 'string') return;
    const n = /** @type {Node} */ (node);
    if (n.type === 'MethodDefinition' && !n.computed && n.kind !== 'constructor' && n.key?.type === 'Identifier' && n.key.name && names.has(n.key.name)) {
      defs.set(n.key.name, [...(defs.get(n.key.name) ?? []), n]);
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'key' && value && typeof value === 'object') visit(value);
  };
  visit(parse(code));
  /** @type {Map<string, number>} */
  const words = new Map();
  for (const w of code.split(WORD)) words.set(w, (words.get(w) ?? 0) + 1);
  return [...defs].filter(([name, nodes]) => words.get(name) === nodes.length).flatMap(([name, nodes]) => nodes.map((n) => ({ name, start: n.start, end: n.end })));
}

/**
 * `code` without its unused members (see {@link unusedMethods}), blanked to the fixed point.
 * @param {string} code @param {(code: string) => unknown} parse @param {ReadonlySet<string>} names
 * @returns {{ code: string, dropped: string[] }}
 */
export function dropUnusedMethods(code, parse, names) {
  const dropped = [];
  for (;;) {
    const unused = unusedMethods(code, parse, names);
    if (unused.length === 0) return { code, dropped };
    for (const { name, start, end } of unused) {
      dropped.push(name);
      code = code.slice(0, start) + code.slice(start, end).replace(/[^\n]/g, ' ') + code.slice(end);
    }
  }
}

/**
 * Rollup output plugin for {@link dropUnusedMethods}, before the minifier.
 * @param {Iterable<string>} names the names the build may shorten
 */
export function dropUnusedMethodsPlugin(names) {
  const set = new Set(names);
  return {
    name: 'voxline-drop-unused-methods',
    /** @this {{ parse: (code: string) => unknown }} @param {string} code */
    renderChunk(code) {
      const out = dropUnusedMethods(code, (c) => this.parse(c), set);
      return out.dropped.length ? { code: out.code, map: null } : null;
    },
  };
}

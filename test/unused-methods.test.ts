/**
 * scripts/unused-methods.mjs (the IIFE build drops class members nothing can call), on small
 * made-up inputs: what it drops, what any other use of the name keeps, and that positions hold.
 */
import { parseAst } from 'rollup/parseAst';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without declarations
import { dropUnusedMethods } from '../scripts/unused-methods.mjs';

const parse = (code: string): unknown => parseAst(code);
const drop = (code: string, names: string[]): { code: string; dropped: string[] } => dropUnusedMethods(code, parse, new Set(names));

describe('dropUnusedMethods', () => {
  it('drops a shortenable method, getter and setter that nothing names, keeping lines and length', () => {
    const code = 'class A {\n  used() { return 1; }\n  unused() {\n    return 2;\n  }\n  get g() { return 3; }\n  set g(v) {}\n}\nnew A().used();\n';
    const out = drop(code, ['used', 'unused', 'g']);
    expect(out.dropped.sort()).toEqual(['g', 'g', 'unused']);
    expect(out.code).toHaveLength(code.length);
    expect(out.code.split('\n')).toHaveLength(code.split('\n').length);
    expect(out.code).toContain('used() { return 1; }');
    expect(out.code).not.toMatch(/unused|return 2|get g|set g/);
    expect(() => parse(out.code)).not.toThrow();
  });

  it('keeps a name used anywhere else: a call, a string, another object, a name that is not shortenable', () => {
    for (const use of ['x.m();', "x['m'];", 'const o = { m() {} };', 'const m = 1;']) {
      expect(drop(`class A { m() {} }\n${use}`, ['m']).dropped, use).toEqual([]);
    }
    expect(drop('class A { m() {} }', []).dropped).toEqual([]);
  });

  it('drops to the fixed point: a member only an unused one named goes too', () => {
    const out = drop('class A { a() { return this.b(); } b() { return 1; } }', ['a', 'b']);
    expect(out.dropped).toEqual(['a', 'b']);
  });

  it('never drops a constructor or a computed member', () => {
    expect(drop('class A { constructor() {} ["k"]() {} }', ['constructor', 'k']).dropped).toEqual([]);
  });
});

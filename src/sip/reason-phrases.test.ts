import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getReasonPhrase } from './reason-phrases';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SIPJS_CORE = path.join(ROOT, 'node_modules', 'sip.js', 'lib', 'core');

/** sip.js's own table, read from its source: code → phrase. */
function sipjsPhrases(): Map<number, string> {
  const text = fs.readFileSync(path.join(SIPJS_CORE, 'messages', 'utils.js'), 'utf8');
  return new Map([...text.matchAll(/^\s+(\d{3}): "([^"]+)",?$/gm)].map((m) => [Number(m[1]), m[2]!]));
}

/** Every three-digit number that sip.js's table knows, found in Voxline's src/ or sip.js's core. */
function codesInSources(known: Map<number, string>): Set<number> {
  const files = [
    ...fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => path.join(ROOT, 'src', f)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')),
    ...fs.readdirSync(SIPJS_CORE, { recursive: true, encoding: 'utf8' }).map((f) => path.join(SIPJS_CORE, f)).filter((f) => f.endsWith('.js') && !f.endsWith(`messages${path.sep}utils.js`)),
  ];
  const codes = new Set<number>();
  for (const file of files) for (const m of fs.readFileSync(file, 'utf8').matchAll(/\b[1-6]\d\d\b/g)) if (known.has(Number(m[0]))) codes.add(Number(m[0]));
  return codes;
}

describe("reason phrases (rollup.config.mjs stubs them in for sip.js's)", () => {
  const sipjs = sipjsPhrases();

  it('read sip.js’s table (the test itself works)', () => {
    expect(sipjs.size).toBeGreaterThan(60);
    expect(sipjs.get(486)).toBe('Busy Here');
  });

  it('has a phrase, the same as sip.js’s, for every code used in src/ or in sip.js’s core', () => {
    const used = codesInSources(sipjs);
    expect(used).toContain(487);
    expect(used).toContain(415);
    for (const code of used) expect([code, getReasonPhrase(code)]).toEqual([code, sipjs.get(code)]);
  });

  it('gives sip.js’s phrase or nothing for any other code, never a different one', () => {
    for (let code = 100; code < 700; code++) {
      const ours = getReasonPhrase(code);
      if (ours !== '') expect([code, ours]).toEqual([code, sipjs.get(code)]);
    }
    expect(getReasonPhrase(439)).toBe('');
    expect(getReasonPhrase(299)).toBe('');
  });
});

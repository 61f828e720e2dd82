/**
 * Voxline's SIP grammar (src/sip/grammar), which replaces sip.js's generated PEG parser in the
 * bundles and in the unit tests, against that PEG parser itself: both run on the same inputs and
 * must give the same result (deep, class for class, JSON and `toString()` of every URI and
 * name-address) or both reject. Inputs: real messages (test/sip-grammar-corpus.ts) split into header
 * values, every value under every start rule sip.js and Voxline use, then seeded mutations of
 * them (truncations, flipped and inserted bytes, control characters, UTF-16 oddities) and huge
 * inputs.
 */
import { Grammar } from 'sip.js';
import { describe, expect, it } from 'vitest';
// The original PEG parser, by its path (vitest.config.ts aliases only sip.js's own import of it).
import { parse as pegParse } from '../../../node_modules/sip.js/lib/grammar/pegjs/dist/grammar.js';
import fs from 'node:fs';
import path from 'node:path';
// @ts-expect-error plain .mjs script without declarations
import { sipjsLeftOutProblems } from '../../../scripts/check-dist.mjs';
import { generatedInput, MESSAGES, VALUES } from '../../../test/sip-grammar-corpus';
import { API_LAYER_RULES, parse as unitTestParse } from '../../../test/sipjs-grammar';
import { parse } from './index';

/** The start rules sip.js's core and Voxline use (the last test checks this list against the code). */
const RULES = [
  'Request_Response', 'SIP_URI', 'Name_Addr_Header', 'Contact', 'Record_Route', 'From', 'To', 'Refer_To', 'Via', 'CSeq',
  'Call_ID', 'Content_Length', 'Max_Forwards', 'Content_Type', 'Content_Disposition', 'Event', 'Subscription_State',
  'WWW_Authenticate', 'Proxy_Authenticate',
];

/** The start rule sip.js's message parser applies to a header (core/messages/parser.js and parseHeader()). */
const HEADER_RULES: Record<string, string> = {
  via: 'Via', v: 'Via', from: 'From', f: 'From', to: 'To', t: 'To', 'record-route': 'Record_Route', 'call-id': 'Call_ID',
  i: 'Call_ID', contact: 'Contact', m: 'Contact', 'content-length': 'Content_Length', l: 'Content_Length',
  'content-type': 'Content_Type', c: 'Content_Type', cseq: 'CSeq', 'max-forwards': 'Max_Forwards',
  'www-authenticate': 'WWW_Authenticate', 'proxy-authenticate': 'Proxy_Authenticate', 'refer-to': 'Refer_To', r: 'Refer_To',
  event: 'Event', o: 'Event', 'subscription-state': 'Subscription_State', 'content-disposition': 'Content_Disposition',
};

type Parse = (input: string, options: { startRule?: string; data?: unknown }) => unknown;

/** What sip.js's Grammar.parse returns with one parser or the other: options.data, or -1 on a throw. */
function run(parser: Parse, input: string, startRule: string | undefined): unknown {
  const options: { startRule?: string; data?: unknown } = { startRule };
  try {
    parser(input, options);
  } catch {
    options.data = -1;
  }
  return options.data;
}

/** Every `toString()` of a URI or name-address in a result (it throws on some users: kept as text). */
function renderings(value: unknown, out: string[] = []): string[] {
  if (value && typeof value === 'object') {
    if ('uri' in value || 'normal' in value) {
      try {
        out.push(String(value));
      } catch (error) {
        out.push(`throws ${(error as Error).name}`);
      }
    }
    for (const inner of Object.values(value)) renderings(inner, out);
  }
  return out;
}

let compared = 0;
/** Both parsers on one input: the same result, or both reject. */
function same(input: string, startRule: string): void {
  const peg = run(pegParse as Parse, input, startRule);
  const ours = run(parse as Parse, input, startRule);
  const label = `${startRule}: ${JSON.stringify(input.length > 200 ? input.slice(0, 200) + '…' : input)}`;
  expect(ours, label).toStrictEqual(peg);
  expect(JSON.stringify(ours), label).toBe(JSON.stringify(peg));
  expect(renderings(ours), label).toEqual(renderings(peg));
  compared++;
}

/** The first line and each header of a message, with the start rule sip.js applies. */
function split(message: string): Array<[string, string]> {
  const [head] = message.split('\r\n\r\n');
  const [firstLine, ...headers] = head!.split(/\r\n(?![ \t])/);
  const parts: Array<[string, string]> = [[firstLine!, 'Request_Response']];
  for (const header of headers) {
    const colon = header.indexOf(':');
    const rule = HEADER_RULES[header.slice(0, colon).trim().toLowerCase()];
    parts.push([header.slice(colon + 1).trim(), rule ?? 'none']);
  }
  return parts;
}

const messageParts = MESSAGES.flatMap(split).filter(([, rule]) => rule !== 'none');
const corpus = [...MESSAGES.flatMap(split).map(([value]) => value), ...VALUES];

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [...' \t\r\n;,:=<>"\\@[]?&%/.*-_+!~\'()`{}abzAZ09f', '\0', '\x7f', '\x80', 'é', '€', '😀', '\ud800', '\r\n ', '%2', '%41', '::', 'sip:', '<sip:a@b>', ';lr', ';tag=x', 'SIP/2.0'];

function mutate(value: string, next: () => number): string {
  const at = (): number => Math.floor(next() * (value.length + 1));
  const pick = (): string => ALPHABET[Math.floor(next() * ALPHABET.length)]!;
  for (let round = 1 + Math.floor(next() * 3); round > 0; round--) {
    const i = at();
    const j = Math.min(value.length, i + 1 + Math.floor(next() * 8));
    switch (Math.floor(next() * 5)) {
      case 0: value = value.slice(0, i); break;
      case 1: value = value.slice(0, i) + pick() + value.slice(i + 1); break;
      case 2: value = value.slice(0, i) + pick() + value.slice(i); break;
      case 3: value = value.slice(0, j) + value.slice(i, j) + value.slice(j); break;
      default: value = value.slice(0, i) + value.slice(j);
    }
  }
  return value;
}

describe('SIP grammar: the same results as sip.js 0.21\'s PEG parser', () => {
  it('on every line of real messages, with the start rule sip.js applies to it', () => {
    const parts = messageParts;
    expect(parts.length).toBeGreaterThan(60);
    for (const [value, rule] of parts) same(value, rule);
    // The corpus is parsed, not rejected: most real values must be accepted by both.
    const accepted = parts.filter(([value, rule]) => run(parse as Parse, value, rule) !== -1);
    expect(accepted.length / parts.length).toBeGreaterThan(0.8);
  });

  it('on every value of the corpus under every start rule', () => {
    for (const value of corpus) for (const rule of RULES) same(value, rule);
  });

  it('on 6,000 seeded mutations of the corpus (truncations, flipped, inserted and repeated bytes)', () => {
    const next = random(12);
    let accepted = 0;
    for (let n = 0; n < 6000; n++) {
      // A message's header under its own rule, or any value under the next rule.
      const [value, rule] = n % 2 ? messageParts[Math.floor(next() * messageParts.length)]! : [corpus[Math.floor(next() * corpus.length)]!, RULES[n % RULES.length]!];
      const input = mutate(value, next);
      same(input, rule);
      same(input, RULES[Math.floor(next() * RULES.length)]!);
      if (run(parse as Parse, input, rule) !== -1) accepted++;
    }
    // Not only rejections: a good share of the mutants still parse, so results are compared too.
    expect(accepted).toBeGreaterThan(800);
  }, 30_000);

  it('on 10,000 seeded inputs built from the grammar\'s pieces (IPv6 forms, URI and header parameters, challenges)', () => {
    const next = random(5);
    let accepted = 0;
    for (let n = 0; n < 10_000; n++) {
      const [input, rules] = generatedInput(next);
      const rule = rules[n % rules.length]!;
      same(input, rule);
      if (run(parse as Parse, input, rule) !== -1) accepted++;
    }
    expect(accepted).toBeGreaterThan(2_500);
  }, 30_000);

  it('on huge and degenerate inputs', () => {
    const huge = [
      'a'.repeat(20_000),
      ' '.repeat(20_000) + 'x',
      ';'.repeat(20_000),
      'sip:a@b' + ';x'.repeat(10_000),
      'sip:a@b?' + 'h=1&'.repeat(5_000),
      '<sip:a@b>,'.repeat(2_000) + '<sip:c@d>',
      '"' + 'a\\"'.repeat(10_000),
      'SIP/2.0/UDP h;' + 'p=1;'.repeat(5_000) + 'branch=x',
      'Digest ' + 'realm="x",'.repeat(2_000) + 'nonce="y"',
      '\r\n'.repeat(5_000),
      '['.repeat(5_000) + ':'.repeat(5_000),
    ];
    for (const input of huge) for (const rule of RULES) same(input, rule);
    // Each of these takes the PEG parser up to a second; this grammar has no quadratic path.
  }, 60_000);

  it('rejects, as the PEG does, start rules it does not know; and those the PEG has but nothing here uses', () => {
    for (const rule of ['Nope', 'toString', 'constructor', '__proto__', 'Expires', 'Min_Expires']) same('sip:a@b', rule);
    expect(run(parse as Parse, 'sip:a@b', undefined as unknown as string)).toBe(-1);
    // The one deliberate difference: rules the PEG allows that neither sip.js's core nor Voxline
    // parse (the last test proves it) are unknown here, so they give -1 where the PEG parses.
    for (const rule of ['Supported', 'Require', 'Session_Expires', 'Min_SE', 'Replaces', 'Referred_By', 'absoluteURI', 'host', 'uuid']) {
      expect(run(parse as Parse, 'x', rule), rule).toBe(-1);
    }
    // Without a start rule both start from Contact.
    expect(run(parse as Parse, '<sip:a@b>', '' as string)).toBe(-1);
    const options: { data?: unknown } = {};
    parse('<sip:a@b>', options);
    expect(JSON.stringify(options.data)).toBe(JSON.stringify(run(pegParse as Parse, '<sip:a@b>', 'Contact')));
  });

  it('knows every start rule that sip.js\'s core and Voxline parse with', () => {
    const files = (dir: string, ext: string): string[] =>
      fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(ext) && !f.endsWith('.test.ts')).map((f) => path.join(dir, f));
    const sources = [...files('node_modules/sip.js/lib/core', '.js'), 'node_modules/sip.js/lib/grammar/grammar.js', ...files('src', '.ts')].map((f) => fs.readFileSync(f, 'utf8'));
    // parseHeader(name) and its alias s(name) parse with the header's name, headerized, "-" -> "_".
    const headerize = (name: string): string => {
      const h = name.toLowerCase().split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-');
      return ({ 'Call-Id': 'Call-ID', Cseq: 'CSeq', 'Www-Authenticate': 'WWW-Authenticate' } as Record<string, string>)[h] ?? h;
    };
    const used = new Set<string>();
    for (const source of sources) {
      for (const m of source.matchAll(/(?:parseHeader|\bs)\(\s*["'`]([\w-]+)["'`]/g)) used.add(headerize(m[1]!).replace(/-/g, '_'));
      for (const m of source.matchAll(/Grammar\.parse\([^,]+,\s*["'`](\w+)["'`]/g)) used.add(m[1]!);
      if (/\bURIParse\(/.test(source)) used.add('SIP_URI');
      if (/\bnameAddrHeaderParse\(/.test(source)) used.add('Name_Addr_Header');
    }
    expect([...used].sort()).toEqual([...RULES].sort());
    for (const rule of used) {
      expect(() => parse('\u0000', { startRule: rule }), rule).toThrow(/^invalid/);
    }
  });

  it('holds none of the PEG parser\'s markers that scripts/check-dist.mjs looks for in the bundles', () => {
    for (const file of fs.readdirSync('src/sip/grammar').filter((f) => !f.endsWith('.test.ts'))) {
      expect(sipjsLeftOutProblems(fs.readFileSync(path.join('src/sip/grammar', file), 'utf8'), file), file).toEqual([]);
    }
  });

  it('is the grammar sip.js uses in the unit tests (vitest.config.ts aliases the PEG module to test/sipjs-grammar.ts)', () => {
    expect(Grammar.parse('timer', 'Supported')).toBe(-1);
    expect(run(pegParse as Parse, 'timer', 'Supported')).toEqual(['timer']);
    expect(Grammar.URIParse('sip:alice@voxline.test')?.toString()).toBe('sip:alice@voxline.test');
    expect(compared).toBeGreaterThan(10_000);
    // Only the API layer's rules (no bundle has that layer) go to the PEG there.
    expect(API_LAYER_RULES.filter((rule) => RULES.includes(rule))).toEqual([]);
    expect(Grammar.parse('wss://sip.voxline.test:8443/ws', 'absoluteURI')).toMatchObject({ scheme: 'wss', host: 'sip.voxline.test', port: 8443 });
    expect(run(unitTestParse as Parse, 'timer', 'Supported')).toBe(-1);
    expect(run(unitTestParse as Parse, '*', 'Contact')).toBe(-1);
  });
});

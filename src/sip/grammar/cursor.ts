/**
 * The cursor every rule of Voxline's SIP grammar reads from, and the character classes of RFC 3261
 * the rules share.
 *
 * The grammar is a hand-written recursive-descent copy of sip.js 0.21's PEG grammar
 * (`src/grammar/pegjs/src/grammar.pegjs`), kept to the rules sip.js's core and Voxline use. It
 * follows PEG semantics on purpose: ordered choice (the first alternative that matches wins, with
 * no backtracking into it afterwards), greedy repetition that never gives input back, and the
 * grammar's actions run at the same points and write the same fields to `cur.data`, leftovers
 * included (sip.js reads some of them). A regular expression stands in for a rule only where the
 * rule has no action inside and a greedy match equals the PEG's (the rule is a run of a character
 * class, or its alternatives start with different characters); nothing follows such a regular
 * expression inside it, so it never backtracks (no quadratic time on hostile input).
 */

/** The fields the grammar's actions write: a plain object until a start rule replaces it. */
export type Data = any;

/** The input, the position in it, the start rule and the result being built. */
export const cur = { input: '', pos: 0, rule: '', data: {} as Data };

/** A sticky regular expression (it matches at `lastIndex` only). */
export const sticky = (source: string): RegExp => new RegExp(source, 'y');

const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
/** `escaped` = "%" HEXDIG HEXDIG */
const ESCAPED = '%[0-9A-Fa-f]{2}';
/** One or more of `chars` (a character class body) or escapes, as in `user` or `pname`. */
export const escapedRun = (chars: string, min = '+'): RegExp => sticky(`(?:[${UNRESERVED}${chars}]|${ESCAPED})${min}`);

export const TOKEN = sticky("[A-Za-z0-9\\-.!%*_+`'~]+");
/** `LWS` = [*WSP CRLF] 1*WSP */
export const LWS = sticky('(?:[ \\t]*\\r\\n)?[ \\t]+');
export const DIGITS = sticky('\\d+');
/**
 * The inside of a quoted string: `qdtext` / `quoted-pair`. `qdtext`'s LWS is folded into the class
 * (WSP) and `CRLF WSP`: the same strings end on the closing quote as with the PEG's LWS.
 */
const QUOTED_CONTENT = sticky('(?:[\\t !#-\\[\\]-~\\x80-\\uffff]|\\r\\n[ \\t]|\\\\[\\0-\\t\\v\\f\\x0e-\\x7f])*');

/** Matches `pattern` at the cursor: the text matched (and the cursor moves past it), or undefined. */
export function match(pattern: RegExp): string | undefined {
  pattern.lastIndex = cur.pos;
  const found = pattern.exec(cur.input);
  if (!found) return undefined;
  cur.pos = pattern.lastIndex;
  return found[0];
}

/** A case-insensitive literal as the PEG compares it (`"sip"i`): the input's own text, or undefined. */
export function literal(lower: string): string | undefined {
  const found = cur.input.substr(cur.pos, lower.length);
  if (found.toLowerCase() !== lower) return undefined;
  cur.pos += lower.length;
  return found;
}

/** The first of `lowers` that matches (PEG ordered choice of case-insensitive literals). */
export const anyLiteral = (lowers: string[]): string | undefined => {
  for (const lower of lowers) {
    const found = literal(lower);
    if (found !== undefined) return found;
  }
  return undefined;
};

/** One character, case-sensitive. */
export function char(expected: string): boolean {
  if (cur.input[cur.pos] !== expected) return false;
  cur.pos++;
  return true;
}

/** The input from `start` to the cursor (the PEG's `text()`). */
export const text = (start: number): string => cur.input.slice(start, cur.pos);

/** Moves the cursor back to `start` and fails: `return fail(start)`. */
export function fail(start: number): false {
  cur.pos = start;
  return false;
}

/** `SWS` = [LWS] */
export const sws = (): void => void match(LWS);

/** `SWS separator SWS`: SEMI, COMMA, EQUAL, SLASH, COLON, STAR. */
export function separator(separatorChar: string): boolean {
  const start = cur.pos;
  sws();
  if (!char(separatorChar)) return fail(start);
  sws();
  return true;
}

/** `quoted-string` = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE: its whole text, or undefined. */
export function quotedString(): string | undefined {
  const start = cur.pos;
  return quotedContent() === undefined ? undefined : text(start);
}

/** `quoted_string_clean`: the same rule, giving only the text between the quotes. */
export function quotedContent(): string | undefined {
  const start = cur.pos;
  sws();
  if (!char('"')) return void fail(start);
  const content = match(QUOTED_CONTENT)!;
  if (!char('"')) return void fail(start);
  return content;
}

/** `DIGIT+` as a number (`delta-seconds`, `Content-Length`, `Max-Forwards`, CSeq's number). */
export function integer(): number | undefined {
  const digits = match(DIGITS);
  return digits === undefined ? undefined : parseInt(digits);
}

/**
 * `"name"i EQUAL value`, the shape of most header parameters: the value, or undefined with the
 * cursor back where it was.
 */
export function named<T>(lower: string, value: () => T | undefined): T | undefined {
  const start = cur.pos;
  if (literal(lower) !== undefined && separator('=')) {
    const found = value();
    if (found !== undefined) return found;
  }
  return void fail(start);
}

/** Sets `cur.data[name]` when `value` is defined (an action such as `options.data.branch = branch`). */
export function field(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  cur.data[name] = value;
  return true;
}

/** `rule (separator rule)*` with PEG's repetition: a failed round gives its separator back. */
export function repeat(separatorChar: string, rule: () => boolean): void {
  for (;;) {
    const start = cur.pos;
    if (!separator(separatorChar) || !rule()) return void fail(start);
  }
}

/** Runs `rule`; when it fails, moves the cursor back to where it was. */
export function attempt(rule: () => boolean): boolean {
  const start = cur.pos;
  return rule() || fail(start);
}

/** The methods the PEG names before falling back to `token`: "INVITEX" stops after "INVITE". */
const METHODS = ['INVITE', 'ACK', 'OPTIONS', 'BYE', 'CANCEL', 'REGISTER', 'SUBSCRIBE', 'PUBLISH', 'NOTIFY', 'REFER'];

/** `Method` (case-sensitive): sets `cur.data.method`, wherever it matches (a URI's `method=` too). */
export function method(): string | undefined {
  const start = cur.pos;
  const known = METHODS.find((name) => cur.input.startsWith(name, cur.pos));
  if (known) cur.pos += known.length;
  else if (match(TOKEN) === undefined) return undefined;
  return (cur.data.method = text(start));
}

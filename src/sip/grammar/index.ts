/**
 * Voxline's SIP grammar: a drop-in replacement for sip.js 0.21's generated PEG parser
 * (`sip.js/lib/grammar/pegjs/dist/grammar.js`, ≈ 9 KiB gzipped), which rollup.config.mjs swaps
 * for this module in every build and vitest.config.ts in the unit tests. Same contract as the PEG
 * module for the start rules sip.js's core and Voxline use: `parse(input, {startRule})` writes
 * the result to `options.data` and throws when the input does not match the whole rule, or when
 * the start rule is not one of these (sip.js's `Grammar.parse` turns a throw into -1).
 * grammar.test.ts runs both parsers on the same inputs and compares the results.
 */
import { challenge } from './challenge.js';
import { cur } from './cursor.js';
import { requestResponse } from './first-line.js';
import { callId, contentDisposition, contentType, cseq, digits, event, subscriptionState, via } from './headers.js';
import { contact, fromTo, nameAddrHeader, recordRoute, referTo } from './name-addr.js';
import { sipUri } from './uri.js';

/** The start rules, by the names sip.js passes (a header's name with "_" for "-"). */
const START_RULES = new Map<string, () => boolean>([
  ['Request_Response', requestResponse],
  ['SIP_URI', () => sipUri()],
  ['Name_Addr_Header', nameAddrHeader],
  ['Contact', contact],
  ['Record_Route', recordRoute],
  ['From', fromTo],
  ['To', fromTo],
  ['Refer_To', referTo],
  ['Via', via],
  ['CSeq', cseq],
  ['Call_ID', callId],
  ['Content_Length', digits],
  ['Max_Forwards', digits],
  ['Content_Type', contentType],
  ['Content_Disposition', contentDisposition],
  ['Event', event],
  ['Subscription_State', subscriptionState],
  ['WWW_Authenticate', challenge],
  ['Proxy_Authenticate', challenge],
]);

/** The start rules this grammar knows (its test checks that sip.js and Voxline use no other). */
export const startRules = [...START_RULES.keys()];

/** The options sip.js's `Grammar.parse` passes: the start rule, and where the result goes. */
export interface ParseOptions {
  startRule?: string;
  data?: unknown;
}

/**
 * Parses `input` from `options.startRule` (Contact when absent, as the PEG's default) and writes
 * the result to `options.data`. Throws when the input does not match.
 */
export function parse(input: string, options: ParseOptions = {}): void {
  const ruleName = 'startRule' in options ? options.startRule : 'Contact';
  const rule = START_RULES.get(ruleName as string);
  if (!rule) throw new Error(`unknown start rule "${ruleName}"`);
  if (typeof input !== 'string') throw new TypeError('the input is not a string');
  cur.input = input;
  cur.pos = 0;
  cur.rule = ruleName!;
  cur.data = options.data = {};
  const matched = rule();
  options.data = cur.data;
  cur.input = '';
  if (!matched || cur.pos !== input.length) throw new SyntaxError(`invalid ${ruleName}`);
}

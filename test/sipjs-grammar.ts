/**
 * The grammar sip.js runs in the unit tests (vitest.config.ts aliases sip.js's PEG parser module
 * to this file): Voxline's own (src/sip/grammar), the one the bundles ship, for every start rule
 * but three. Those three are called only by parts of sip.js that no bundle contains (its API
 * layer and web transport, which scripts/check-dist.mjs keeps out) and that the test beds use as
 * the far end (test/sip-call-bed.ts's `UserAgent`): they go to sip.js's PEG parser.
 */
import { parse as pegParse } from '../node_modules/sip.js/lib/grammar/pegjs/dist/grammar.js';
import { parse as voxlineParse } from '../src/sip/grammar/index';

/**
 * `uuid` (UserAgent's and Registerer's instanceId), `absoluteURI` (the web transport's server URL),
 * `Replaces` (UserAgent's incoming INVITE with Replaces).
 */
export const API_LAYER_RULES = ['uuid', 'absoluteURI', 'Replaces'];

/** `parse(input, {startRule})` as sip.js's `Grammar.parse` calls it. */
export function parse(input: string, options: { startRule?: string; data?: unknown } = {}): void {
  if (API_LAYER_RULES.includes(options.startRule as string)) pegParse(input, options);
  else voxlineParse(input, options);
}

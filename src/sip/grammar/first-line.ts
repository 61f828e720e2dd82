/**
 * `Request_Response`: the first line of a SIP message (RFC 3261 7.1, 7.2), as sip.js's PEG
 * grammar reads it. A status line sets `sip_version`, `status_code`, `reason_phrase`; a request
 * line sets `method`, `uri` (a sip/sips Request-URI; another scheme leaves `scheme` and no `uri`,
 * as in the PEG) and `sip_version`.
 */
import { char, cur, escapedRun, fail, literal, match, method, sticky, text } from './cursor.js';
import { absoluteUri, sipUri } from './uri.js';

const VERSION_NUMBER = sticky('\\d+\\.\\d+');
const STATUS_CODE = sticky('\\d{3}');
/** `Reason-Phrase` = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB) */
const REASON_PHRASE = escapedRun(';/?:@&=+$, \\t\\x80-\\uffff', '*');

/** `SIP-Version` = "SIP"i "/" 1*DIGIT "." 1*DIGIT */
function sipVersion(): boolean {
  const start = cur.pos;
  if (literal('sip') === undefined || !char('/') || match(VERSION_NUMBER) === undefined) return fail(start);
  cur.data.sip_version = text(start);
  return true;
}

function statusLine(): boolean {
  const start = cur.pos;
  if (!sipVersion() || !char(' ')) return fail(start);
  const code = match(STATUS_CODE);
  if (code === undefined) return fail(start);
  cur.data.status_code = parseInt(code);
  if (!char(' ')) return fail(start);
  const reasonStart = cur.pos;
  match(REASON_PHRASE);
  cur.data.reason_phrase = text(reasonStart);
  return true;
}

function requestLine(): boolean {
  const start = cur.pos;
  if (method() === undefined || !char(' ') || !(sipUri() || absoluteUri()) || !char(' ') || !sipVersion()) return fail(start);
  return true;
}

/** `Request_Response` = Status-Line / Request-Line */
export const requestResponse = (): boolean => statusLine() || requestLine();

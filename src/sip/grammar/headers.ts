/**
 * The other headers sip.js parses, as its PEG grammar reads them: Via (a plain object; with several
 * values in one line, the last one's fields win and parameters add up, as there), CSeq, Call-ID,
 * Content-Length, Max-Forwards, Content-Type (its text), Content-Disposition, Event,
 * Subscription-State.
 */
import { anyLiteral, field, attempt, cur, fail, integer, LWS, match, method, named, quotedString, repeat, separator, sticky, text, TOKEN } from './cursor.js';
import { genericParam } from './name-addr.js';
import { anyHost, host, ipv4, ipv6, ipv6Reference, port, ttlValue } from './uri.js';

const WORD = "[A-Za-z0-9\\-.!%*_+`'~()<>:\\\\\"/\\[\\]?{}]+";
const CALL_ID = sticky(`${WORD}(?:@${WORD})?`);
const TOKEN_NO_DOT = "[A-Za-z0-9\\-!%*_+`'~]+";
const EVENT_TYPE = sticky(`${TOKEN_NO_DOT}(?:\\.${TOKEN_NO_DOT})*`);
const RPORT = sticky('\\d*');


function viaParams(): boolean {
  return (
    field('ttl', named('ttl', ttlValue)) ||
    field('maddr', named('maddr', host)) ||
    field('received', named('received', () => ipv4() ?? ipv6() ?? ipv6Reference())) ||
    field('branch', named('branch', () => match(TOKEN))) ||
    field('rport', named('rport', () => match(RPORT))) ||
    genericParam()
  );
}

/** `via-parm` = sent-protocol LWS sent-by *(SEMI via-params) */
function viaParm(): boolean {
  const start = cur.pos;
  if (
    !field('protocol', anyLiteral(['sip']) ?? match(TOKEN)) ||
    !separator('/') ||
    match(TOKEN) === undefined ||
    !separator('/') ||
    !field('transport', anyLiteral(['udp', 'tcp', 'tls', 'sctp']) ?? match(TOKEN)) ||
    match(LWS) === undefined ||
    !field('host', anyHost())
  ) {
    return fail(start);
  }
  if (separator(':')) cur.data.port = port();
  repeat(';', viaParams);
  return true;
}

/** `Via` = via-parm *(COMMA via-parm) */
export function via(): boolean {
  if (!viaParm()) return false;
  repeat(',', viaParm);
  return true;
}

/** `CSeq` = 1*DIGIT LWS Method: `{value, method}` */
export const cseq = (): boolean => field('value', integer()) && match(LWS) !== undefined && method() !== undefined;

/** A start rule whose whole result is one value: Call-ID, Content-Length, Max-Forwards. */
function result(value: unknown): boolean {
  if (value === undefined) return false;
  cur.data = value;
  return true;
}

/** `Call-ID` = word ["@" word] */
export const callId = (): boolean => result(match(CALL_ID));

/** `Content-Length`, `Max-Forwards` = 1*DIGIT */
export const digits = (): boolean => result(integer());

/** `Content-Type` = m-type SLASH m-subtype *(SEMI m-parameter): its text. */
export function contentType(): boolean {
  if ((anyLiteral(['text', 'image', 'audio', 'video', 'application']) ?? match(TOKEN)) === undefined) return false;
  if (!separator('/') || match(TOKEN) === undefined) return false;
  repeat(';', () => attempt(() => match(TOKEN) !== undefined && separator('=') && (match(TOKEN) ?? quotedString()) !== undefined));
  return result(text(0));
}

/** `Content-Disposition` = disp-type *(SEMI disp-param): `{type, params}` */
export function contentDisposition(): boolean {
  if ((anyLiteral(['render', 'session', 'icon', 'alert']) ?? match(TOKEN)) === undefined) return false;
  cur.data.type = text(0).toLowerCase();
  repeat(';', () => named('handling', () => anyLiteral(['optional', 'required']) ?? match(TOKEN)) !== undefined || genericParam());
  return true;
}

/** `Event` = event-type *(SEMI generic-param): `{event, params}`, the type lower-cased. */
export function event(): boolean {
  const type = match(EVENT_TYPE);
  if (type === undefined) return false;
  repeat(';', genericParam);
  cur.data.event = type.toLowerCase();
  return true;
}

const REASONS = ['deactivated', 'probation', 'rejected', 'timeout', 'giveup', 'noresource', 'invariant'];

/** `Subscription-State` = substate-value *(SEMI subexp-params): `{state, reason, expires, retry_after, params}` */
export function subscriptionState(): boolean {
  if (!field('state', anyLiteral(['active', 'pending', 'terminated']) ?? match(TOKEN))) return false;
  repeat(
    ';',
    () =>
      field('reason', named('reason', () => anyLiteral(REASONS) ?? match(TOKEN))) ||
      field('expires', named('expires', integer)) ||
      field('retry_after', named('retry_after', integer)) ||
      genericParam(),
  );
  return true;
}

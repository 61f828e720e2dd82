/**
 * `WWW-Authenticate` and `Proxy-Authenticate` (RFC 3261 25.1 `challenge`), as sip.js's PEG
 * grammar reads them: a Digest challenge sets `realm`, `nonce`, `opaque`, `stale`, `algorithm`
 * (upper-cased; "MD5-sess" is not read past "MD5", as there) and `qop` (a list, lower-cased); any
 * other scheme is only checked. A `domain` parameter's URIs leave their fields behind, as in the PEG.
 */
import { anyLiteral, field, attempt, char, cur, fail, literal, LWS, match, named, quotedContent, quotedString, repeat, separator, sticky, sws, TOKEN } from './cursor.js';
import { domainUri } from './uri.js';

const SPACES = sticky(' +');


/** `auth-param` = token EQUAL (token / quoted-string) */
const authParam = (): boolean => attempt(() => match(TOKEN) !== undefined && separator('=') && (match(TOKEN) ?? quotedString()) !== undefined);

/** `LDQUOT` = SWS DQUOTE */
const leftQuote = (): boolean => attempt(() => (sws(), char('"')));

/** `domain` = "domain" EQUAL LDQUOT URI *(1*SP URI) RDQUOT */
function domain(): boolean {
  const start = cur.pos;
  if (literal('domain') === undefined || !separator('=') || !leftQuote() || !domainUri()) return fail(start);
  while (attempt(() => match(SPACES) !== undefined && domainUri()));
  if (!char('"')) return fail(start);
  sws();
  return true;
}

/** One `qop-value`, pushed (lower-cased) as soon as it is read. */
function qopValue(): boolean {
  const value = anyLiteral(['auth-int', 'auth']) ?? match(TOKEN);
  if (value === undefined) return false;
  (cur.data.qop || (cur.data.qop = [])).push(value.toLowerCase());
  return true;
}

/** `qop-options` = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT */
function qopOptions(): boolean {
  const start = cur.pos;
  if (literal('qop') === undefined || !separator('=') || !leftQuote() || !qopValue()) return fail(start);
  while (attempt(() => char(',') && qopValue()));
  if (!char('"')) return fail(start);
  sws();
  return true;
}

function digestParam(): boolean {
  return (
    field('realm', named('realm', quotedContent)) ||
    domain() ||
    field('nonce', named('nonce', quotedContent)) ||
    field('opaque', named('opaque', quotedContent)) ||
    field('stale', named('stale', () => (literal('true') !== undefined ? true : literal('false') !== undefined ? false : undefined))) ||
    field('algorithm', named('algorithm', () => (anyLiteral(['md5', 'md5-sess']) ?? match(TOKEN))?.toUpperCase())) ||
    qopOptions() ||
    authParam()
  );
}

/** `challenge` = ("Digest" LWS digest-cln *(COMMA digest-cln)) / (auth-scheme LWS auth-param *(COMMA auth-param)) */
export function challenge(): boolean {
  if (attempt(() => literal('digest') !== undefined && match(LWS) !== undefined && digestParam())) {
    repeat(',', digestParam);
    return true;
  }
  if (!attempt(() => match(TOKEN) !== undefined && match(LWS) !== undefined && authParam())) return false;
  repeat(',', authParam);
  return true;
}

/**
 * SIP URIs and hosts (RFC 3261 25.1), as sip.js's PEG grammar reads them: `SIP_URI`,
 * `SIP_URI_noparams` (a URI outside angle brackets, whose `;params` belong to the header),
 * `absoluteURI` (any other scheme), `host` with IPv4 and IPv6 references. The actions write
 * `scheme`, `user`, `password`, `host`, `host_type`, `port`, `uri_params`, `uri_headers` and
 * `params.ttl` to `cur.data` the way the PEG does (a `maddr` URI parameter overwrites `host`, as
 * there), then build sip.js's own `URI`.
 */
import { URI } from 'sip.js/lib/grammar/uri.js';
import { anyLiteral, attempt, char, cur, escapedRun, fail, literal, match, method, sticky, text, TOKEN } from './cursor.js';

const USER = escapedRun('&=+$,;?/');
const PASSWORD = escapedRun('&=+$,', '*');
const DOMAIN_LABELS = sticky('(?:[\\w-]+\\.)*');
const TOP_LABEL = sticky('[A-Za-z][A-Za-z0-9-]*');
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IPV4 = sticky(`(?:${OCTET}\\.){3}${OCTET}`);
const H16 = sticky('[0-9A-Fa-f]{1,4}');
const PORT = sticky('\\d{0,5}');
const TTL = sticky('\\d{1,3}');
const PARAM_CHARS = escapedRun('\\[\\]/:&+$');
const HEADER_CHARS = '\\[\\]/?:+$';
const HEADER_NAME = escapedRun(HEADER_CHARS);
const HEADER_VALUE = escapedRun(HEADER_CHARS, '*');
const SCHEME = sticky('[A-Za-z][A-Za-z0-9+.-]*');
const PATH = escapedRun(':@&=+$,;/', '*');
const URIC = escapedRun(';/?:@&=+$,', '*');
const OPAQUE = escapedRun(';?:@&=+$,');

/**
 * The fifteen forms of `IPv6address`, in the PEG's order: h = h16, c = ":", d = "::",
 * o = [":" h16], L = ls32.
 */
const IPV6_FORMS = [
  'hc'.repeat(6) + 'L',
  ...[5, 4, 3, 2, 1, 0].map((n) => 'd' + 'hc'.repeat(n) + 'L'),
  'dh',
  'hd' + 'hc'.repeat(4) + 'L',
  ...[1, 2, 3, 4].map((n) => 'h' + 'o'.repeat(n) + 'd' + 'hc'.repeat(4 - n) + 'L'),
  'h' + 'o'.repeat(5) + 'dh',
  'h' + 'o'.repeat(6) + 'd',
];

/** `uri_scheme` = "sips"i / "sip"i (the action keeps the input's case). */
function uriScheme(): boolean {
  const scheme = anyLiteral(['sips', 'sip']);
  if (scheme === undefined) return false;
  cur.data.scheme = scheme;
  return true;
}

/** `userinfo` = user [":" password] "@": `user` is the decoded text before "@", password included. */
function userinfo(): boolean {
  const start = cur.pos;
  if (match(USER) === undefined) return false;
  if (char(':')) {
    const passwordStart = cur.pos;
    match(PASSWORD);
    cur.data.password = text(passwordStart);
  }
  if (!char('@')) return fail(start);
  cur.data.user = decodeURIComponent(text(start).slice(0, -1));
  return true;
}

function hostname(): string | undefined {
  const start = cur.pos;
  match(DOMAIN_LABELS);
  if (match(TOP_LABEL) === undefined) return void fail(start);
  char('.');
  cur.data.host_type = 'domain';
  return text(start);
}

/** `IPv4address` (sets `host_type` wherever it matches, as the PEG's action does). */
export function ipv4(): string | undefined {
  const address = match(IPV4);
  if (address !== undefined) cur.data.host_type = 'IPv4';
  return address;
}

function ipv6Form(form: string): boolean {
  for (const step of form) {
    const start = cur.pos;
    if (step === 'h' && match(H16) === undefined) return false;
    if (step === 'c' && !char(':')) return false;
    if (step === 'd' && !(char(':') && char(':'))) return false;
    if (step === 'o' && !(char(':') && match(H16) !== undefined)) cur.pos = start;
    if (step === 'L' && !(match(H16) !== undefined && char(':') && match(H16) !== undefined)) {
      cur.pos = start;
      if (ipv4() === undefined) return false;
    }
  }
  return true;
}

/** `IPv6address` without brackets. */
export function ipv6(): string | undefined {
  const start = cur.pos;
  for (const form of IPV6_FORMS) {
    if (ipv6Form(form)) {
      cur.data.host_type = 'IPv6';
      return text(start);
    }
    cur.pos = start;
  }
  return undefined;
}

/** `IPv6reference` = "[" IPv6address "]" */
export function ipv6Reference(): string | undefined {
  const start = cur.pos;
  if (!(char('[') && ipv6() !== undefined && char(']'))) return void fail(start);
  cur.data.host_type = 'IPv6';
  return text(start);
}

/** `hostname / IPv4address / IPv6reference`, without an action (Via's `viaHost` adds its own). */
export function anyHost(): string | undefined {
  return hostname() ?? ipv4() ?? ipv6Reference();
}

/** `host`: sets `cur.data.host` to its text. */
export function host(): string | undefined {
  const found = anyHost();
  return found === undefined ? undefined : (cur.data.host = found);
}

/** `ttl` = 1 to 3 digits, as a number. */
export function ttlValue(): number | undefined {
  const digits = match(TTL);
  return digits === undefined ? undefined : parseInt(digits);
}

/** `port` = 0 to 5 digits (none gives NaN, as the PEG's `parseInt('')`). */
export const port = (): number => parseInt(match(PORT)!);

function hostport(): boolean {
  if (host() === undefined) return false;
  if (char(':')) cur.data.port = port();
  return true;
}

/** Sets one entry of the URI's parameters (`uri_params`), creating the object as the PEG does. */
function uriParam(name: string, value: string | undefined): true {
  if (!cur.data.uri_params) cur.data.uri_params = {};
  cur.data.uri_params[name] = value;
  return true;
}

/** `name=` followed by `value`: the value, or undefined with the cursor back. */
function keyed<T>(prefix: string, value: () => T | undefined): T | undefined {
  const start = cur.pos;
  const found = literal(prefix) === undefined ? undefined : value();
  return found === undefined ? void fail(start) : found;
}

/** `uri-parameter` = transport / user / method / ttl / maddr / lr / other, in that order. */
function uriParameter(): boolean {
  let value = keyed('transport=', () => anyLiteral(['udp', 'tcp', 'sctp', 'tls']) ?? match(TOKEN));
  if (value !== undefined) return uriParam('transport', value.toLowerCase());
  value = keyed('user=', () => anyLiteral(['phone', 'ip']) ?? match(TOKEN));
  if (value !== undefined) return uriParam('user', value.toLowerCase());
  value = keyed('method=', method);
  if (value !== undefined) return uriParam('method', value);
  const ttl = keyed('ttl=', ttlValue);
  if (ttl !== undefined) {
    if (!cur.data.params) cur.data.params = {};
    cur.data.params.ttl = ttl;
    return true;
  }
  value = keyed('maddr=', host);
  if (value !== undefined) return uriParam('maddr', value);
  if (literal('lr') !== undefined) {
    const start = cur.pos;
    if (!(char('=') && match(TOKEN) !== undefined)) cur.pos = start;
    return uriParam('lr', undefined);
  }
  const name = match(PARAM_CHARS);
  if (name === undefined) return false;
  const start = cur.pos;
  const paramValue = char('=') ? match(PARAM_CHARS) : undefined;
  if (paramValue === undefined) cur.pos = start;
  return uriParam(name.toLowerCase(), paramValue);
}

/** `header` = hname "=" hvalue, added to `uri_headers` (lower-cased name → list of values). */
function uriHeader(): boolean {
  const start = cur.pos;
  const name = match(HEADER_NAME)?.toLowerCase();
  if (name === undefined || !char('=')) return fail(start);
  const value = match(HEADER_VALUE)!;
  if (!cur.data.uri_headers) cur.data.uri_headers = {};
  if (!cur.data.uri_headers[name]) cur.data.uri_headers[name] = [value];
  else cur.data.uri_headers[name].push(value);
  return true;
}

/** Builds `cur.data.uri` and deletes the fields it was built from. */
function buildUri(withParams: boolean): void {
  const data = cur.data;
  data.uri = withParams
    ? new URI(data.scheme, data.user, data.host, data.port, data.uri_params, data.uri_headers)
    : new URI(data.scheme, data.user, data.host, data.port);
  for (const field of ['scheme', 'user', 'host', 'host_type', 'port']) delete data[field];
  if (withParams) delete data.uri_params;
}

/** `SIP_URI`, or `SIP_URI_noparams` when `withParams` is false. */
export function sipUri(withParams = true): boolean {
  const start = cur.pos;
  if (!uriScheme() || !char(':')) return fail(start);
  userinfo();
  if (!hostport()) return fail(start);
  if (withParams) {
    while (attempt(() => char(';') && uriParameter()));
    if (attempt(() => char('?') && uriHeader())) while (attempt(() => char('&') && uriHeader()));
  }
  buildUri(withParams);
  if (cur.rule === 'SIP_URI') cur.data = cur.data.uri;
  return true;
}

/** `srvr` = [ [ userinfo "@" ] hostport ] (`userinfo` already ends with "@": two are needed). */
function server(): void {
  const start = cur.pos;
  attempt(() => userinfo() && char('@'));
  if (!hostport()) cur.pos = start;
}

/** `abs_path` = "/" path_segments */
const absolutePath = (): boolean => char('/') && match(PATH) !== undefined;

/**
 * `absoluteURI` = scheme ":" ( hier_part / opaque_part ). Only in a Refer-To does its action build
 * a `URI` (which throws without a host, as the PEG's does).
 */
export function absoluteUri(): boolean {
  const start = cur.pos;
  const scheme = match(SCHEME);
  if (scheme === undefined) return false;
  cur.data.scheme = scheme;
  if (!char(':')) return fail(start);
  const hierarchical = cur.input.startsWith('//', cur.pos) ? ((cur.pos += 2), server(), attempt(absolutePath), true) : absolutePath();
  if (hierarchical) {
    if (char('?')) match(URIC);
  } else if (match(OPAQUE) === undefined) return fail(start);
  else match(URIC);
  if (cur.rule === 'Refer_To') buildUri(true);
  return true;
}

/** `URI` in a digest challenge's `domain`: absoluteURI / abs_path. */
export const domainUri = (): boolean => absoluteUri() || attempt(absolutePath);

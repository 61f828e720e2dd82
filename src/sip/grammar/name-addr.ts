/**
 * Name-address headers as sip.js's PEG grammar reads them: Contact and Record-Route (a list of
 * `{position, offset, parsed}` entries, where `parsed` is sip.js's `NameAddrHeader`; a `*` Contact
 * is rejected, as the PEG's action throws on it), From and To (the tag set last), Refer-To (which
 * also takes an absolute URI with a host) and the `Name_Addr_Header` of `Grammar.nameAddrHeaderParse`.
 */
import { NameAddrHeader } from 'sip.js/lib/grammar/name-addr-header.js';
import { attempt, char, cur, fail, integer, LWS, match, named, quotedString, repeat, separator, sticky, sws, text, TOKEN } from './cursor.js';
import { absoluteUri, host, sipUri } from './uri.js';

/** token *(LWS token), the unquoted form of a display name. */
const DISPLAY_TOKENS = sticky(`${TOKEN.source}(?:${LWS.source}${TOKEN.source})*`);
const Q_VALUE = sticky('0(?:\\.\\d{0,3})?');

/** `displayName` = token *(LWS token) / quoted-string: trimmed, without its quotes (escapes kept). */
function displayName(): boolean {
  const start = cur.pos;
  if (match(DISPLAY_TOKENS) === undefined && quotedString() === undefined) return false;
  let name = text(start).trim();
  if (name[0] === '"') name = name.substring(1, name.length - 1);
  cur.data.displayName = name;
  return true;
}

/** `LAQUOT` = SWS "<" */
const leftAngle = (): boolean => attempt(() => (sws(), char('<')));
/** `RAQUOT` = ">" SWS */
const rightAngle = (): boolean => char('>') && (sws(), true);

/** `name_addr` = [display-name] LAQUOT SIP_URI RAQUOT */
const nameAddr = (): boolean => attempt(() => (displayName(), leftAngle() && sipUri() && rightAngle()));

/** `addr_spec / name_addr`: the URI of From, To and Contact. */
const address = (): boolean => sipUri(false) || nameAddr();

/** Sets one header parameter (`params`), creating the object as the PEG does. */
function param(name: string, value: unknown): true {
  if (!cur.data.params) cur.data.params = {};
  cur.data.params[name] = value;
  return true;
}

/** `generic_param` = token [EQUAL (token / host / quoted-string)]; the name lower-cased. */
export function genericParam(): boolean {
  const name = match(TOKEN);
  if (name === undefined) return false;
  const start = cur.pos;
  let value: string | undefined;
  if (separator('=')) value = match(TOKEN) ?? host() ?? quotedString();
  if (value === undefined) cur.pos = start;
  return param(name.toLowerCase(), value);
}

/** `(SEMI param)*` after an address. */
const params = (rule: () => boolean): void => repeat(';', rule);

/** Adds the address just read to the list of a Contact or Record-Route header. */
function listEntry(start: number): true {
  const data = cur.data;
  if (!data.multi_header) data.multi_header = [];
  const header = new NameAddrHeader(data.uri, data.displayName, data.params);
  delete data.uri;
  delete data.displayName;
  delete data.params;
  data.multi_header.push({ position: cur.pos, offset: start, parsed: header });
  return true;
}

function contactParams(): boolean {
  const q = named('q', () => {
    const value = match(Q_VALUE);
    return value === undefined ? undefined : parseFloat(value);
  });
  if (q !== undefined) return param('q', q);
  const expires = named('expires', integer);
  return expires !== undefined ? param('expires', expires) : genericParam();
}

/** `contact-param` = (addr-spec / name-addr) *(SEMI contact-params) */
function contactParam(): boolean {
  const start = cur.pos;
  if (!address()) return false;
  params(contactParams);
  return listEntry(start);
}

/** `rec-route` = name-addr *(SEMI rr-param) */
function recordRouteEntry(): boolean {
  const start = cur.pos;
  if (!nameAddr()) return false;
  params(genericParam);
  return listEntry(start);
}

/** `entry *(COMMA entry)`, the list becoming the result. */
function list(entry: () => boolean): boolean {
  if (!entry()) return false;
  repeat(',', entry);
  cur.data = cur.data.multi_header;
  return true;
}

/** `Contact` = STAR / contact-param *(COMMA contact-param) */
export function contact(): boolean {
  // The PEG's action reads the list's length, which a "*" Contact does not have: it throws.
  if (separator('*')) throw new TypeError('a "*" Contact has no address');
  return list(contactParam);
}

/** `Record-Route` = rec-route *(COMMA rec-route) */
export const recordRoute = (): boolean => list(recordRouteEntry);

/** The result of From, To, Refer-To and Name_Addr_Header: sip.js's NameAddrHeader. */
function nameAddrResult(): true {
  const data = cur.data;
  cur.data = new NameAddrHeader(data.uri, data.displayName, data.params);
  return true;
}

/** `From` and `To` = (addr-spec / name-addr) *(SEMI (tag-param / generic-param)) */
export function fromTo(): boolean {
  if (!address()) return false;
  params(() => {
    const tag = named('tag', () => match(TOKEN));
    return tag === undefined ? genericParam() : ((cur.data.tag = tag), true);
  });
  const tag = cur.data.tag;
  nameAddrResult();
  if (tag) cur.data.setParam('tag', tag);
  return true;
}

/** `Name_Addr_Header` = *display-name LAQUOT SIP_URI RAQUOT *(SEMI generic-param) */
export function nameAddrHeader(): boolean {
  const start = cur.pos;
  while (displayName());
  if (!(leftAngle() && sipUri() && rightAngle())) return fail(start);
  params(genericParam);
  return nameAddrResult();
}

/** `Refer-To` = (addr-spec / name-addr / [LAQUOT] absoluteURI [RAQUOT]) *(SEMI generic-param) */
export function referTo(): boolean {
  if (!address() && !attempt(() => (leftAngle(), absoluteUri() && (rightAngle(), true)))) return false;
  params(genericParam);
  return nameAddrResult();
}

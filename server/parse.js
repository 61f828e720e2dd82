// @ts-check
/**
 * Parsing and validation of incoming frames with sip.js's own parser and
 * grammar (no hand-written SIP parser). The result keeps the raw header lines
 * (SipMessage) for rewriting, and the parsed values the proxy needs.
 */
import { Grammar } from 'sip.js/lib/grammar/grammar.js';
import { Parser } from 'sip.js/lib/core/messages/parser.js';
import { IncomingRequestMessage } from 'sip.js/lib/core/messages/incoming-request-message.js';
import { sipJsLoggerAdapter } from './logger.js';
import { SipMessage, buildResponse } from './message.js';

/** @typedef {import('./logger.js').Logger} Logger */
/** @typedef {import('sip.js/lib/grammar/uri.js').URI} URI */
/**
 * @typedef {Object} Via
 * @property {string} text the raw top Via value
 * @property {string} host
 * @property {number | undefined} port
 * @property {string} branch
 */
/**
 * @typedef {Object} Parsed
 * @property {'request'|'response'} kind
 * @property {SipMessage} raw      header lines as received (body already trimmed to Content-Length)
 * @property {string} method       request method, or the CSeq method of a response
 * @property {string} ruriText     request-URI as written on the request line ('' for responses)
 * @property {URI | undefined} ruri
 * @property {number} status       0 for requests
 * @property {Via} topVia
 * @property {string} callId
 * @property {number} cseq
 * @property {string | undefined} fromTag
 * @property {string | undefined} toTag
 * @property {URI} fromUri
 * @property {URI} toUri
 * @property {URI[]} contacts      parsed Contact URIs (a `*` contact is not in here)
 * @property {import('sip.js/lib/grammar/name-addr-header.js').NameAddrHeader[]} contactHeaders
 * @property {boolean} wildcardContact
 */
/** @typedef {{ ok: true, msg: Parsed } | { ok: false, reason: string, reply?: string }} ParseResult */

const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/;

/**
 * A 4xx/5xx reply for a request we could not fully parse, if the request line
 * and at least a Via could be recovered; otherwise undefined (frame dropped).
 * @param {SipMessage | undefined} raw
 * @param {number} status
 * @param {string} reason
 */
function replyIfPossible(raw, status, reason) {
  if (!raw || !REQUEST_LINE.test(raw.startLine) || !raw.has('via')) return undefined;
  if (raw.startLine.startsWith('ACK ')) return undefined; // never answer an ACK
  return buildResponse(raw, status, reason, { toTag: 'vx400' });
}

/**
 * Reply for a frame that is too big to process: 513 Message Too Large
 * (RFC 3261 §21.5.12) if the head of the frame looks like a request.
 * @param {string} prefix the first few KB of the frame
 */
export function replyForOversize(prefix) {
  const end = prefix.indexOf('\r\n\r\n');
  const head = end >= 0 ? prefix.slice(0, end) : prefix.slice(0, prefix.lastIndexOf('\r\n'));
  return replyIfPossible(SipMessage.fromHead(head, '').msg, 513, 'Message Too Large');
}

/**
 * Parse one SIP frame.
 * @param {string} text
 * @param {Logger} logger
 * @returns {ParseResult}
 */
export function parseFrame(text, logger) {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { ok: false, reason: 'no end of header section (CRLF CRLF)' };
  const { msg: raw, error } = SipMessage.fromHead(text.slice(0, end), text.slice(end + 4));
  const isRequest = REQUEST_LINE.test(raw.startLine);
  if (!isRequest && !STATUS_LINE.test(raw.startLine)) {
    return { ok: false, reason: `not a SIP start line: "${raw.startLine.slice(0, 60)}"` };
  }
  /** @param {string} reason @returns {ParseResult} */
  const bad = (reason) => ({ ok: false, reason, reply: isRequest ? replyIfPossible(raw, 400, reason) : undefined });
  if (error) return bad(error);

  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!raw.has(name)) return bad(`Missing ${name} header`);
  }
  const cl = raw.get('content-length');
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return bad('Invalid Content-Length');
    const bytes = Buffer.from(raw.body);
    if (Number(cl) > bytes.length) return bad('Content-Length exceeds body');
    raw.body = bytes.subarray(0, Number(cl)).toString(); // RFC 3261 §18.3: extra bytes are discarded
  }

  const contactValues = raw.listValues('contact');
  const wildcardContact = contactValues.includes('*');
  if (wildcardContact && (contactValues.length > 1 || !raw.startLine.startsWith('REGISTER '))) {
    return bad('Wildcard Contact not allowed here');
  }
  // sip.js's grammar has no rule for `Contact: *`, so parse a copy without it.
  const forParser = wildcardContact
    ? new SipMessage(raw.startLine, raw.headers.filter((h) => h.key !== 'contact'), raw.body)
    : raw;
  const sip = Parser.parseMessage(forParser.toString(), /** @type {any} */ (sipJsLoggerAdapter(logger)));
  if (!sip || !sip.from || !sip.to || !sip.callId || !sip.cseq) return bad('Malformed header field');

  const viaText = raw.listValues('via')[0] ?? '';
  const via = Grammar.parse(viaText, 'Via');
  if (via === -1 || typeof via.host !== 'string') return bad('Malformed Via header');
  if (!via.branch) return bad('Via branch parameter is required');
  const cseqParsed = sip.parseHeader('cseq');
  const cseqMethod = String(cseqParsed?.method ?? '');
  const isReq = sip instanceof IncomingRequestMessage;
  if (isReq && cseqMethod !== sip.method) return bad('CSeq method does not match request method');

  const contactHeaders = [];
  const n = sip.getHeaders('contact').length;
  for (let i = 0; i < n; i++) {
    const c = sip.parseHeader('contact', i);
    if (c) contactHeaders.push(c);
  }
  return {
    ok: true,
    msg: {
      kind: isReq ? 'request' : 'response',
      raw,
      method: isReq ? sip.method : cseqMethod,
      ruriText: isReq ? raw.startLine.split(' ')[1] ?? '' : '',
      ruri: isReq ? sip.ruri : undefined,
      status: isReq ? 0 : sip.statusCode ?? 0,
      topVia: { text: viaText, host: via.host, port: via.port, branch: String(via.branch) },
      callId: sip.callId,
      cseq: sip.cseq ?? 0,
      fromTag: sip.fromTag || undefined,
      toTag: sip.toTag || undefined,
      fromUri: sip.from.uri,
      toUri: sip.to.uri,
      contacts: contactHeaders.map((c) => c.uri),
      contactHeaders,
      wildcardContact,
    },
  };
}

/**
 * Parse a Route/Record-Route value into its URI.
 * @param {string} value
 * @returns {URI | undefined}
 */
export function parseRouteUri(value) {
  const parsed = Grammar.parse(value, 'Record_Route');
  if (parsed === -1 || !Array.isArray(parsed) || !parsed[0]) return undefined;
  return parsed[0].parsed?.uri;
}

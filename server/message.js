// @ts-check
/**
 * SIP message text for the dev server: header lines kept as received so the
 * proxy can rewrite a message by inserting/removing lines (which is what a
 * proxy does anyway), plus building locally generated responses. Parsing and
 * validation live in parse.js (sip.js's parser and grammar).
 */
import { splitHeaderList } from './util.js';

/** @typedef {{ name: string, key: string, value: string }} Header */

/** Compact header forms (RFC 3261 §7.3.3 and extensions). */
const COMPACT = /** @type {Record<string, string>} */ ({
  v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type',
  k: 'supported', s: 'subject', e: 'content-encoding', r: 'refer-to', o: 'event', u: 'allow-events',
  b: 'referred-by', x: 'session-expires',
});

/** Canonical spelling used when re-serializing a compact header. */
const FULL_NAME = /** @type {Record<string, string>} */ ({
  via: 'Via', from: 'From', to: 'To', 'call-id': 'Call-ID', contact: 'Contact', 'content-length': 'Content-Length',
  'content-type': 'Content-Type', supported: 'Supported', subject: 'Subject', 'content-encoding': 'Content-Encoding',
  'refer-to': 'Refer-To', event: 'Event', 'allow-events': 'Allow-Events', 'referred-by': 'Referred-By',
  'session-expires': 'Session-Expires',
});

/** @param {string} name */
export function headerKey(name) {
  const n = name.trim().toLowerCase();
  return COMPACT[n] ?? n;
}

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

export class SipMessage {
  /**
   * @param {string} startLine
   * @param {Header[]} headers
   * @param {string} body
   */
  constructor(startLine, headers, body) {
    this.startLine = startLine;
    this.headers = headers;
    this.body = body;
  }

  /**
   * @param {string} head everything before the blank line
   * @param {string} body
   * @returns {{ msg: SipMessage, error?: string }} the message (malformed lines skipped) and the first problem found
   */
  static fromHead(head, body) {
    const lines = head.split('\r\n');
    const startLine = lines[0] ?? '';
    /** @type {Header[]} */
    const headers = [];
    let error;
    for (const line of lines.slice(1)) {
      const previous = headers[headers.length - 1];
      if (/^[ \t]/.test(line) && previous) {
        previous.value += ' ' + line.trim(); // unfold (RFC 3261 §7.3.1)
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).trim() : '';
      if (!TOKEN.test(name)) {
        error ??= 'Malformed header line';
        continue;
      }
      const key = headerKey(name);
      headers.push({ name: name.length === 1 ? FULL_NAME[key] ?? name : name, key, value: line.slice(colon + 1).trim() });
    }
    return { msg: new SipMessage(startLine, headers, body), error };
  }

  clone() {
    return new SipMessage(this.startLine, this.headers.map((h) => ({ ...h })), this.body);
  }

  /** @param {string} name */
  has(name) {
    const key = headerKey(name);
    return this.headers.some((h) => h.key === key);
  }

  /** @param {string} name @returns {string | undefined} */
  get(name) {
    const key = headerKey(name);
    return this.headers.find((h) => h.key === key)?.value;
  }

  /** Header line values. @param {string} name */
  getAll(name) {
    const key = headerKey(name);
    return this.headers.filter((h) => h.key === key).map((h) => h.value);
  }

  /** Comma-separated values across all lines (Via, Route, Contact...). @param {string} name */
  listValues(name) {
    return this.getAll(name).flatMap(splitHeaderList);
  }

  /** @param {string} name */
  remove(name) {
    const key = headerKey(name);
    this.headers = this.headers.filter((h) => h.key !== key);
  }

  /** Insert a header line above all others. @param {string} name @param {string} value */
  prepend(name, value) {
    this.headers.unshift({ name, key: headerKey(name), value });
  }

  /** @param {string} name @param {string} value */
  append(name, value) {
    this.headers.push({ name, key: headerKey(name), value });
  }

  /** Replace the first line of a header (or append it). @param {string} name @param {string} value */
  set(name, value) {
    const key = headerKey(name);
    const h = this.headers.find((x) => x.key === key);
    if (h) h.value = value;
    else this.append(name, value);
  }

  /**
   * Remove the first value of a (possibly comma-separated) header.
   * @param {string} name
   * @returns {string | undefined} the removed value
   */
  shift(name) {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    const header = this.headers[idx];
    if (!header) return undefined;
    const [first, ...rest] = splitHeaderList(header.value);
    if (rest.length) header.value = rest.join(', ');
    else this.headers.splice(idx, 1);
    return first;
  }

  toString() {
    const lines = [this.startLine];
    for (const h of this.headers) if (h.key !== 'content-length') lines.push(`${h.name}: ${h.value}`);
    lines.push(`Content-Length: ${Buffer.byteLength(this.body)}`);
    return lines.join('\r\n') + '\r\n\r\n' + this.body;
  }
}

/**
 * Build a response to `req` (any request, even one that failed validation).
 * Copies Via, From, To, Call-ID and CSeq as RFC 3261 §8.2.6.2 requires.
 * @param {SipMessage} req
 * @param {number} status
 * @param {string} reason
 * @param {{ toTag?: string, headers?: Array<[string, string]>, body?: string }} [opts]
 */
export function buildResponse(req, status, reason, opts = {}) {
  const res = new SipMessage(`SIP/2.0 ${status} ${reason}`, [], opts.body ?? '');
  for (const h of req.headers) {
    if (h.key === 'via') res.append('Via', h.value);
  }
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    let value = req.get(name);
    if (value === undefined) continue;
    if (name === 'To' && status > 100 && opts.toTag && !/;\s*tag=/i.test(value)) value += `;tag=${opts.toTag}`;
    res.append(name, value);
  }
  for (const [name, value] of opts.headers ?? []) res.append(name, value);
  if (!res.has('Server')) res.append('Server', 'voxline-dev-sip');
  return res.toString();
}

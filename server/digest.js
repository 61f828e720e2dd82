// @ts-check
/**
 * HTTP Digest authentication for SIP (RFC 3261 §22, RFC 2617): MD5, qop=auth.
 * Nonces are stateless: `<issued-at hex>.<HMAC>`, valid for `nonceTtlMs`.
 * Nothing in here ever logs or returns credentials.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Grammar } from 'sip.js/lib/grammar/grammar.js';

/** @typedef {import('./parse.js').Parsed} Parsed */
/**
 * @typedef {{ status: 'ok', username: string }
 *   | { status: 'challenge', stale: boolean }
 *   | { status: 'forbidden', reason: string }} DigestResult
 */

/** @param {string} s */
const md5 = (s) => createHash('md5').update(s, 'utf8').digest('hex');

/**
 * Parse `Digest k=v, k="v", ...` into a map (lower-case keys).
 * @param {string} value
 * @returns {Record<string, string> | undefined} undefined if not a Digest credential
 */
export function parseDigestCredentials(value) {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return undefined;
  /** @type {Record<string, string>} */
  const params = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/gy;
  const rest = (m[1] ?? '').trim();
  let match;
  let last = 0;
  while (last < rest.length && (match = re.exec(rest)) !== null) {
    params[(match[1] ?? '').toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3] ?? '';
    last = re.lastIndex;
    while (rest[last] === ' ') last++;
    re.lastIndex = last;
  }
  return last >= rest.length ? params : undefined;
}

/** @param {string} a @param {string} b */
function safeEqual(a, b) {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** @param {string} a @param {string} b */
function sameUri(a, b) {
  if (a === b) return true;
  const ua = Grammar.URIParse(a);
  const ub = Grammar.URIParse(b);
  return !!ua && !!ub && ua.toString() === ub.toString();
}

export class DigestAuth {
  /**
   * @param {{ realm: string, users: Record<string, string>, nonceTtlMs?: number, now?: () => number }} opts
   */
  constructor({ realm, users, nonceTtlMs = 5 * 60_000, now = Date.now }) {
    this.realm = realm;
    /** @type {Map<string, string>} */
    this.users = new Map(Object.entries(users));
    this.nonceTtlMs = nonceTtlMs;
    this.now = now;
    this.secret = randomBytes(32);
    this.opaque = randomBytes(8).toString('hex');
  }

  /** @param {string} issuedHex */
  sign(issuedHex) {
    return createHmac('sha256', this.secret).update(`${issuedHex}:${this.realm}`).digest('base64url').slice(0, 32);
  }

  newNonce() {
    const issued = this.now().toString(16);
    return `${issued}.${this.sign(issued)}`;
  }

  /**
   * @param {string} nonce
   * @returns {'valid' | 'stale' | 'invalid'}
   */
  checkNonce(nonce) {
    const [issued, sig] = nonce.split('.');
    if (!issued || !sig || !/^[0-9a-f]+$/.test(issued) || !safeEqual(sig, this.sign(issued))) return 'invalid';
    const age = this.now() - parseInt(issued, 16);
    return age >= 0 && age <= this.nonceTtlMs ? 'valid' : 'stale';
  }

  /** WWW-Authenticate / Proxy-Authenticate value. @param {boolean} [stale] */
  challenge(stale = false) {
    return `Digest realm="${this.realm}", nonce="${this.newNonce()}", opaque="${this.opaque}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  /**
   * Verify the credentials in `headerName` (Authorization or Proxy-Authorization).
   * @param {Parsed} req
   * @param {'authorization' | 'proxy-authorization'} headerName
   * @returns {DigestResult}
   */
  verify(req, headerName) {
    const creds = req.raw
      .getAll(headerName)
      .map(parseDigestCredentials)
      .find((c) => c !== undefined && c.realm === this.realm);
    if (!creds) return { status: 'challenge', stale: false };
    const { username, nonce, uri, response, qop, nc, cnonce, algorithm } = creds;
    if (!username || !nonce || !uri || !response) return { status: 'forbidden', reason: 'Incomplete Credentials' };
    const password = this.users.get(username);
    if (password === undefined) return { status: 'forbidden', reason: 'Forbidden' };
    if (algorithm && algorithm.toUpperCase() !== 'MD5') return { status: 'forbidden', reason: 'Unsupported Algorithm' };
    if (!sameUri(uri, req.ruriText)) return { status: 'forbidden', reason: 'Digest URI Mismatch' };
    const nonceState = this.checkNonce(nonce);
    if (nonceState === 'invalid') return { status: 'challenge', stale: false };

    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${req.method}:${uri}`);
    let expected;
    if (qop === undefined) {
      expected = md5(`${ha1}:${nonce}:${ha2}`); // RFC 2069 compatibility
    } else if (qop.toLowerCase() === 'auth' && nc && cnonce && /^[0-9a-fA-F]{8}$/.test(nc)) {
      expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
    } else {
      return { status: 'forbidden', reason: 'Unsupported qop' };
    }
    if (!safeEqual(expected, response.toLowerCase())) return { status: 'forbidden', reason: 'Forbidden' };
    if (nonceState === 'stale') return { status: 'challenge', stale: true };
    return { status: 'ok', username };
  }
}

// @ts-check
/**
 * Who may open a WebSocket to the dev server, decided at the HTTP upgrade, before any SIP:
 *  - the `sip` subprotocol (RFC 7118) must be offered, or the upgrade gets 400;
 *  - a browser's `Origin` must be on the allow-list (`allowedOrigins`), or it gets 403.
 *    Entries are origins (`http://127.0.0.1:8080`), any port of one scheme + host
 *    (`http://127.0.0.1:*`), or `*` (any origin: the check is off). The default list is empty.
 *  - No `Origin` header: accepted. Browsers always send one on a WebSocket handshake, so only
 *    non-browser clients (Node, tests, curl) omit it, and those could send any Origin they like.
 *    The check keeps other web sites open in the user's browser out; it does nothing against
 *    programs running on the machine.
 */

/**
 * @typedef {Object} UpgradeRefusal
 * @property {400 | 403} status
 * @property {string} message  sent as the response body and logged
 */

const ANY_PORT = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\*$/i;

/** @param {unknown} entry @param {string} why */
const badEntry = (entry, why) =>
  new TypeError(`invalid allowedOrigins entry ${JSON.stringify(entry)}: ${why} (expected e.g. "http://127.0.0.1:8080", "http://127.0.0.1:*" or "*")`);

/**
 * Build the Origin test for an allow-list; throws a TypeError naming `allowedOrigins` for a bad entry.
 * @param {readonly string[]} allowedOrigins
 * @returns {(origin: string | undefined) => boolean}
 */
export function createOriginCheck(allowedOrigins) {
  if (!Array.isArray(allowedOrigins)) throw new TypeError('invalid allowedOrigins: expected an array of origins');
  let any = false;
  /** @type {Set<string>} exact origins, as URL#origin spells them */
  const exact = new Set();
  /** @type {Set<string>} "scheme://host" allowed on any port */
  const anyPort = new Set();
  for (const entry of allowedOrigins) {
    if (typeof entry !== 'string') throw badEntry(entry, 'not a string');
    if (entry === '*') {
      any = true;
      continue;
    }
    const wildcard = ANY_PORT.exec(entry);
    if (wildcard) {
      anyPort.add(`${wildcard[1]}://${wildcard[2]}`.toLowerCase());
      continue;
    }
    let url;
    try {
      url = new URL(entry);
    } catch {
      throw badEntry(entry, 'not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badEntry(entry, 'not http or https');
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      throw badEntry(entry, 'an origin has no path, query, fragment or credentials');
    }
    exact.add(url.origin);
  }
  return (origin) => {
    if (origin === undefined || any) return true;
    let url;
    try {
      url = new URL(origin);
    } catch {
      return false; // includes "null", the origin of sandboxed and file: pages
    }
    return exact.has(url.origin) || anyPort.has(`${url.protocol}//${url.hostname}`);
  };
}

/**
 * Why an upgrade request must be refused, or undefined to accept it.
 * @param {import('node:http').IncomingMessage} req
 * @param {(origin: string | undefined) => boolean} originAllowed
 * @returns {UpgradeRefusal | undefined}
 */
export function upgradeRefusal(req, originAllowed) {
  const origin = req.headers.origin;
  if (!originAllowed(origin)) {
    return { status: 403, message: `Origin ${JSON.stringify(String(origin).slice(0, 200))} is not allowed (see allowedOrigins / --allow-origin)` };
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes('sip')) return { status: 400, message: 'the WebSocket subprotocol "sip" (RFC 7118) is required' };
  return undefined;
}

/**
 * Answer an upgrade request with a plain HTTP error and close the socket.
 * @param {import('node:stream').Duplex} socket @param {UpgradeRefusal} refusal
 */
export function refuseUpgrade(socket, refusal) {
  const body = `Voxline dev SIP server: ${refusal.message}\n`;
  const reason = refusal.status === 403 ? 'Forbidden' : 'Bad Request';
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

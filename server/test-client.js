// @ts-check
/**
 * Test helper (not part of the server): a raw SIP-over-WebSocket client that
 * builds SIP text by hand and waits for frames. Used by server/*.test.js.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';

/** @param {number} [n] */
export const rand = (n = 4) => randomBytes(n).toString('hex');
/** @param {string} s */
const md5 = (s) => createHash('md5').update(s).digest('hex');

/**
 * @typedef {Object} Frame
 * @property {string} text
 * @property {string} startLine
 * @property {number} status     0 for requests
 * @property {string} method     request method or CSeq method
 * @property {string} ruri
 * @property {(name: string) => string | undefined} header first value, case-insensitive
 * @property {(name: string) => string[]} headers all line values
 * @property {string} body
 */

/** @param {string} text @returns {Frame} */
export function parseSip(text) {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 4);
  const [startLine = '', ...lines] = head.split('\r\n');
  /** @type {Array<[string, string]>} */
  const hs = lines.map((l) => {
    const i = l.indexOf(':');
    return /** @type {[string, string]} */ ([l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()]);
  });
  /** @param {string} name */
  const headers = (name) => hs.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);
  const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  const cseq = headers('cseq')[0] ?? '';
  return {
    text,
    startLine,
    status: status ? Number(status[1]) : 0,
    method: (status ? cseq.split(/\s+/)[1] : startLine.split(' ')[0]) ?? '',
    ruri: status ? '' : startLine.split(' ')[1] ?? '',
    header: (name) => headers(name)[0],
    headers,
    body,
  };
}

/**
 * @param {string} method
 * @param {string} ruri
 * @param {{ from: string, to: string, callId?: string, cseq?: number, branch?: string, viaHost?: string,
 *   fromTag?: string, toTag?: string, contact?: string, maxForwards?: number | null,
 *   headers?: string[], body?: string, contentType?: string }} o
 */
export function buildRequest(method, ruri, o) {
  const body = o.body ?? '';
  const lines = [
    `${method} ${ruri} SIP/2.0`,
    `Via: SIP/2.0/WSS ${o.viaHost ?? 'client.invalid'};branch=${o.branch ?? `z9hG4bK${rand()}`}`,
    ...(o.maxForwards === null ? [] : [`Max-Forwards: ${o.maxForwards ?? 70}`]),
    `From: <${o.from}>;tag=${o.fromTag ?? rand()}`,
    `To: <${o.to}>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? rand(8)}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    ...(o.contact ? [`Contact: <${o.contact}>`] : []),
    ...(o.headers ?? []),
    ...(body ? [`Content-Type: ${o.contentType ?? 'text/plain'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/**
 * Response to a received request frame, as a UA would build it.
 * @param {Frame} req
 * @param {number} status
 * @param {string} reason
 * @param {{ toTag?: string, contact?: string, headers?: string[], body?: string }} [o]
 */
export function buildResponseTo(req, status, reason, o = {}) {
  const body = o.body ?? '';
  let to = req.header('to') ?? '';
  if (o.toTag && !/;tag=/.test(to)) to += `;tag=${o.toTag}`;
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...req.headers('via').map((v) => `Via: ${v}`),
    ...req.headers('record-route').map((v) => `Record-Route: ${v}`),
    `From: ${req.header('from')}`,
    `To: ${to}`,
    `Call-ID: ${req.header('call-id')}`,
    `CSeq: ${req.header('cseq')}`,
    ...(o.contact ? [`Contact: <${o.contact}>`] : []),
    ...(o.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/**
 * Authorization header value answering a challenge.
 * @param {{ challenge: string, method: string, uri: string, username: string, password: string, header?: boolean }} o
 */
export function digestAuthorization(o) {
  /** @param {string} k */
  const param = (k) => new RegExp(`${k}="?([^",]+)"?`).exec(o.challenge)?.[1] ?? '';
  const realm = param('realm');
  const nonce = param('nonce');
  const cnonce = rand();
  const nc = '00000001';
  const ha1 = md5(`${o.username}:${realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${o.username}", realm="${realm}", nonce="${nonce}", uri="${o.uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", opaque="${param('opaque')}"`;
}

export class SipTestClient {
  /**
   * @param {string} url
   * @param {{ protocols?: string[] }} [o]
   * @returns {Promise<SipTestClient>}
   */
  static async connect(url, o = {}) {
    const ws = new WebSocket(url, o.protocols ?? ['sip']);
    const client = new SipTestClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  /** @param {WebSocket} ws */
  constructor(ws) {
    this.ws = ws;
    /** @type {string[]} raw frames not consumed yet */
    this.queue = [];
    /** @type {string[]} every frame ever received */
    this.all = [];
    /** @type {Array<() => void>} */
    this.wakeups = [];
    ws.on('message', (data) => {
      const text = data.toString();
      this.queue.push(text);
      this.all.push(text);
      for (const w of this.wakeups.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.once('close', resolve));
  }

  /** @param {string | Buffer} data */
  send(data) {
    this.ws.send(data);
  }

  /**
   * Wait for (and consume) the first frame matching `match`.
   * @param {(f: Frame) => boolean} [match]
   * @param {number} [timeoutMs]
   * @returns {Promise<Frame>}
   */
  async next(match = () => true, timeoutMs = 2000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.queue.findIndex((t) => match(parseSip(t)));
      if (idx >= 0) return parseSip(this.queue.splice(idx, 1)[0] ?? '');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for a frame; unconsumed: ${JSON.stringify(this.queue.map((t) => t.split('\r\n')[0]))}`);
      }
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.wakeups.push(() => {
          clearTimeout(t);
          resolve(undefined);
        });
      });
    }
  }

  /** @param {number} status @param {string} [method] */
  response(status, method) {
    return this.next((f) => f.status === status && (!method || f.method === method));
  }

  /** @param {string} method */
  request(method) {
    return this.next((f) => f.status === 0 && f.method === method);
  }

  /** Resolve after `ms` and return the frames that arrived meanwhile (not consumed). @param {number} ms */
  async idle(ms) {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.slice();
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

/**
 * A scripted user agent over a raw client.
 * @param {string} url
 * @param {string} user
 * @param {string} [domain]
 */
export async function rawUa(url, user, domain = 'voxline.test') {
  const client = await SipTestClient.connect(url);
  const id = rand();
  const ua = {
    client,
    user,
    aor: `sip:${user}@${domain}`,
    contact: `sip:${user}${id}@${id}.invalid;transport=ws`,
    viaHost: `${id}.invalid`,
    /** @param {{ expires?: number, headers?: string[] }} [o] */
    async register(o = {}) {
      client.send(buildRequest('REGISTER', `sip:${domain}`, {
        from: ua.aor, to: ua.aor, viaHost: ua.viaHost, contact: ua.contact,
        headers: [`Expires: ${o.expires ?? 600}`, ...(o.headers ?? [])],
      }));
      return client.next((f) => f.method === 'REGISTER' && f.status >= 200);
    },
    /**
     * REGISTER answered 401 first, then again with digest credentials.
     * @param {string} password @param {{ expires?: number, headers?: string[] }} [o]
     */
    async registerWithPassword(password, o = {}) {
      const first = await ua.register(o);
      if (first.status !== 401) return first;
      const challenge = first.header('www-authenticate') ?? '';
      const authz = digestAuthorization({ challenge, method: 'REGISTER', uri: `sip:${domain}`, username: user, password });
      return ua.register({ ...o, headers: [...(o.headers ?? []), `Authorization: ${authz}`] });
    },
    /**
     * An out-of-dialog request from this UA that the server challenges with 407, sent again
     * with Proxy-Authorization (CSeq 2). For an INVITE the 407 is ACKed. Returns the ids of the
     * authenticated request.
     * @param {string} password @param {string} method @param {string} ruri
     * @param {Partial<Parameters<typeof buildRequest>[2]>} [o]
     */
    async sendWithProxyAuth(password, method, ruri, o = {}) {
      const callId = o.callId ?? rand(8);
      const fromTag = o.fromTag ?? rand();
      const firstBranch = `z9hG4bK${rand()}`;
      const base = { from: ua.aor, to: ruri, viaHost: ua.viaHost, ...o, callId, fromTag };
      client.send(buildRequest(method, ruri, { ...base, cseq: 1, branch: firstBranch }));
      const challenge = await client.next((f) => f.status === 407 && f.header('call-id') === callId);
      if (method === 'INVITE') {
        client.send(buildRequest('ACK', ruri, { ...base, cseq: 1, branch: firstBranch, toTag: /;tag=([^;]+)/.exec(challenge.header('to') ?? '')?.[1], body: '' }));
      }
      const authz = digestAuthorization({ challenge: challenge.header('proxy-authenticate') ?? '', method, uri: ruri, username: user, password });
      const branch = `z9hG4bK${rand()}`;
      client.send(buildRequest(method, ruri, { ...base, cseq: 2, branch, headers: [...(o.headers ?? []), `Proxy-Authorization: ${authz}`] }));
      return { callId, fromTag, branch };
    },
  };
  return ua;
}

// @ts-check
/**
 * Embedded development SIP server: registrar + proxy over WebSocket
 * (RFC 7118, subprotocol "sip"). For development, tests and demos only —
 * use Kamailio (see e2e/kamailio) for anything real.
 *
 *   import { startDevServer } from './server/index.js';
 *   const sip = await startDevServer({ users: { alice: 'pw' } });
 *   // sip.url === 'ws://127.0.0.1:PORT'
 *   await sip.close();
 */
import { createServer } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { DigestAuth } from './digest.js';
import { resolveLimits } from './limits.js';
import { createLogger, redactSip } from './logger.js';
import { buildResponse } from './message.js';
import { createOriginCheck, refuseUpgrade, upgradeRefusal } from './origin.js';
import { parseFrame, replyForOversize } from './parse.js';
import { Proxy } from './proxy.js';
import { Location } from './registrar.js';
import { Timers, isLoopbackHost } from './util.js';

/** @typedef {import('./logger.js').LogLevel} LogLevel */
/**
 * @typedef {Object} Connection
 * @property {number} id
 * @property {WebSocket} ws
 * @property {string} remote
 * @property {boolean} open
 */
/**
 * @typedef {Object} DevServerOptions
 * @property {number} [port]            default 0 (any free port)
 * @property {string} [host]            default '127.0.0.1'; must be loopback unless allowNonLoopback
 * @property {boolean} [allowNonLoopback]
 * @property {string} [domain]          default 'voxline.test'; also the digest realm
 * @property {string[]} [allowedOrigins] browser origins that may connect, e.g. 'http://127.0.0.1:8080',
 *   'http://127.0.0.1:*' (any port) or '*' (any origin). Default []: every browser page is refused
 *   (403); clients that send no Origin (Node, tests) are accepted. See origin.js.
 * @property {Record<string, string>} [users] username → password; enables digest auth
 * @property {LogLevel} [logLevel]      default 'info'
 * @property {import('./logger.js').LogSink} [logSink] where log lines go (default stdout/stderr)
 * @property {number} [inviteTimeoutMs]  Timer C, default 180000: an INVITE with no final answer by
 *   then gets 408 upstream and CANCEL downstream
 * @property {number} [maxPendingInvitesPerConnection] default 32: more INVITEs waiting for their
 *   answer on one connection get 503
 * @property {number} [maxPendingInvites] default 1000: the same cap for all connections together
 */
/**
 * @typedef {Object} DevServerStats  diagnostics (tests, debugging); numbers only
 * @property {number} connections   open WebSocket connections
 * @property {number} transactions  proxy transactions in the table (pending or lingering)
 * @property {number} pendingInvites INVITE transactions whose caller has no answer yet
 * @property {number} bindings      registrar bindings stored (expired ones go on lookup)
 */
/**
 * @typedef {Object} DevServer
 * @property {string} url      ws://HOST:PORT
 * @property {number} port
 * @property {string} domain
 * @property {() => Promise<void>} close  terminates all sockets and the listener
 * @property {() => DevServerStats} stats
 */

/** Frames above this size are not parsed (RFC 3261 §21.5.12: 513). */
export const MAX_SIP_MESSAGE_BYTES = 64 * 1024;
/** Hard WebSocket frame limit; bigger frames make `ws` close the socket (1009). */
const MAX_FRAME_BYTES = 1024 * 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @param {DevServerOptions} [opts]
 * @returns {Promise<DevServer>}
 */
export async function startDevServer(opts = {}) {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const domain = (opts.domain ?? 'voxline.test').toLowerCase();
  if (!opts.allowNonLoopback && !isLoopbackHost(host)) {
    throw new Error(`refusing to listen on non-loopback address "${host}" (dev server; pass allowNonLoopback to override)`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port: ${port}`);
  if (!/^[a-z0-9.-]+$/.test(domain)) throw new TypeError(`invalid domain: ${domain}`);
  const limits = resolveLimits(opts);
  const originAllowed = createOriginCheck(opts.allowedOrigins ?? []);
  const logger = createLogger(opts.logLevel ?? 'info', opts.logSink);
  const bindHost = host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, '');
  const uriHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;

  const httpServer = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('Voxline dev SIP server: connect with a WebSocket, subprotocol "sip".\n');
  });
  /** @type {number} */
  const boundPort = await new Promise((resolve, reject) => {
    /** @param {NodeJS.ErrnoException} err */
    const onError = (err) => {
      const e = /** @type {NodeJS.ErrnoException & { port?: number }} */ (
        new Error(err.code === 'EADDRINUSE' ? `port ${port} is already in use` : `cannot listen on ${host}:${port}: ${err.message}`)
      );
      e.code = err.code;
      e.port = port;
      httpServer.close();
      reject(e);
    };
    httpServer.once('error', onError);
    httpServer.listen(port, bindHost, () => {
      httpServer.off('error', onError);
      const addr = httpServer.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
  httpServer.on('error', (err) => logger.error(`http server error: ${err.message}`));

  const timers = new Timers();
  const location = new Location();
  /** @type {Map<number, Connection>} */
  const connections = new Map();
  let nextConnId = 0;
  /** Hosts this server is authoritative for (Request-URI / To / Route host). */
  const localNames = new Set([domain, bindHost, uriHost, 'localhost', '127.0.0.1']);

  /** @param {Connection} conn @param {string} text */
  const send = (conn, text) => {
    if (!conn.open || conn.ws.readyState !== WebSocket.OPEN) return false;
    if (logger.enabled('debug')) logger.debug(`conn #${conn.id} ⇐ ${redactSip(text)}`);
    conn.ws.send(text, (err) => err && logger.warn(`conn #${conn.id}: send failed: ${err.message}`));
    return true;
  };

  const proxy = new Proxy({
    logger,
    location,
    digest: opts.users ? new DigestAuth({ realm: domain, users: opts.users }) : undefined,
    timers,
    limits,
    viaSentBy: `${uriHost}:${boundPort}`,
    recordRoute: `<sip:${uriHost}:${boundPort};transport=ws;lr>`,
    send,
    connById: (id) => connections.get(id),
    isLocalDomain: (h) => localNames.has(h.toLowerCase()),
    isOwnUri: (uri) =>
      !uri.user &&
      localNames.has(String(uri.host).toLowerCase()) &&
      (uri.port === undefined || uri.port === boundPort),
  });

  /**
   * @param {Connection} conn
   * @param {Buffer} data
   * @param {boolean} isBinary
   */
  const onFrame = (conn, data, isBinary) => {
    if (data.length > MAX_SIP_MESSAGE_BYTES) {
      const reply = replyForOversize(data.subarray(0, 8192).toString('utf8'));
      logger.warn(`conn #${conn.id}: ${data.length}-byte frame exceeds ${MAX_SIP_MESSAGE_BYTES} bytes, ${reply ? 'answered 513' : 'dropped'}`);
      if (reply) send(conn, reply);
      return;
    }
    let text;
    try {
      text = UTF8.decode(data);
    } catch {
      logger.warn(`conn #${conn.id}: ${isBinary ? 'binary' : 'text'} frame is not UTF-8, dropped`);
      return;
    }
    if (text === '\r\n\r\n') {
      send(conn, '\r\n'); // RFC 5626 §4.4.1 keep-alive: ping → pong
      return;
    }
    if (text.trim() === '') return;
    if (text.includes('\u0000')) {
      logger.warn(`conn #${conn.id}: frame contains NUL bytes, dropped`);
      return;
    }
    if (logger.enabled('debug')) logger.debug(`conn #${conn.id} ⇒ ${redactSip(text)}`);
    const parsed = parseFrame(text, logger);
    if (!parsed.ok) {
      // (a cast, so that checkJs without strictNullChecks narrows the union too)
      const { reason, reply } = /** @type {{ ok: false, reason: string, reply?: string }} */ (parsed);
      logger.warn(`conn #${conn.id}: bad SIP frame (${reason}), ${reply ? 'answered 400' : 'dropped'}`);
      if (reply) send(conn, reply);
      return;
    }
    const msg = parsed.msg;
    try {
      if (msg.kind === 'request') proxy.handleRequest(conn, msg);
      else proxy.handleResponse(conn, msg);
    } catch (err) {
      logger.error(`conn #${conn.id}: error handling ${msg.kind} ${msg.method}: ${err instanceof Error ? err.stack : String(err)}`);
      if (msg.kind === 'request' && msg.method !== 'ACK') {
        try {
          send(conn, buildResponse(msg.raw, 500, 'Server Internal Error', { toTag: 'vx500' }));
        } catch {
          // nothing more we can do
        }
      }
    }
  };

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  wss.on('error', (err) => logger.error(`websocket server error: ${err.message}`));
  // Origin and subprotocol are checked before the handshake (origin.js).
  httpServer.on('upgrade', (request, socket, head) => {
    const refusal = upgradeRefusal(request, originAllowed);
    if (refusal) {
      logger.warn(`WebSocket from ${request.socket.remoteAddress}:${request.socket.remotePort} refused (${refusal.status}): ${refusal.message}`);
      refuseUpgrade(socket, refusal);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  wss.on('connection', (ws, request) => {
    /** @type {Connection} */
    const conn = {
      id: ++nextConnId,
      ws,
      remote: `${request.socket.remoteAddress}:${request.socket.remotePort}`,
      open: true,
    };
    connections.set(conn.id, conn);
    logger.info(`conn #${conn.id} opened from ${conn.remote}${request.headers.origin ? ` (Origin ${request.headers.origin})` : ''}`);
    ws.on('message', (data, isBinary) => {
      try {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(/** @type {any} */ (data));
        onFrame(conn, buf, isBinary);
      } catch (err) {
        logger.error(`conn #${conn.id}: unexpected error: ${err instanceof Error ? err.stack : String(err)}`);
      }
    });
    ws.on('error', (err) => logger.warn(`conn #${conn.id}: ${err.message}`));
    ws.on('close', (code) => {
      conn.open = false;
      connections.delete(conn.id);
      try {
        const removed = location.removeConnection(conn);
        proxy.connectionClosed(conn);
        logger.info(`conn #${conn.id} closed (${code})${removed ? `, ${removed} binding(s) removed` : ''}`);
      } catch (err) {
        logger.error(`conn #${conn.id}: error during cleanup: ${err instanceof Error ? err.stack : String(err)}`);
      }
    });
  });

  const url = `ws://${uriHost}:${boundPort}`;
  logger.info(`listening on ${url} (domain ${domain}${opts.users ? `, digest auth for ${Object.keys(opts.users).length} user(s)` : ', no auth'})`);

  /** @type {Promise<void> | undefined} */
  let closing;
  const close = () => {
    closing ??= new Promise((resolve) => {
      timers.clearAll();
      proxy.close();
      for (const conn of connections.values()) {
        conn.open = false;
        conn.ws.terminate();
      }
      connections.clear();
      wss.close();
      httpServer.close(() => resolve());
      httpServer.closeAllConnections();
      logger.info(`closed ${url}`);
    });
    return closing;
  };

  /** @returns {DevServerStats} */
  const stats = () => ({
    connections: connections.size,
    transactions: proxy.serverTxs.size,
    pendingInvites: proxy.inviteSlots.total,
    bindings: location.size,
  });

  return { url, port: boundPort, domain, close, stats };
}

// @ts-check
/**
 * Request routing for the dev server (RFC 3261 §16): decides whether a
 * request is for the server itself, the registrar, or has to be proxied, and
 * to which connection(s). The per-request state lives in transaction.js.
 *
 * Routing rules (the registrar's bindings are the only source, see targetsFor):
 *  - Request-URI sip:user@<our domain> → all live bindings of `user`
 *    (parallel forking; in-dialog requests only go to the most recent one).
 *  - In a dialog, any other Request-URI is the remote party's Contact (sip.js
 *    contacts look like sip:x@y.invalid;transport=ws) → the binding of the To
 *    user registered with that contact.
 *  - Request-URI without user part on our domain → the server itself.
 * ACK for a 2xx is end-to-end and forwarded statelessly; ACK for a non-2xx
 * is absorbed by the matching transaction (we ACKed downstream ourselves).
 */
import { InviteSlots } from './limits.js';
import { buildResponse } from './message.js';
import { parseRouteUri } from './parse.js';
import { handleRegister } from './registrar.js';
import { ProxyTransaction, txKey } from './transaction.js';
import { newBranch, randomToken } from './util.js';

/** @typedef {import('./parse.js').Parsed} Parsed */
/** @typedef {import('./message.js').SipMessage} SipMessage */
/** @typedef {import('./parse.js').URI} URI */
/** @typedef {import('./index.js').Connection} Connection */
/**
 * @typedef {Object} ProxyContext
 * @property {import('./logger.js').Logger} logger
 * @property {import('./registrar.js').Location} location
 * @property {import('./digest.js').DigestAuth | undefined} digest
 * @property {import('./util.js').Timers} timers
 * @property {import('./limits.js').Limits} limits
 * @property {string} viaSentBy      host:port put in our Via
 * @property {string} recordRoute    our Record-Route value
 * @property {(conn: Connection, text: string) => boolean} send
 * @property {(id: number) => Connection | undefined} connById
 * @property {(host: string) => boolean} isLocalDomain
 * @property {(uri: URI) => boolean} isOwnUri
 */

/** Methods the server knows how to handle; anything else gets 501. */
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'MESSAGE', 'REFER',
  'SUBSCRIBE', 'NOTIFY', 'INFO', 'UPDATE', 'PRACK']);
export const ALLOW = [...KNOWN_METHODS].join(', ');
/** Out-of-dialog requests that need Proxy-Authorization when users are configured. */
const AUTH_METHODS = new Set(['INVITE', 'MESSAGE', 'REFER', 'SUBSCRIBE']);
/** Out-of-dialog requests that create dialogs: the server Record-Routes them. */
const RECORD_ROUTE_METHODS = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export class Proxy {
  /** @param {ProxyContext} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    /** @type {Map<string, ProxyTransaction>} */
    this.serverTxs = new Map();
    /** @type {Map<string, { tx: ProxyTransaction, branch: import('./transaction.js').Branch }>} */
    this.branches = new Map();
    this.inviteSlots = new InviteSlots(ctx.limits);
    /** @type {Set<number>} connections already warned about an INVITE cap */
    this.warnedAboutCap = new Set();
  }

  /** @param {Connection} conn @param {Parsed} req */
  handleRequest(conn, req) {
    const { ctx } = this;
    if (req.method === 'ACK') return this.handleAck(conn, req);
    if (req.method === 'CANCEL') return this.handleCancel(conn, req);
    const existing = this.serverTxs.get(txKey(conn.id, req.topVia.branch, req.method));
    if (existing) {
      ctx.logger.debug(`retransmission of ${existing.label}`);
      if (existing.lastResponse) ctx.send(conn, existing.lastResponse);
      return;
    }

    /** @type {ProxyTransaction | undefined} */
    let tx;
    if (req.method === 'INVITE') {
      const slot = this.inviteSlots.acquire(conn.id);
      if (slot !== 'ok') return this.refuseInvite(conn, req, slot);
      tx = new ProxyTransaction(this, conn, req); // holds the slot until the caller has its answer
      tx.respond(100, 'Trying');
    }
    /** @param {number} status @param {string} reason @param {Array<[string, string]>} [headers] */
    const reply = (status, reason, headers) => {
      if (status >= 300) ctx.logger.info(`${req.method} ${req.ruriText} from conn #${conn.id} → ${status} ${reason}`);
      if (tx) tx.respond(status, reason, headers);
      else ctx.send(conn, buildResponse(req.raw, status, reason, { toTag: randomToken(6), headers }));
    };

    if (!KNOWN_METHODS.has(req.method)) return reply(501, 'Not Implemented', [['Allow', ALLOW]]);
    if (!req.ruri || req.ruri.scheme !== 'sip' && req.ruri.scheme !== 'sips') return reply(416, 'Unsupported URI Scheme');
    if (req.method === 'REGISTER') return ctx.send(conn, handleRegister(ctx, req, conn));

    const ruri = req.ruri;
    const inDialog = req.toTag !== undefined;
    const out = req.raw.clone();
    this.removeOwnRoutes(out);

    if (!ruri.user && ctx.isLocalDomain(String(ruri.host))) {
      if (req.method === 'OPTIONS') {
        return reply(200, 'OK', [['Allow', ALLOW], ['Accept', 'application/sdp'], ['Supported', 'outbound, path']]);
      }
      return reply(405, 'Method Not Allowed', [['Allow', 'REGISTER, OPTIONS']]);
    }
    const proxyRequire = req.raw.listValues('proxy-require');
    if (proxyRequire.length) return reply(420, 'Bad Extension', [['Unsupported', proxyRequire.join(', ')]]);

    const maxForwards = req.raw.get('max-forwards');
    if (maxForwards !== undefined && Number(maxForwards) <= 0) return reply(483, 'Too Many Hops');
    out.set('Max-Forwards', String(maxForwards === undefined ? 70 : Number(maxForwards) - 1));

    if (!inDialog && ctx.digest && AUTH_METHODS.has(req.method)) {
      const result = ctx.digest.verify(req, 'proxy-authorization');
      if (result.status === 'challenge') {
        return reply(407, 'Proxy Authentication Required', [['Proxy-Authenticate', ctx.digest.challenge(result.stale)]]);
      }
      if (result.status === 'forbidden') return reply(403, result.reason);
      if (result.username !== req.fromUri.user) return reply(403, 'From Does Not Match Credentials');
      out.remove('proxy-authorization'); // consumed by this proxy (RFC 3261 §22.3)
    }

    const targets = this.targetsFor(req, inDialog);
    if (targets.length === 0) return reply(404, 'Not Found');

    if (!inDialog && RECORD_ROUTE_METHODS.has(req.method)) out.prepend('Record-Route', ctx.recordRoute);

    tx ??= new ProxyTransaction(this, conn, req);
    ctx.logger.info(`${req.method} ${req.ruriText} from conn #${conn.id} → ${targets.map((t) => `#${t.conn.id}`).join(', ')}`);
    for (const target of targets) {
      const copy = out.clone();
      if (target.ruri) copy.startLine = `${req.method} ${target.ruri} SIP/2.0`;
      tx.fork(target.conn, copy);
    }
    tx.start();
  }

  /**
   * 503 for an INVITE over a cap (see limits.js), statelessly: no transaction, no timer. Its
   * ACK is addressed to the callee's AOR, and such ACKs are never forwarded (targetsFor).
   * @param {Connection} conn @param {Parsed} req @param {'connection' | 'total'} cap
   */
  refuseInvite(conn, req, cap) {
    const { ctx } = this;
    const what = cap === 'connection'
      ? `${ctx.limits.maxPendingInvitesPerConnection} pending INVITEs on conn #${conn.id}`
      : `${ctx.limits.maxPendingInvites} pending INVITEs in total`;
    const line = `INVITE ${req.ruriText} from conn #${conn.id} → 503: ${what}`;
    if (this.warnedAboutCap.has(conn.id)) ctx.logger.debug(line); // once per connection at warn level
    else {
      this.warnedAboutCap.add(conn.id);
      ctx.logger.warn(line);
    }
    const reason = cap === 'connection' ? 'Too Many Pending Calls On This Connection' : 'Too Many Pending Calls';
    ctx.send(conn, buildResponse(req.raw, 503, reason, { toTag: randomToken(6), headers: [['Retry-After', '5']] }));
  }

  /**
   * Where a request goes, from the registrar's bindings only; nothing is learned from traffic.
   *  - `user@our-domain`: that user's live bindings (in a dialog only the most recent one).
   *    Never for an ACK: the ACK for a 2xx goes to the callee's Contact, and one for a non-2xx
   *    ends here (hop by hop).
   *  - Any other Request-URI, in a dialog only: the binding of the To user (the remote party of
   *    the dialog) registered with that contact.
   * @param {Parsed} req
   * @param {boolean} inDialog
   * @returns {Array<{ conn: Connection, ruri?: string }>}
   */
  targetsFor(req, inDialog) {
    const { location, isLocalDomain } = this.ctx;
    const { ruri, toUri } = req;
    if (!ruri) return [];
    if (ruri.user && isLocalDomain(String(ruri.host))) {
      if (req.method === 'ACK') return [];
      const bindings = location.lookup(ruri.user);
      return (inDialog ? bindings.slice(0, 1) : bindings).map((b) => ({ conn: b.conn, ruri: b.uri }));
    }
    if (!inDialog || !toUri.user || !isLocalDomain(String(toUri.host))) return [];
    const binding = location.findContact(toUri.user, ruri);
    return binding ? [{ conn: binding.conn }] : [];
  }

  /** Loose routing (RFC 3261 §16.4): drop Route entries pointing at us. @param {SipMessage} msg */
  removeOwnRoutes(msg) {
    for (;;) {
      const first = msg.listValues('route')[0];
      const uri = first === undefined ? undefined : parseRouteUri(first);
      if (!uri || !this.ctx.isOwnUri(uri)) return;
      msg.shift('route');
    }
  }

  /** @param {Connection} conn @param {Parsed} ack */
  handleAck(conn, ack) {
    const { ctx } = this;
    const tx = this.serverTxs.get(txKey(conn.id, ack.topVia.branch, 'INVITE'));
    if (tx && tx.finalStatus >= 300) {
      tx.onAck(); // ACK for a non-2xx: hop-by-hop, we already ACKed downstream
      return;
    }
    const out = ack.raw.clone();
    this.removeOwnRoutes(out);
    const maxForwards = ack.raw.get('max-forwards');
    if (maxForwards !== undefined && Number(maxForwards) <= 0) return;
    out.set('Max-Forwards', String(maxForwards === undefined ? 70 : Number(maxForwards) - 1));
    const target = this.targetsFor(ack, true)[0];
    if (!target) {
      ctx.logger.debug(`ACK ${ack.ruriText}: no route, dropped`);
      return;
    }
    out.prepend('Via', `SIP/2.0/WS ${ctx.viaSentBy};branch=${newBranch()}`);
    ctx.send(target.conn, out.toString());
  }

  /** @param {Connection} conn @param {Parsed} cancel */
  handleCancel(conn, cancel) {
    const tx = this.serverTxs.get(txKey(conn.id, cancel.topVia.branch, 'INVITE'));
    const matches = tx && tx.req.callId === cancel.callId && tx.req.cseq === cancel.cseq;
    const toTag = tx?.toTag ?? randomToken(6);
    if (!tx || !matches) {
      this.ctx.send(conn, buildResponse(cancel.raw, 481, 'Call/Transaction Does Not Exist', { toTag }));
      return;
    }
    this.ctx.send(conn, buildResponse(cancel.raw, 200, 'OK', { toTag }));
    this.ctx.logger.info(`CANCEL ${tx.label}`);
    tx.cancelFromUpstream(cancel.raw.get('reason'));
  }

  /**
   * A response is relayed only when its top Via carries a branch this server put on a request
   * *and* it arrives on the connection that request was sent on: anyone else's copy, and any
   * response to a transaction that is gone, is dropped (branches are random, see newBranch).
   * @param {Connection} conn @param {Parsed} res
   */
  handleResponse(conn, res) {
    const entry = this.branches.get(res.topVia.branch);
    if (!entry || entry.branch.conn !== conn) {
      const why = entry ? `sent on conn #${entry.branch.conn.id}, not #${conn.id}` : 'no such transaction';
      this.ctx.logger[entry ? 'warn' : 'debug'](`response ${res.status} ${res.method} from conn #${conn.id} dropped (${why})`);
      return;
    }
    if (res.method === 'CANCEL') return; // answer to our own CANCEL
    if (res.method === entry.tx.req.method) entry.tx.onResponse(entry.branch, res);
  }

  /** @param {Connection} conn */
  connectionClosed(conn) {
    this.warnedAboutCap.delete(conn.id);
    for (const tx of [...this.serverTxs.values()]) tx.connectionClosed(conn);
  }

  close() {
    this.serverTxs.clear();
    this.branches.clear();
    this.inviteSlots = new InviteSlots(this.ctx.limits);
  }
}

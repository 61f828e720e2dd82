// @ts-check
/**
 * One proxied request: the server transaction towards the sender plus one
 * client transaction ("branch") per forwarding target (RFC 3261 §16.6-16.10,
 * transaction-stateful proxy). Over WebSocket nobody retransmits, so the
 * state kept here is what is needed to:
 *  - send 100 Trying upstream for INVITE and absorb 100s from downstream;
 *  - forward provisionals and every 2xx upstream, and once all branches have
 *    answered without a 2xx, forward the best final response (§16.7);
 *  - ACK non-2xx final responses downstream ourselves (hop-by-hop ACK) and
 *    absorb the caller's ACK for the non-2xx we forwarded;
 *  - turn an upstream CANCEL (or a 2xx/6xx on another branch) into CANCELs on
 *    the pending branches, which reuse the branch of the INVITE they cancel.
 */
import { SipMessage, buildResponse } from './message.js';
import { newBranch, randomToken } from './util.js';

/** @typedef {import('./parse.js').Parsed} Parsed */
/** @typedef {import('./index.js').Connection} Connection */
/**
 * @typedef {Object} Branch
 * @property {string} id            our Via branch (also used by CANCEL/ACK for it)
 * @property {Connection} conn      downstream connection
 * @property {SipMessage} request   the request as sent (top Via is ours)
 * @property {number} status        0 while pending, else the final status
 * @property {string} reason
 * @property {string | undefined} response  final response to relay (our Via already removed)
 * @property {boolean} cancelSent
 */
/**
 * @typedef {Object} TxOwner what a transaction needs from the proxy
 * @property {import('./proxy.js').ProxyContext} ctx
 * @property {Map<string, ProxyTransaction>} serverTxs
 * @property {Map<string, { tx: ProxyTransaction, branch: Branch }>} branches
 * @property {import('./limits.js').InviteSlots} inviteSlots
 */

export const TIMER_F_MS = 32_000; // non-INVITE transaction timeout (64*T1)
export const LINGER_MS = 32_000; // keep a finished INVITE around: absorb its ACK, relay 2xx retransmissions (Timer L)

/** @param {number} connId @param {string} branch @param {string} method */
export function txKey(connId, branch, method) {
  return `${connId}|${branch}|${method === 'ACK' || method === 'CANCEL' ? 'INVITE' : method}`;
}

/** RFC 3261 §16.7 step 6: 6xx wins, otherwise the lowest class; real answers beat synthetic ones. */
/** @param {Branch[]} branches */
function pickBest(branches) {
  /** @param {Branch} b */
  const rank = (b) => (b.status >= 600 ? 0 : Math.floor(b.status / 100) * 10) + (b.response ? 0 : 1);
  return branches.reduce((best, b) => (rank(b) < rank(best) ? b : best));
}

export class ProxyTransaction {
  /**
   * @param {TxOwner} owner
   * @param {Connection} conn upstream connection
   * @param {Parsed} req
   */
  constructor(owner, conn, req) {
    this.owner = owner;
    this.ctx = owner.ctx;
    this.conn = conn;
    this.req = req;
    this.isInvite = req.method === 'INVITE';
    this.key = txKey(conn.id, req.topVia.branch, req.method);
    /** @type {Branch[]} */
    this.branches = [];
    /** First final status sent upstream (0 = none yet). */
    this.finalStatus = 0;
    /** @type {string | undefined} */
    this.lastResponse = undefined;
    this.cancelled = false;
    this.acked = false;
    this.terminated = false;
    this.toTag = randomToken(6);
    /** @type {NodeJS.Timeout | undefined} */
    this.timer = undefined;
    /** An INVITE holds a slot (acquired by the owner) until the caller has its answer. */
    this.holdsSlot = this.isInvite;
    owner.serverTxs.set(this.key, this);
  }

  get label() {
    return `${this.req.method} ${this.req.ruriText} (call-id ${this.req.callId})`;
  }

  /** @param {number} status @param {string} reason @param {Array<[string, string]>} [headers] */
  respond(status, reason, headers = []) {
    this.sendUpstream(buildResponse(this.req.raw, status, reason, { toTag: this.toTag, headers }), status);
  }

  /** @param {string} text @param {number} status */
  sendUpstream(text, status) {
    if (status >= 200 && status < 300) this.releaseSlot();
    if (status >= 200 && !this.finalStatus) {
      this.finalStatus = status;
      this.ctx.timers.clear(this.timer);
      this.timer = this.ctx.timers.set(() => this.terminate(), LINGER_MS);
    }
    this.lastResponse = text;
    this.ctx.send(this.conn, text);
    this.maybeTerminate();
  }

  /**
   * Forward `outgoing` (Request-URI, Max-Forwards, Route/Record-Route already
   * prepared) to `target` as a new branch.
   * @param {Connection} target
   * @param {SipMessage} outgoing
   */
  fork(target, outgoing) {
    const id = newBranch();
    outgoing.prepend('Via', `SIP/2.0/WS ${this.ctx.viaSentBy};branch=${id}`);
    /** @type {Branch} */
    const branch = { id, conn: target, request: outgoing, status: 0, reason: '', response: undefined, cancelSent: false };
    this.branches.push(branch);
    this.owner.branches.set(id, { tx: this, branch });
    if (!this.ctx.send(target, outgoing.toString())) this.branchFailed(branch, 480, 'Temporarily Unavailable');
  }

  /** Start Timer C / Timer F once all branches are out. */
  start() {
    if (this.finalStatus) return;
    this.timer = this.ctx.timers.set(() => this.onTimeout(), this.isInvite ? this.ctx.limits.inviteTimeoutMs : TIMER_F_MS);
    this.maybeSendBest();
  }

  onTimeout() {
    this.ctx.logger.warn(`${this.label}: no final response in time`);
    for (const b of this.branches) {
      if (b.status !== 0) continue;
      if (this.isInvite) this.sendCancel(b);
      this.branchFailed(b, this.cancelled ? 487 : 408, this.cancelled ? 'Request Terminated' : 'Request Timeout');
    }
  }

  /** @param {Branch} branch @param {Parsed} res */
  onResponse(branch, res) {
    if (branch.status !== 0 && !(res.status < 300 && res.status >= 200)) return; // late duplicate
    const relayed = res.raw.clone();
    relayed.shift('via');
    if (!relayed.has('via')) return;
    const text = relayed.toString();

    if (res.status < 200) {
      if (res.status === 100 || this.finalStatus) return; // 100 is hop-by-hop
      this.ctx.send(this.conn, text);
      return;
    }
    if (res.status < 300) {
      branch.status = res.status;
      branch.response = text;
      if (this.isInvite || !this.finalStatus) this.sendUpstream(text, res.status); // every 2xx to INVITE goes up
      if (this.isInvite) this.cancelPending('SIP;cause=200;text="Call completed elsewhere"');
      this.maybeTerminate();
      return;
    }
    if (this.isInvite) this.sendAck(branch, res);
    branch.status = res.status;
    branch.reason = '';
    branch.response = text;
    if (this.isInvite && res.status >= 600) this.cancelPending('SIP;cause=600;text="Busy Everywhere"');
    this.maybeSendBest();
    this.maybeTerminate();
  }

  /**
   * A branch ended without a real response (connection gone, timeout).
   * @param {Branch} branch @param {number} status @param {string} reason
   */
  branchFailed(branch, status, reason) {
    if (branch.status !== 0) return;
    branch.status = status;
    branch.reason = reason;
    this.maybeSendBest();
    this.maybeTerminate();
  }

  maybeSendBest() {
    if (this.finalStatus || this.branches.some((b) => b.status === 0)) return;
    if (this.branches.length === 0) {
      this.respond(this.cancelled ? 487 : 480, this.cancelled ? 'Request Terminated' : 'Temporarily Unavailable');
      return;
    }
    const best = pickBest(this.branches);
    if (best.response) this.sendUpstream(best.response, best.status);
    else this.respond(best.status, best.reason);
  }

  /** Upstream CANCEL (already answered 200 by the proxy). @param {string | undefined} reasonHeader */
  cancelFromUpstream(reasonHeader) {
    if (this.finalStatus || this.cancelled) return;
    this.cancelled = true;
    this.ctx.timers.clear(this.timer);
    this.timer = this.ctx.timers.set(() => this.onTimeout(), TIMER_F_MS);
    this.cancelPending(reasonHeader);
    this.maybeSendBest();
  }

  /** @param {string | undefined} reasonHeader */
  cancelPending(reasonHeader) {
    for (const b of this.branches) if (b.status === 0) this.sendCancel(b, reasonHeader);
  }

  /**
   * CANCEL for a branch: same Request-URI, top Via (branch), From, To, Call-ID,
   * CSeq number and Route set as the INVITE (RFC 3261 §9.1). We send it right
   * away even before a provisional arrived: a WebSocket delivers it after the
   * INVITE, and sip.js answers 200 + 487 in that case.
   * @param {Branch} b @param {string} [reasonHeader]
   */
  sendCancel(b, reasonHeader) {
    if (b.cancelSent || !this.isInvite) return;
    b.cancelSent = true;
    const msg = this.hopRequest(b, 'CANCEL', b.request.get('to') ?? '');
    if (reasonHeader) msg.append('Reason', reasonHeader);
    this.ctx.send(b.conn, msg.toString());
  }

  /** Hop-by-hop ACK for a non-2xx final response (RFC 3261 §17.1.1.3). @param {Branch} b @param {Parsed} res */
  sendAck(b, res) {
    this.ctx.send(b.conn, this.hopRequest(b, 'ACK', res.raw.get('to') ?? '').toString());
  }

  /** @param {Branch} b @param {'ACK'|'CANCEL'} method @param {string} to */
  hopRequest(b, method, to) {
    const ruri = b.request.startLine.split(' ')[1];
    const msg = new SipMessage(`${method} ${ruri} SIP/2.0`, [], '');
    msg.append('Via', b.request.listValues('via')[0] ?? '');
    msg.append('Max-Forwards', '70');
    for (const route of b.request.getAll('route')) msg.append('Route', route);
    msg.append('From', b.request.get('from') ?? '');
    msg.append('To', to);
    msg.append('Call-ID', b.request.get('call-id') ?? '');
    msg.append('CSeq', `${this.req.cseq} ${method}`);
    return msg;
  }

  /** The caller's ACK for our non-2xx final response. */
  onAck() {
    this.acked = true;
    this.releaseSlot();
    this.maybeTerminate();
  }

  /** @param {Connection} conn */
  connectionClosed(conn) {
    if (conn === this.conn) {
      this.acked = true; // nobody left to ACK or to answer
      this.cancelled = true;
      this.cancelPending('SIP;cause=487;text="Caller disconnected"');
    }
    for (const b of this.branches) {
      if (b.conn === conn) this.branchFailed(b, this.cancelled ? 487 : 480, this.cancelled ? 'Request Terminated' : 'Temporarily Unavailable');
    }
    this.maybeTerminate();
  }

  maybeTerminate() {
    if (this.terminated || !this.finalStatus) return;
    if (this.branches.some((b) => b.status === 0)) return; // wait to ACK cancelled branches' 487
    // An INVITE answered 2xx stays "Accepted" (RFC 6026) until its linger timer, so that 2xx
    // retransmissions still match a branch; one answered otherwise waits for the caller's ACK.
    if (this.isInvite && (this.finalStatus < 300 || !this.acked)) return;
    this.terminate();
  }

  releaseSlot() {
    if (!this.holdsSlot) return;
    this.holdsSlot = false;
    this.owner.inviteSlots.release(this.conn.id);
  }

  terminate() {
    if (this.terminated) return;
    this.terminated = true;
    this.releaseSlot();
    this.ctx.timers.clear(this.timer);
    if (this.owner.serverTxs.get(this.key) === this) this.owner.serverTxs.delete(this.key);
    for (const b of this.branches) this.owner.branches.delete(b.id);
  }
}

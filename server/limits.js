// @ts-check
/**
 * Bounds on what one connection, and all of them together, can make the dev server hold.
 *
 * An INVITE transaction holds a slot from the moment it is accepted until its caller has its
 * answer: a 2xx was relayed, or a non-2xx was relayed and ACKed (or the transaction ended,
 * at the latest Timer C + linger after it began). An INVITE that would take a slot over either
 * cap is answered 503 at once and leaves no state behind.
 */

/**
 * @typedef {Object} Limits
 * @property {number} inviteTimeoutMs          Timer C: an INVITE with no final answer by then gets 408 upstream and CANCEL downstream
 * @property {number} maxPendingInvitesPerConnection  INVITE transactions one connection may have waiting for an answer
 * @property {number} maxPendingInvites        the same, for all connections together
 */

/** @type {Readonly<Limits>} */
export const DEFAULT_LIMITS = Object.freeze({
  inviteTimeoutMs: 180_000, // RFC 3261 §16.6 step 11: more than 3 minutes
  maxPendingInvitesPerConnection: 32,
  maxPendingInvites: 1000,
});

/**
 * The limits in `opts`, validated, over the defaults.
 * @param {Partial<Record<keyof Limits, unknown>>} opts
 * @returns {Limits}
 */
export function resolveLimits(opts) {
  /** @type {Limits} */
  const limits = { ...DEFAULT_LIMITS };
  for (const key of /** @type {Array<keyof Limits>} */ (Object.keys(DEFAULT_LIMITS))) {
    const value = opts[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`invalid ${key}: ${String(value)} (expected a whole number ≥ 1)`);
    }
    limits[key] = value;
  }
  return limits;
}

export class InviteSlots {
  /** @param {Limits} limits */
  constructor(limits) {
    this.perConnection = limits.maxPendingInvitesPerConnection;
    this.max = limits.maxPendingInvites;
    /** @type {Map<number, number>} connection id → slots held */
    this.byConnection = new Map();
    this.total = 0;
  }

  /**
   * Take a slot for connection `connId`, or say which cap refused it.
   * @param {number} connId
   * @returns {'ok' | 'connection' | 'total'}
   */
  acquire(connId) {
    const held = this.byConnection.get(connId) ?? 0;
    if (held >= this.perConnection) return 'connection';
    if (this.total >= this.max) return 'total';
    this.byConnection.set(connId, held + 1);
    this.total++;
    return 'ok';
  }

  /** @param {number} connId */
  release(connId) {
    const held = this.byConnection.get(connId) ?? 0;
    if (held <= 0) return;
    if (held === 1) this.byConnection.delete(connId);
    else this.byConnection.set(connId, held - 1);
    this.total--;
  }

  /** @param {number} connId */
  heldBy(connId) {
    return this.byConnection.get(connId) ?? 0;
  }
}

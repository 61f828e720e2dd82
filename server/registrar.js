// @ts-check
/**
 * Registrar (RFC 3261 §10) and location service.
 *
 * `bindings`: AOR user → bindings (contact URI + the WebSocket connection it
 * was registered over + expiry). Expiry is checked lazily on lookup, so there
 * are no timers to clean up; a connection's bindings go when it closes.
 * This is the only place the server learns where a user is: requests to
 * `user@domain` go to that user's bindings, and in-dialog requests to a
 * Contact go to the binding of the To user registered with that contact.
 * Nothing is learned from other traffic, so a forged Contact diverts nothing.
 */
import { buildResponse } from './message.js';

/** @typedef {import('./parse.js').Parsed} Parsed */
/** @typedef {import('./parse.js').URI} URI */
/** @typedef {import('./index.js').Connection} Connection */
/**
 * @typedef {Object} Binding
 * @property {string} key          identity (contact URI key, or +sip.instance/reg-id)
 * @property {string} uri          contact URI as text (used as the Request-URI when forwarding)
 * @property {string} contactKey   contactKey() of the contact URI
 * @property {string} params       contact params to echo back (without expires)
 * @property {Connection} conn
 * @property {number} expiresAt    ms epoch
 * @property {number} seq          registration order (higher = more recent)
 */

export const DEFAULT_EXPIRES = 600;
export const MAX_EXPIRES = 3600;

/** @param {URI} uri */
export function contactKey(uri) {
  return `${uri.user ?? ''}@${String(uri.host).toLowerCase()}:${uri.port ?? ''}`;
}

export class Location {
  /** @param {() => number} [now] */
  constructor(now = Date.now) {
    this.now = now;
    /** @type {Map<string, Binding[]>} */
    this.bindings = new Map();
    this.seq = 0;
  }

  /** Bindings stored, for all users (expired ones are dropped on lookup). */
  get size() {
    let n = 0;
    for (const list of this.bindings.values()) n += list.length;
    return n;
  }

  /**
   * Live bindings of a user, most recent first.
   * @param {string} user
   */
  lookup(user) {
    const now = this.now();
    const list = (this.bindings.get(user) ?? []).filter((b) => b.expiresAt > now && b.conn.open);
    if (list.length) this.bindings.set(user, list);
    else this.bindings.delete(user);
    return [...list].sort((a, b) => b.seq - a.seq);
  }

  /**
   * @param {string} user
   * @param {Omit<Binding, 'seq'>} binding
   */
  upsert(user, binding) {
    const list = (this.bindings.get(user) ?? []).filter((b) => b.key !== binding.key);
    list.push({ ...binding, seq: ++this.seq });
    this.bindings.set(user, list);
  }

  /** @param {string} user @param {string} key */
  removeBinding(user, key) {
    const list = (this.bindings.get(user) ?? []).filter((b) => b.key !== key);
    if (list.length) this.bindings.set(user, list);
    else this.bindings.delete(user);
  }

  /** @param {string} user */
  removeAll(user) {
    this.bindings.delete(user);
  }

  /**
   * The most recent live binding of `user` registered with the contact `uri`.
   * @param {string} user @param {URI} uri
   */
  findContact(user, uri) {
    const key = contactKey(uri);
    return this.lookup(user).find((b) => b.contactKey === key);
  }

  /** @param {Connection} conn @returns {number} bindings removed */
  removeConnection(conn) {
    let removed = 0;
    for (const [user, list] of this.bindings) {
      const keep = list.filter((b) => b.conn !== conn);
      removed += list.length - keep.length;
      if (keep.length) this.bindings.set(user, keep);
      else this.bindings.delete(user);
    }
    return removed;
  }
}

/**
 * @typedef {Object} RegistrarContext
 * @property {Location} location
 * @property {import('./digest.js').DigestAuth | undefined} digest
 * @property {(host: string) => boolean} isLocalDomain
 * @property {import('./logger.js').Logger} logger
 */

/**
 * Handle a REGISTER; returns the response text.
 * @param {RegistrarContext} ctx
 * @param {Parsed} req
 * @param {Connection} conn
 */
export function handleRegister(ctx, req, conn) {
  const { location, digest, logger } = ctx;
  /** @param {number} code @param {string} reason @param {Array<[string, string]>} [headers] */
  const reply = (code, reason, headers = []) => buildResponse(req.raw, code, reason, { toTag: 'vxreg', headers });

  if (!req.ruri || !ctx.isLocalDomain(String(req.ruri.host))) return reply(403, 'Domain Not Served');
  const user = req.toUri.user;
  if (!user || !ctx.isLocalDomain(String(req.toUri.host))) return reply(403, 'Domain Not Served');

  if (digest) {
    const result = digest.verify(req, 'authorization');
    if (result.status === 'challenge') return reply(401, 'Unauthorized', [['WWW-Authenticate', digest.challenge(result.stale)]]);
    if (result.status === 'forbidden') {
      logger.info(`REGISTER for ${user} rejected: ${result.reason}`);
      return reply(403, result.reason);
    }
    if (result.username !== user) return reply(403, 'Username Does Not Match AOR');
  }

  const expiresHeader = req.raw.get('expires');
  if (expiresHeader !== undefined && !/^\d+$/.test(expiresHeader)) return reply(400, 'Invalid Expires');
  const defaultExpires = expiresHeader !== undefined ? Number(expiresHeader) : DEFAULT_EXPIRES;

  if (req.wildcardContact) {
    if (defaultExpires !== 0) return reply(400, 'Wildcard Contact Requires Expires 0');
    location.removeAll(user);
    logger.info(`REGISTER ${user}: all bindings removed`);
  }
  const now = location.now();
  for (const contact of req.contactHeaders) {
    const raw = contact.getParam('expires');
    if (raw !== undefined && raw !== null && !/^\d+$/.test(String(raw))) return reply(400, 'Invalid Contact Expires');
    const expires = Math.min(raw !== undefined && raw !== null ? Number(raw) : defaultExpires, MAX_EXPIRES);
    const instance = contact.getParam('+sip.instance');
    const regId = contact.getParam('reg-id');
    // RFC 5626: a binding is identified by instance-id + reg-id when present.
    const key = instance ? `instance:${instance}:${regId ?? ''}` : `contact:${contactKey(contact.uri)}`;
    if (expires === 0) {
      location.removeBinding(user, key);
      logger.info(`REGISTER ${user}: unbound ${contact.uri}`);
      continue;
    }
    const params = Object.entries(contact.parameters)
      .filter(([name]) => name.toLowerCase() !== 'expires')
      .map(([name, value]) => (value === null || value === undefined ? `;${name}` : `;${name}=${value}`))
      .join('');
    location.upsert(user, { key, uri: contact.uri.toString(), contactKey: contactKey(contact.uri), params, conn, expiresAt: now + expires * 1000 });
    logger.info(`REGISTER ${user}: bound ${contact.uri} for ${expires}s (conn #${conn.id})`);
  }

  /** @type {Array<[string, string]>} */
  const headers = location
    .lookup(user)
    .map((b) => ['Contact', `<${b.uri}>${b.params};expires=${Math.max(1, Math.round((b.expiresAt - now) / 1000))}`]);
  return reply(200, 'OK', headers);
}

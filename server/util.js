// @ts-check
/** Small shared helpers: tokens, branches, tracked timers, loopback checks. */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/** RFC 3261 magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** @param {number} [bytes] */
export function randomToken(bytes = 8) {
  return randomBytes(bytes).toString('hex');
}

/**
 * Branch for a request the server sends: the magic cookie, `-vx-` and 128 random bits. It says
 * nothing about the connections involved, so nobody can guess the branch of a request in flight.
 */
export function newBranch() {
  return `${MAGIC_COOKIE}-vx-${randomToken(16)}`;
}

let livePending = 0;

/** Timers pending across all servers in this process (diagnostics/tests). */
export function pendingTimerCount() {
  return livePending;
}

/**
 * setTimeout wrapper that remembers every pending timer so `clearAll()` can
 * guarantee nothing is left running after the server closes.
 */
export class Timers {
  constructor() {
    /** @type {Set<NodeJS.Timeout>} */
    this.pending = new Set();
  }

  /**
   * @param {() => void} fn
   * @param {number} ms
   * @returns {NodeJS.Timeout}
   */
  set(fn, ms) {
    const handle = setTimeout(() => {
      if (this.pending.delete(handle)) livePending--;
      fn();
    }, ms);
    this.pending.add(handle);
    livePending++;
    return handle;
  }

  /** @param {NodeJS.Timeout | undefined} handle */
  clear(handle) {
    if (!handle) return;
    clearTimeout(handle);
    if (this.pending.delete(handle)) livePending--;
  }

  clearAll() {
    for (const handle of this.pending) clearTimeout(handle);
    livePending -= this.pending.size;
    this.pending.clear();
  }

  get size() {
    return this.pending.size;
  }
}

/** @param {string} host */
export function isLoopbackHost(host) {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Split a header value list on commas that are not inside quotes or <...>.
 * @param {string} value
 * @returns {string[]}
 */
export function splitHeaderList(value) {
  /** @type {string[]} */
  const out = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== '');
}

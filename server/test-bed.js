// @ts-check
/**
 * Test helper (not part of the server): a dev server plus raw user agents,
 * all closed by `cleanup()`; and small accessors for received frames.
 */
import { afterEach } from 'vitest';
import { startDevServer } from './index.js';
import { rawUa } from './test-client.js';

/** @typedef {import('./test-client.js').Frame} Frame */
/** @typedef {Awaited<ReturnType<typeof rawUa>>} RawUa */

/** @param {Parameters<typeof startDevServer>[0]} [opts] */
export async function testBed(opts = {}) {
  const s = await startDevServer({ logLevel: 'silent', ...opts });
  /** @type {Array<() => Promise<unknown>>} */
  const closers = [() => s.close()];
  /**
   * A connected raw UA, registered unless the server requires auth.
   * @param {string} user
   * @returns {Promise<RawUa>}
   */
  const ua = async (user) => {
    const u = await rawUa(s.url, user);
    closers.push(() => u.client.close());
    if (!opts.users) {
      const res = await u.register();
      if (res.status !== 200) throw new Error(`REGISTER ${user} failed: ${res.startLine}`);
    }
    return u;
  };
  const cleanup = async () => {
    for (const close of closers.reverse()) await close();
  };
  return { s, ua, rr: `<sip:127.0.0.1:${s.port};transport=ws;lr>`, cleanup };
}

/** @param {Frame} f */
export const viaCount = (f) => f.headers('via').length;
/** @param {Frame} f */
export const tagOf = (f) => /;tag=([^;]+)/.exec(f.header('to') ?? '')?.[1];
/** @param {Frame} f */
export const topBranch = (f) => /branch=([^;,\s]+)/.exec(f.header('via') ?? '')?.[1];

/**
 * Registers an `afterEach` that runs every function deferred during the test, newest first,
 * and returns `defer(fn)`. Call it once at the top of a test file.
 * @returns {(fn: () => unknown) => void}
 */
export function cleanupAfterEach() {
  /** @type {Array<() => unknown>} */
  let cleanups = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  return (fn) => {
    cleanups.push(fn);
  };
}

/**
 * Returns a `setup(opts)` that makes test beds, each cleaned up after its test.
 * Call it once at the top of a test file.
 */
export function autoCleanup() {
  const defer = cleanupAfterEach();
  /** @param {Parameters<typeof testBed>[0]} [opts] */
  return async (opts = {}) => {
    const bed = await testBed(opts);
    defer(bed.cleanup);
    return bed;
  };
}

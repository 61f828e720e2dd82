// @ts-check
/**
 * Test helper (not part of the server): a dev server plus raw user agents,
 * all closed by `cleanup()`; and small accessors for received frames.
 */
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

// @ts-check
/**
 * Node side of bench/pages/features.html: one page (own browser context) per client, for the
 * register / call / messaging / memory modules. Every figure is timed inside the page
 * (performance.now()), so Node's polling never adds to a measurement.
 *
 * Each library gets its own pair of SIP users (FEATURE_USERS, added to Kamailio's users by
 * BenchEnv), so a call or MESSAGE never forks to another library's registration.
 */
import { ensureJsSipBundle } from './jssip-bundle.mjs';

/** The libraries the register, call and messaging modules compare, in report order (Voxline first). */
export const FEATURE_LIBS = /** @type {const} */ (['voxline', 'sipjs', 'simpleuser', 'jssip']);

/** Caller / sender (`a`) and callee / receiver (`b`) per library. */
export const FEATURE_USERS = Object.freeze({
  voxline: { a: 'vxa', b: 'vxb' },
  sipjs: { a: 'sja', b: 'sjb' },
  simpleuser: { a: 'sua', b: 'sub' },
  jssip: { a: 'jsa', b: 'jsb' },
  memory: { a: 'mema', b: 'memb' },
});

/** user => password, for Kamailio. */
export const FEATURE_PASSWORDS = Object.freeze(
  Object.fromEntries(Object.values(FEATURE_USERS).flatMap(({ a, b }) => [a, b]).map((u) => [u, `${u}-secret`])),
);

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class FeaturePage {
  /**
   * @param {import('@playwright/test').Page} page
   * @param {string} lib
   * @param {string} user
   * @param {string[]} consoleLines
   */
  constructor(page, lib, user, consoleLines) {
    this.page = page;
    this.lib = lib;
    this.user = user;
    this.consoleLines = consoleLines;
    /** @type {import('@playwright/test').CDPSession | null} */
    this.cdpSession = null;
  }

  /**
   * Opens features.html?lib=… in a fresh browser context and constructs (not registers) the client.
   * @param {import('./env.mjs').BenchEnv} env
   * @param {string} lib voxline | sipjs | simpleuser | jssip
   * @param {string} user a FEATURE_USERS name
   */
  static async open(env, lib, user) {
    if (lib === 'jssip') await ensureJsSipBundle(env.benchDir);
    const context = await (await env.browser()).newContext();
    const page = await context.newPage();
    /** @type {string[]} */
    const lines = [];
    page.on('console', (msg) => {
      if ((msg.type() === 'error' || msg.type() === 'warning') && lines.length < 200) lines.push(`${user}: ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => lines.length < 200 && lines.push(`${user}: pageerror: ${err.message}`));
    await page.goto(`${await env.baseUrl()}/bench/pages/features.html?lib=${lib}`);
    try {
      await page.waitForFunction(() => /** @type {any} */ (window).benchReady === true, undefined, { timeout: 10_000 });
    } catch (err) {
      await context.close();
      throw new Error(`features.html?lib=${lib} did not load: ${lines.join(' | ') || String(err)}`);
    }
    const fp = new FeaturePage(page, lib, user, lines);
    await fp.prepare(env);
    return fp;
  }

  /** Constructs a fresh client on the page (the previous one, if any, must be unregistered). @param {import('./env.mjs').BenchEnv} env */
  async prepare(env) {
    const kam = await env.kamailio();
    const o = { url: kam.url, domain: kam.domain, user: this.user, password: env.users[this.user] ?? '' };
    await this.page.evaluate((o) => /** @type {any} */ (window).feat.prepare(o), o);
  }

  /** login / start → registered, in ms (page clock). @returns {Promise<number>} */
  register() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.register());
  }

  unregister() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.unregister());
  }

  /**
   * @param {string} target
   * @param {{ audio?: boolean, pollMs?: number }} [opts]
   * @returns {Promise<{ answeredMs: number, audioMs: number | null, unmuteMs: number | null, inviteOutMs: number | null, okInMs: number | null, callerGumMs: number | null, callerSdpMs: number | null }>}
   */
  call(target, opts = {}) {
    return this.page.evaluate(({ target, opts }) => /** @type {any} */ (window).feat.call(target, opts), { target, opts });
  }

  hangup() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.hangup());
  }

  /**
   * Callee side, last answered call: INVITE received → 200 OK sent, and the getUserMedia / SDP time within it, ms.
   * @returns {Promise<{ ms: number, gumMs: number | null, sdpMs: number | null } | null>}
   */
  answerMs() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.answerMs());
  }

  /** @returns {Promise<number>} */
  active() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.active());
  }

  /** Waits until no call is active on this page; false on timeout. */
  async idle(timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if ((await this.active()) === 0) return true;
      await sleep(10);
    }
    return false;
  }

  /**
   * One MESSAGE → 2xx, ms, with its exchange (first send, 407 round trip, authenticated send, relay round trip, resolution).
   * @param {string} target
   * @returns {Promise<{ ms: number, toFirstSend: number | null, challengeRtt: number | null, toAuthSend: number | null, relayRtt: number | null, toResolved: number | null }>}
   */
  message(target) {
    return this.page.evaluate((target) => /** @type {any} */ (window).feat.message(target), target);
  }

  /**
   * @param {string} target
   * @param {number} n
   * @returns {Promise<{ ms: number, lastOkMs: number | null, ok: number, failed: number, firstError: string | null }>}
   */
  flood(target, n) {
    return this.page.evaluate(({ target, n }) => /** @type {any} */ (window).feat.flood(target, n), { target, n });
  }

  /** MESSAGEs this page's client received so far. @returns {Promise<number>} */
  received() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.received());
  }

  /** @returns {Promise<{ pcsCreated: number, pcsOpen: number, pcsNotCollected: number, audioElements: number }>} */
  counts() {
    return this.page.evaluate(() => /** @type {any} */ (window).feat.counts());
  }

  /** JS heap in use after a full garbage collection (CDP HeapProfiler.collectGarbage, Runtime.getHeapUsage), bytes. */
  async heapAfterGc(rounds = 3) {
    if (!this.cdpSession) {
      this.cdpSession = await this.page.context().newCDPSession(this.page);
      await this.cdpSession.send('HeapProfiler.enable');
    }
    for (let i = 0; i < rounds; i++) {
      await this.cdpSession.send('HeapProfiler.collectGarbage');
      await sleep(50);
    }
    const { usedSize } = await this.cdpSession.send('Runtime.getHeapUsage');
    return usedSize;
  }

  /**
   * Heap snapshot (after a GC) summed by kind of node, bytes: V8 compiled code (`code` nodes:
   * machine code, bytecode, feedback vectors, IC handlers), V8 JS data (every other V8 node type),
   * and Blink's native objects.
   * @returns {Promise<{ code: number, data: number, native: number }>}
   */
  async heapBreakdown() {
    await this.heapAfterGc(1);
    const cdp = /** @type {import('@playwright/test').CDPSession} */ (this.cdpSession);
    /** @type {string[]} */
    const chunks = [];
    const onChunk = (/** @type {{ chunk: string }} */ e) => chunks.push(e.chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    try {
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    }
    const snap = JSON.parse(chunks.join(''));
    const fields = snap.snapshot.meta.node_fields;
    const types = snap.snapshot.meta.node_types[0];
    const [typeAt, sizeAt, step] = [fields.indexOf('type'), fields.indexOf('self_size'), fields.length];
    const out = { code: 0, data: 0, native: 0 };
    for (let i = 0; i < snap.nodes.length; i += step) {
      const type = types[snap.nodes[i + typeAt]];
      const kind = type === 'code' ? 'code' : type === 'native' || type === 'synthetic' ? 'native' : 'data';
      out[kind] += snap.nodes[i + sizeAt];
    }
    return out;
  }

  async close() {
    await this.page.context().close().catch(() => undefined);
  }
}

/**
 * A registered caller + callee pair of one library (the callee answers every call).
 * @param {import('./env.mjs').BenchEnv} env
 * @param {string} lib
 * @param {keyof typeof FEATURE_USERS} [users] whose users (default: the library's own)
 */
export async function openPair(env, lib, users = /** @type {keyof typeof FEATURE_USERS} */ (lib)) {
  const { a, b } = FEATURE_USERS[users];
  const callee = await FeaturePage.open(env, lib, b);
  const caller = await FeaturePage.open(env, lib, a).catch(async (err) => {
    await callee.close();
    throw err;
  });
  try {
    await callee.register();
    await caller.register();
  } catch (err) {
    await Promise.all([caller.close(), callee.close()]);
    throw err;
  }
  return { caller, callee, target: b };
}

/** @param {{ caller: FeaturePage, callee: FeaturePage }} pair */
export async function closePair(pair) {
  for (const p of [pair.caller, pair.callee]) await p.unregister().catch(() => undefined);
  await Promise.all([pair.caller.close(), pair.callee.close()]);
}

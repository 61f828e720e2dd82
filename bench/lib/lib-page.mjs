// @ts-check
/**
 * Node side of one library's bench page: opens it in its own browser context, maps the page's
 * clock onto Node's (calibrated round trips), and creates / watches / frees clients on it.
 * Timestamps are taken in the page when the library reports an event, so polling from Node
 * never adds to a measured time.
 */
import { performance } from 'node:perf_hooks';

/** Node's high-resolution epoch time, comparable with the page's `performance.timeOrigin + now()`. */
export const nowMs = () => performance.timeOrigin + performance.now();

/**
 * @typedef {{ id: string, type: string, t: number, detail?: unknown }} PageEvent
 * @typedef {{ url: string, domain: string, user: string, password: string }} ClientOptions
 */

export class LibraryPage {
  /**
   * @param {import('./libraries.mjs').Library} library
   * @param {import('@playwright/test').Page} page
   * @param {string[]} consoleLines
   */
  constructor(library, page, consoleLines) {
    this.library = library;
    this.page = page;
    this.consoleLines = consoleLines;
    /** page clock minus Node clock, ms */
    this.offsetMs = 0;
    this.seq = 0;
  }

  /**
   * @param {import('@playwright/test').Browser} browser
   * @param {string} baseUrl
   * @param {import('./libraries.mjs').Library} library
   */
  static async open(browser, baseUrl, library) {
    const context = await browser.newContext();
    const page = await context.newPage();
    /** @type {string[]} */
    const lines = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') lines.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => lines.push(`pageerror: ${err.message}`));
    await page.goto(`${baseUrl}/${library.page}`);
    try {
      await page.waitForFunction(() => /** @type {any} */ (window).benchReady === true && 'benchAdapter' in window, undefined, { timeout: 10_000 });
    } catch (err) {
      throw new Error(`${library.page} did not load: ${lines.join(' | ') || String(err)}`);
    }
    const lp = new LibraryPage(library, page, lines);
    await lp.calibrate();
    return lp;
  }

  /** Estimates the page-minus-Node clock offset from the round trip with the smallest delay. */
  async calibrate(rounds = 9) {
    let best = Infinity;
    for (let i = 0; i < rounds; i++) {
      const before = nowMs();
      const pageNow = await this.page.evaluate(() => /** @type {any} */ (window).bench.now());
      const after = nowMs();
      if (after - before < best) {
        best = after - before;
        this.offsetMs = pageNow - (before + after) / 2;
      }
    }
    return { offsetMs: this.offsetMs, rttMs: best };
  }

  /** A fresh client id on this page. @param {string} prefix */
  nextId(prefix) {
    return `${this.library.id}-${prefix}-${++this.seq}`;
  }

  /**
   * Creates a client and logs it in; resolves once registered.
   * @param {string} id
   * @param {ClientOptions} opts
   */
  async create(id, opts) {
    await this.page.evaluate(({ id, opts }) => /** @type {any} */ (window).bench.create(id, opts), { id, opts });
  }

  /**
   * Waits until client `id` reported `count` events of `type`; resolves with the Node-clock time
   * of that event, or null when it did not happen within `timeoutMs`.
   * @param {string} id
   * @param {string} type
   * @param {number} timeoutMs
   * @param {number} [count]
   * @returns {Promise<number | null>}
   */
  async waitFor(id, type, timeoutMs, count = 1) {
    try {
      await this.page.waitForFunction(
        ({ id, type, count }) => /** @type {any} */ (window).bench.has(id, type, count),
        { id, type, count },
        { timeout: timeoutMs, polling: 20 },
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') return null;
      throw err;
    }
    const events = await this.events(id);
    return events.filter((e) => e.type === type)[count - 1]?.t ?? null;
  }

  /**
   * Every event of client `id`, timestamps converted to Node's clock.
   * @param {string} id
   * @returns {Promise<PageEvent[]>}
   */
  async events(id) {
    /** @type {PageEvent[]} */
    const raw = await this.page.evaluate((id) => /** @type {any} */ (window).bench.of(id), id);
    return raw.map((e) => ({ ...e, t: e.t - this.offsetMs }));
  }

  /** Frees client `id` (graceful shutdown not awaited beyond 300 ms) and drops its events. @param {string} id */
  async destroy(id) {
    await this.page.evaluate(async (id) => {
      const bench = /** @type {any} */ (window).bench;
      await bench.destroy(id);
      bench.forget(id);
    }, id);
  }

  /** Reloads the page: every client on it is gone at once (timers and sockets included). */
  async reload() {
    await this.page.reload();
    await this.page.waitForFunction(() => /** @type {any} */ (window).benchReady === true, undefined, { timeout: 10_000 });
    await this.calibrate();
  }

  async close() {
    await this.page.context().close();
  }
}

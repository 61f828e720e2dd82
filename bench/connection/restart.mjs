// @ts-check
/**
 * Server outage: Kamailio is stopped (SIGTERM; every WebSocket drops), stays down `downMs`, then
 * starts again on the same port with an empty location table. Every library has one client
 * logged in directly to Kamailio during the same outage, so all see exactly the same server.
 * Recovery is timed from the moment `start()` resolved (Kamailio accepts WebSocket upgrades).
 */
import { probeUser } from '../../e2e/harness/sip-probe.mjs';
import { nowMs } from '../lib/lib-page.mjs';
import { afterLogin, countEvents, firstDisconnect, sleep } from './outage.mjs';

/**
 * @typedef {object} RestartRun
 * @property {number} stopMs how long `stop()` took
 * @property {number} downMs how long the server was down, from stop() resolving to start() being called
 * @property {number} startMs how long `start()` took (spawn until a WebSocket upgrade works)
 * @property {Record<string, import('./outage.mjs').OutageRun & { recoverFromStartCallMs: number | null }>} libs
 */

/**
 * One outage seen by every library in `libs`.
 * @param {import('../lib/env.mjs').BenchEnv} env
 * @param {import('../lib/libraries.mjs').Library[]} libs
 * @param {number} run
 * @param {{ downMs: number, jitterMs: number, detectCapMs: number, recoverCapMs: number, settleMs: number }} o
 * @returns {Promise<RestartRun>}
 */
export async function restartRun(env, libs, run, o) {
  const kamailio = await env.kamailio();
  const pages = await Promise.all(libs.map((l) => env.page(l.id)));
  const ids = pages.map((p) => p.nextId('restart'));
  try {
    await Promise.all(
      libs.map((lib, i) =>
        pages[i]?.create(/** @type {string} */ (ids[i]), { url: kamailio.url, domain: kamailio.domain, user: lib.user, password: /** @type {string} */ (env.users[lib.user]) }),
      ),
    );
    await sleep(150);
    const tStop = nowMs();
    await kamailio.stop();
    const stopMs = nowMs() - tStop;
    const detected = await Promise.all(pages.map((p, i) => p.waitFor(/** @type {string} */ (ids[i]), 'disconnected', o.detectCapMs)));
    await sleep(Math.max(0, tStop + stopMs + o.downMs + Math.random() * o.jitterMs - nowMs()));
    const tStartCall = nowMs();
    await kamailio.start();
    const t0 = nowMs();
    const recovered = await Promise.all(pages.map((p, i) => p.waitFor(/** @type {string} */ (ids[i]), 'recovered', o.recoverCapMs)));
    await sleep(o.settleMs);
    /** @type {RestartRun['libs']} */
    const out = {};
    for (const [i, lib] of libs.entries()) {
      const page = /** @type {import('../lib/lib-page.mjs').LibraryPage} */ (pages[i]);
      const events = afterLogin(await page.events(/** @type {string} */ (ids[i])));
      const det = detected[i] ?? null;
      const rec = recovered[i] ?? null;
      let verified = false;
      if (rec !== null) verified = (await probeUser(kamailio.url, kamailio.domain, lib.user).catch(() => 0)) === 200;
      out[lib.id] = {
        run,
        detectMs: det === null ? null : det - tStop,
        recoverMs: rec === null ? null : rec - t0,
        recoverFromStartCallMs: rec === null ? null : rec - tStartCall,
        counts: countEvents(events),
        disconnect: firstDisconnect(events),
        verified,
        ...(rec === null ? { note: `not recovered within ${o.recoverCapMs / 1000} s of start()` } : {}),
      };
    }
    return { stopMs, downMs: tStartCall - tStop - stopMs, startMs: t0 - tStartCall, libs: out };
  } finally {
    if (!kamailio.running()) await kamailio.start();
    await Promise.all(pages.map((p, i) => p.destroy(/** @type {string} */ (ids[i])).catch(() => undefined)));
  }
}

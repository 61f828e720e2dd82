// @ts-check
/**
 * Faults injected between the browser and Kamailio by e2e/harness/fault-proxy.mjs: the proxy
 * closes the WebSocket (close frame + FIN), resets it (TCP RST) or blackholes it (keeps it
 * open, drops every byte). One run = one fresh client through one fresh proxy, one fault.
 */
import { startFaultProxy } from '../../e2e/harness/fault-proxy.mjs';
import { nowMs } from '../lib/lib-page.mjs';
import { afterLogin, countEvents, firstDisconnect, sleep } from './outage.mjs';

/**
 * @typedef {'close' | 'reset' | 'blackhole'} FaultMode
 * @typedef {object} FaultOptions
 * @property {number} detectCapMs give up waiting for `disconnected` after this long
 * @property {number} recoverCapMs give up waiting for recovery after this long (from the fault)
 * @property {number} settleMs keep counting events this long after recovery
 */

/**
 * One fault on one client of `lib`.
 * @param {import('../lib/env.mjs').BenchEnv} env
 * @param {import('../lib/libraries.mjs').Library} lib
 * @param {FaultMode} mode
 * @param {number} run
 * @param {FaultOptions} o
 * @returns {Promise<import('./outage.mjs').OutageRun>}
 */
export async function faultRun(env, lib, mode, run, o) {
  const kamailio = await env.kamailio();
  const page = await env.page(lib.id);
  const proxy = await startFaultProxy({ targetPort: kamailio.port });
  const id = page.nextId(mode);
  /** @type {string | undefined} */
  let note;
  try {
    await page.create(id, { url: proxy.url, domain: kamailio.domain, user: lib.user, password: /** @type {string} */ (env.users[lib.user]) });
    if (proxy.connections !== 1) note = `${proxy.connections} connections through the proxy before the fault`;
    await sleep(150);
    const t0 = nowMs();
    if (mode === 'close') proxy.close(1000);
    else if (mode === 'reset') proxy.reset();
    else proxy.blackhole();
    const detected = await page.waitFor(id, 'disconnected', o.detectCapMs);
    let recovered = null;
    if (detected !== null) {
      recovered = await page.waitFor(id, 'recovered', Math.max(0, t0 + o.recoverCapMs - nowMs()));
      if (recovered === null) note = `no recovery within ${o.recoverCapMs / 1000} s of the fault`;
      await sleep(o.settleMs);
    }
    const events = afterLogin(await page.events(id));
    /** @type {import('./outage.mjs').OutageRun} */
    const result = {
      run,
      detectMs: detected === null ? null : detected - t0,
      recoverMs: recovered === null ? null : recovered - t0,
      counts: countEvents(events),
    };
    if (detected !== null) result.disconnect = firstDisconnect(events);
    if (note) result.note = note;
    return result;
  } finally {
    await page.destroy(id).catch(() => undefined);
    await proxy.stop();
  }
}

/**
 * Runs `runs` faults of `mode` for every library, interleaved (run 1 of each library, then
 * run 2, …) so slow drift of the machine spreads evenly over the libraries.
 * @param {import('../lib/env.mjs').BenchEnv} env
 * @param {import('../lib/libraries.mjs').Library[]} libs
 * @param {FaultMode} mode
 * @param {number} runs
 * @param {FaultOptions} o
 * @param {(msg: string) => void} progress
 * @returns {Promise<Record<string, import('./outage.mjs').OutageRun[]>>}
 */
export async function faultSeries(env, libs, mode, runs, o, progress) {
  /** @type {Record<string, import('./outage.mjs').OutageRun[]>} */
  const out = Object.fromEntries(libs.map((l) => [l.id, []]));
  for (let run = 1; run <= runs; run++) {
    for (const lib of libs) out[lib.id]?.push(await faultRun(env, lib, mode, run, o));
    progress(`${mode} ${run}/${runs}`);
  }
  return out;
}

/**
 * Blackhole runs: Voxline sequentially (`runs` runs); each peer `peerRuns` runs at once, in
 * parallel with Voxline's, since a peer without liveness check just sits there until the cap.
 * @param {import('../lib/env.mjs').BenchEnv} env
 * @param {import('../lib/libraries.mjs').Library[]} libs
 * @param {{ runs: number, peerRuns: number }} counts
 * @param {FaultOptions} o
 * @param {(msg: string) => void} progress
 */
export async function blackholeSeries(env, libs, counts, o, progress) {
  const [first, ...peers] = libs;
  /** @type {Record<string, import('./outage.mjs').OutageRun[]>} */
  const out = Object.fromEntries(libs.map((l) => [l.id, []]));
  for (const lib of peers) await env.page(lib.id); // open pages before the clock starts
  const peerWork = peers.map(async (lib) => {
    const runs = await Promise.all(Array.from({ length: counts.peerRuns }, (_, i) => faultRun(env, lib, 'blackhole', i + 1, o)));
    out[lib.id] = runs;
    await (await env.page(lib.id)).reload(); // drop the blackholed clients and their timers
    progress(`blackhole ${lib.label}: ${counts.peerRuns} parallel runs done`);
  });
  if (first) {
    for (let run = 1; run <= counts.runs; run++) {
      out[first.id]?.push(await faultRun(env, first, 'blackhole', run, o));
      progress(`blackhole ${first.label} ${run}/${counts.runs}`);
    }
  }
  await Promise.all(peerWork);
  return out;
}

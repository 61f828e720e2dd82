// @ts-check
/**
 * Bench module `register`: a fresh client → registered, digest auth (REGISTER → 401 → REGISTER
 * with credentials → 200), timed in the page from the call that starts the work:
 *   Voxline  client.login()                                   → resolves (registered)
 *   sip.js   UserAgent.start() + Registerer.register()          → Registerer state Registered
 *   SimpleUser connect() + register()                           → delegate onRegistered
 *   JsSIP    ua.start()                                         → `registered`
 * Each run constructs a new client (new WebSocket included) on the library's page, and
 * unregisters and stops it afterwards (not timed). Libraries take turns within each run.
 */
import { FEATURE_LIBS, FEATURE_USERS, FeaturePage, sleep } from '../lib/feature-page.mjs';
import { librariesConfig, makeFigure } from '../lib/figure.mjs';

const LIBS = FEATURE_LIBS;

/** @type {import('../modules.mjs').BenchModule} */
export const register = {
  id: 'register',
  title: 'Registration',
  parts: ['register'],
  async run(env, { runs, progress }) {
    /** @type {Record<string, FeaturePage>} */
    const pages = {};
    /** @type {Record<string, number[]>} */
    const samples = Object.fromEntries(LIBS.map((l) => [l, []]));
    /** @type {Record<string, string[]>} */
    const errors = Object.fromEntries(LIBS.map((l) => [l, []]));
    try {
      for (const lib of LIBS) pages[lib] = await FeaturePage.open(env, lib, FEATURE_USERS[lib].a);
      // One warm-up registration per library (first WebSocket, JIT), not recorded.
      for (const lib of LIBS) await cycle(env, /** @type {FeaturePage} */ (pages[lib]));
      for (let run = 1; run <= runs; run++) {
        for (const lib of LIBS) {
          try {
            samples[lib]?.push(await cycle(env, /** @type {FeaturePage} */ (pages[lib])));
          } catch (err) {
            errors[lib]?.push(`run ${run}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
            await pages[lib]?.prepare(env).catch(() => undefined);
          }
          await sleep(100);
        }
        if (run % 5 === 0 || run === runs) progress(`register ${run}/${runs}`);
      }
    } finally {
      for (const p of Object.values(pages)) await p.close();
    }
    const figures = [
      makeFigure({
        part: 'register',
        title: 'login() → registered (fresh client, digest auth)',
        unit: 'ms',
        reference: 'from login() (Voxline) / UserAgent.start() (sip.js) / connect() (SimpleUser) / ua.start() (JsSIP) on a client constructed just before, WebSocket not yet open',
        samples,
      }),
    ];
    const notes = ['register: one warm-up registration per library before the runs (not recorded); libraries take turns within each run, 100 ms apart.'];
    for (const [lib, list] of Object.entries(errors)) if (list.length) notes.push(`register: ${lib} failed ${list.length} run(s): ${list.slice(0, 3).join('; ')}.`);
    const users = Object.fromEntries(LIBS.map((l) => [l, FEATURE_USERS[l].a]));
    return {
      config: { libraries: librariesConfig(env, [...LIBS], users) },
      figures,
      notes,
      raw: { register: samples, 'register/errors': errors, 'register/console': Object.values(pages).flatMap((p) => p.consoleLines) },
    };
  },
};

/**
 * One registration: time it, then unregister and construct the next client.
 * @param {import('../lib/env.mjs').BenchEnv} env
 * @param {FeaturePage} page
 */
async function cycle(env, page) {
  const ms = await page.register();
  await page.unregister();
  await page.prepare(env);
  return ms;
}

// @ts-check
/**
 * Bench module `messaging`: SIP MESSAGE between two registered pages of the same library, digest
 * auth on every MESSAGE (MESSAGE → 407 → MESSAGE with credentials → relayed → 200 from the
 * receiver → 200 to the sender).
 *
 *   latency     one message → resolved (2xx), timed in the sender's page, 5 per run and library
 *               (with the exchange seen on the sender's WebSocket, to show where the time goes):
 *               Voxline client.sendMessage() · sip.js Messager.message() → onAccept · JsSIP ua.sendMessage() → succeeded
 *               · SimpleUser message() → the 2xx on its WebSocket (SimpleUser reports no final response)
 *   throughput  --flood-size (1,000) messages sent at once, await all: delivered (2xx) messages ÷ time
 *               to the last 2xx; failures counted apart; --flood-runs runs (default 3: a burst takes
 *               ~3–40 s on 2 cores, see the note)
 */
import { fmt } from '../report/format.mjs';
import { FEATURE_LIBS, FEATURE_USERS, closePair, openPair, sleep } from '../lib/feature-page.mjs';
import { librariesConfig, makeFigure, ratioTarget } from '../lib/figure.mjs';
import { summarize } from '../lib/stats.mjs';

const LIBS = FEATURE_LIBS;
const PER_RUN = 5;
/** Steps of one MESSAGE on the sender's WebSocket, and whose code runs in each. */
const STEPS = /** @type {const} */ ([
  ['toFirstSend', 'send call → MESSAGE on the WebSocket', "the sender's API, outbox and transport adapter"],
  ['challengeRtt', 'MESSAGE → 407 received', 'Kamailio, and the transport adapters of the sender'],
  ['toAuthSend', '407 received → MESSAGE with credentials sent', "sip.js's parsing and digest in the sender, and its transport adapter"],
  ['relayRtt', 'MESSAGE with credentials → 2xx received (Kamailio, receiver page)', 'the receiving page (its transport adapter, sip.js parsing, the `message` event) and Kamailio'],
  ['toResolved', '2xx received → promise / callback', "the sender's outbox settling the promise"],
]);

/**
 * @typedef {Awaited<ReturnType<import('../lib/feature-page.mjs').FeaturePage['message']>>} MessageRun
 * @typedef {Awaited<ReturnType<import('../lib/feature-page.mjs').FeaturePage['flood']>> & { received: number }} Flood
 */

/** @type {import('../modules.mjs').BenchModule} */
export const messaging = {
  id: 'messaging',
  title: 'Messaging (SIP MESSAGE)',
  parts: ['latency', 'throughput'],
  async run(env, { runs, only, flags, progress }) {
    const want = (/** @type {string} */ p) => !only || only.has(p);
    const floodRuns = Number(flags['flood-runs'] ?? 3);
    const floodSize = Number(flags['flood-size'] ?? 1000);
    /** @type {Record<string, Awaited<ReturnType<typeof openPair>>>} */
    const pairs = {};
    /** @type {Record<string, (MessageRun | null)[]>} */
    const latency = Object.fromEntries(LIBS.map((l) => [l, []]));
    /** @type {Record<string, Flood[]>} */
    const floods = Object.fromEntries(LIBS.map((l) => [l, []]));
    /** @type {string[]} */
    const errors = [];
    /** @type {string[]} */
    const consoleLines = [];
    try {
      for (const lib of LIBS) pairs[lib] = await openPair(env, lib);
      const pair = (/** @type {string} */ lib) => /** @type {Awaited<ReturnType<typeof openPair>>} */ (pairs[lib]);
      if (want('latency')) {
        for (const lib of LIBS) for (let i = 0; i < 3; i++) await pair(lib).caller.message(pair(lib).target); // warm-up
        for (let run = 1; run <= runs; run++) {
          for (let k = 0; k < PER_RUN; k++) {
            for (const lib of LIBS) {
              try {
                latency[lib]?.push(await pair(lib).caller.message(pair(lib).target));
              } catch (err) {
                latency[lib]?.push(null);
                errors.push(`${lib} latency run ${run}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
              }
              await sleep(30);
            }
          }
        }
        progress(`messaging latency ${runs}/${runs}`);
      }
      if (want('throughput')) {
        for (let run = 1; run <= floodRuns; run++) {
          for (const lib of LIBS) {
            const before = await pair(lib).callee.received();
            const f = await pair(lib).caller.flood(pair(lib).target, floodSize);
            await sleep(1000); // let the receiver finish and the retransmission timers clear
            floods[lib]?.push({ ...f, received: (await pair(lib).callee.received()) - before });
          }
          progress(`messaging throughput ${run}/${floodRuns} (${LIBS.map((l) => `${l} ${floods[l]?.at(-1)?.ms.toFixed(0)} ms`).join(', ')})`);
        }
      }
    } finally {
      for (const p of Object.values(pairs)) {
        consoleLines.push(...p.caller.consoleLines, ...p.callee.consoleLines);
        await closePair(p);
      }
    }
    const figures = [];
    const notes = [];
    if (want('latency')) {
      const col = (/** @type {(r: MessageRun) => number | null} */ f) => Object.fromEntries(Object.entries(latency).map(([l, list]) => [l, list.map((r) => (r ? f(r) : null))]));
      const total = col((r) => r.ms);
      const med = (/** @type {Record<string, (number | null)[]>} */ x, /** @type {string} */ l) => summarize(x[l] ?? []).median ?? 0;
      const v = med(total, 'voxline');
      const s = med(total, 'sipjs');
      const steps = STEPS.map(([key, label, owner]) => ({ label, owner, samples: col((r) => r[key]) }));
      const slower = steps.filter((x) => med(x.samples, 'voxline') > med(x.samples, 'sipjs') + 0.2);
      const fix =
        `Voxline's median is ${fmt(v)} vs ${fmt(s)} (the target allows ${fmt(s * 1.1)}). Step medians, Voxline vs sip.js: ` +
        `${steps.map((x) => `${x.label} ${fmt(med(x.samples, 'voxline'))} vs ${fmt(med(x.samples, 'sipjs'))}`).join('; ')}. ` +
        (slower.length
          ? `Voxline is slower in: ${slower.map((x) => `${x.label} (${x.owner})`).join('; ')}. Voxline runs sip.js's own Messager and UserAgent underneath, so a gap there is Voxline's layers around them; ` +
            (v - s < (summarize(total.voxline ?? []).p95 ?? 0) - v ? 'the gap is smaller than the spread between its median and p95 on 2 shared cores, so a repeat may land either side of 1.1×. ' : '')
          : 'No step is consistently slower: the difference is within the run-to-run noise of a 2-core machine. ') +
        'The largest steps are parsing and digest work in sip.js itself (see the throughput note), the same in both.';
      figures.push(
        makeFigure({
          part: 'latency',
          title: 'sendMessage() → resolved (2xx)',
          unit: 'ms',
          reference: `sender's page, from the send call to its success callback / promise (one message at a time, ${PER_RUN} per run: ${runs * PER_RUN} samples)`,
          samples: total,
          target: ratioTarget('sipjs', 1.1, '≤ 1.1× raw sip.js'),
          goal: { text: 'MESSAGE latency ≤ 1.1× raw sip.js', fix },
        }),
      );
      for (const x of steps) figures.push(makeFigure({ part: 'latency', title: `MESSAGE: ${x.label}`, unit: 'ms', reference: "sender's WebSocket, same messages", samples: x.samples, informative: true }));
      notes.push(`latency: ${runs * PER_RUN} messages per library (${PER_RUN} per run), one at a time, libraries taking turns, 30 ms apart, after 3 warm-up messages each (not recorded).`);
    }
    if (want('throughput')) {
      const per = (/** @type {(f: Flood) => number | null} */ g) => Object.fromEntries(Object.entries(floods).map(([l, list]) => [l, list.map(g)]));
      figures.push(
        makeFigure({
          part: 'throughput',
          title: `${floodSize.toLocaleString('en')} messages sent at once → delivered per second`,
          unit: 'msg/s',
          reference: `sender's page: ${floodSize} sends in one go, Promise.allSettled; messages resolved (2xx) ÷ time to the last 2xx`,
          samples: per((f) => (f.lastOkMs ? (f.ok / f.lastOkMs) * 1000 : null)),
        }),
        makeFigure({ part: 'throughput', title: 'messages failed per burst', unit: 'count', reference: 'rejected promises / failed callbacks (408 after 30–32 s)', samples: per((f) => f.failed), informative: true }),
        makeFigure({ part: 'throughput', title: 'burst: send → every message settled', unit: 'ms', reference: 'includes the 32 s wait for a lost message', samples: per((f) => f.ms), informative: true }),
        makeFigure({ part: 'throughput', title: 'MESSAGEs the receiving page got per burst', unit: 'count', reference: 'receiver-side count (its library answers 200)', samples: per((f) => f.received), informative: true }),
      );
      const fails = Object.entries(floods).flatMap(([l, list]) => list.filter((f) => f.failed).map((f) => `${l}: ${f.failed} failed (${f.firstError})`));
      notes.push(
        `throughput: ${floodRuns} burst(s) of ${floodSize} per library (--flood-runs, --flood-size; fewer runs than the other figures because one burst takes ~3–40 s), ` +
          'libraries taking turns. All the libraries are CPU-bound in the pages, not in Kamailio: a profile of a 300-message sip.js burst spends most of the ' +
          "sender's time in sip.js's generated PEG parser (`peg$parseRule`, `peg$decode`); JsSIP also parses with a PEG grammar. With both pages on 2 shared cores, messages " +
          'that wait too long get Kamailio\'s 408 (fr_timer 30 s).',
      );
      if (fails.length) {
        notes.push(
          `throughput: failures: ${fails.join('; ')}. A failed message stalls its burst until the 30–32 s timeout, so delivered/s is taken to the last 2xx; ` +
            'compare "MESSAGEs the receiving page got" with the delivered count to see on which leg a message was lost.',
        );
      }
      const times = Object.entries(floods).map(([l, list]) => `${l} ${list.map((f) => `${(f.ms / 1000).toFixed(1)} s`).join(', ')}`);
      notes.push(`throughput: burst durations: ${times.join('; ')}.`);
    }
    if (errors.length) notes.push(`latency: ${errors.length} failure(s): ${errors.slice(0, 3).join('; ')}.`);
    const users = Object.fromEntries(LIBS.map((l) => [l, `${FEATURE_USERS[l].a} → ${FEATURE_USERS[l].b}`]));
    return {
      config: { floodRuns, floodSize, libraries: librariesConfig(env, [...LIBS], users) },
      figures,
      notes,
      raw: {
        ...(want('latency') ? { latency, 'latency/errors': errors } : {}),
        ...(want('throughput') ? { throughput: floods } : {}),
        [`${want('latency') ? 'latency' : 'throughput'}/console`]: consoleLines,
      },
    };
  },
};

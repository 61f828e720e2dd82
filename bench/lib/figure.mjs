// @ts-check
/**
 * Builds {@link import('../modules.mjs').Figure}s from samples per library, for the feature modules
 * (size, register, call, messaging, memory).
 */
import { summarize } from './stats.mjs';

/**
 * @typedef {import('../modules.mjs').Figure} Figure
 * @typedef {Figure['target']} Target
 */

/**
 * @param {object} o
 * @param {string} o.part
 * @param {string} o.title
 * @param {string} o.unit 'ms', 'B', 'msg/s', '×', 'count'
 * @param {string} o.reference what is measured, from what
 * @param {Record<string, (number | null)[]>} o.samples per library
 * @param {Target} [o.target]
 * @param {boolean} [o.informative]
 * @param {number | null} [o.capMs]
 * @param {import('../modules.mjs').Goal} [o.goal] listed in RESULTS.md's targets section
 * @param {boolean} [o.deterministic] one build, no runs (sizes): the report treats any change as real
 * @returns {Figure}
 */
export function makeFigure({ part, title, unit, reference, samples, target = null, informative = false, capMs = null, goal, deterministic = false }) {
  /** @type {Figure['libraries']} */
  const libraries = {};
  for (const [lib, list] of Object.entries(samples)) libraries[lib] = { samples: list, summary: summarize(list, capMs) };
  const id = `${part}:${title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`;
  /** @type {Figure} */
  const f = { id, part, title, unit, target, reference, informative, capMs, libraries };
  if (goal) f.goal = goal;
  if (deterministic) f.deterministic = true;
  return f;
}

/** A target relative to a peer's median: Voxline median ≤ `max` × the peer's. @param {string} peer @param {number} max @param {string} text */
export const ratioTarget = (peer, max, text) => ({ text, ratio: { peer, max } });

/** An absolute target in the figure's unit. @param {number} max @param {string} text */
export const maxTarget = (max, text) => ({ maxMs: max, text });

/** Library descriptions for a module's config (RESULTS.md "How each library was configured"). */
export const LIBRARY_CONFIG = {
  voxline: 'dist/voxline.iife.min.js, default options (its own session description handler: sends the SDP once a usable ICE candidate exists plus 20 ms).',
  sipjs:
    '`UserAgent` + `Registerer` + `Inviter` / `Invitation` / `Messager`, default session description handler with `peerConnectionConfiguration: { iceServers: [] }` ' +
    '(it waits for ICE gathering to complete, or its 5 s timeout), its own WebSocket transport; ESM from node_modules.',
  simpleuser:
    "`Web.SimpleUser` (sip.js's own high-level helper: connect() + register(), call() / answer() / hangup(), message(), outcomes from its delegate), " +
    "`sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } }`, `transportOptions.traceSip: false`, " +
    "`logConfiguration: false`, remote audio in an `<audio>` element (`media.remote`), everything else its defaults (same session description handler as raw sip.js); " +
    'its message() resolves when the MESSAGE is sent and it reports no final response, so the bench takes "→ 2xx" when that 2xx reaches the page\'s WebSocket ' +
    '(sip.js\'s own handling of the 2xx, ≈ 2 ms for raw sip.js, is left out); ESM from node_modules.',
  jssip: '`JsSIP.UA` + `WebSocketInterface`, `session_timers: false`, `ua.call()` / `session.answer()` with `pcConfig: { iceServers: [] }`, `ua.sendMessage()`; bundle built by the bench.',
};

/**
 * `config.libraries` for a module, from env.libraries, with the feature users.
 * @param {import('./env.mjs').BenchEnv} env
 * @param {string[]} ids
 * @param {Record<string, string>} [users] lib => "caller → callee" text
 */
export function librariesConfig(env, ids, users = {}) {
  return ids.map((id) => {
    const l = /** @type {import('./libraries.mjs').Library} */ (env.libraries.find((x) => x.id === id));
    const config = /** @type {Record<string, string>} */ (LIBRARY_CONFIG)[id] ?? '';
    return { id, label: l.label, version: l.version, config: users[id] ? `${config} Users: ${users[id]}.` : config, user: users[id] ?? '' };
  });
}

// @ts-check
/**
 * Shared bookkeeping for one outage seen by one client: the events it reported, counted by type.
 */

/** Event types that are bookkeeping, not library notifications. */
const IGNORED = new Set(['created', 'registered-initially', 'destroy-error']);

/**
 * Counts events by type, ignoring bookkeeping ones.
 * @param {import('../lib/lib-page.mjs').PageEvent[]} events
 * @returns {Record<string, number>}
 */
export function countEvents(events) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const e of events) {
    if (IGNORED.has(e.type)) continue;
    counts[e.type] = (counts[e.type] ?? 0) + 1;
  }
  return counts;
}

/**
 * Events after the client was logged in (the outage and its recovery).
 * @param {import('../lib/lib-page.mjs').PageEvent[]} events
 */
export function afterLogin(events) {
  const i = events.findIndex((e) => e.type === 'registered-initially');
  return i < 0 ? events : events.slice(i + 1);
}

/**
 * The detail of the first disconnect notification (reason, close code…), if any.
 * @param {import('../lib/lib-page.mjs').PageEvent[]} events
 */
export function firstDisconnect(events) {
  return events.find((e) => e.type === 'disconnected')?.detail;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One outage as measured for one client.
 * @typedef {object} OutageRun
 * @property {number} run 1-based run number
 * @property {number | null} detectMs fault → first `disconnected` (null: never within the cap)
 * @property {number | null} recoverMs reference time → recovered (link back and registered again)
 * @property {Record<string, number>} counts events per type during the outage and recovery
 * @property {unknown} [disconnect] what the library said with its first disconnect notification
 * @property {boolean} [verified] server confirmed the user reachable again (OPTIONS → 200)
 * @property {string} [note]
 */

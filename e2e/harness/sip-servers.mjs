// @ts-check
/**
 * One interface over the two SIP servers the e2e suite and the benchmarks run against:
 * a real Kamailio and the embedded dev server. Both listen on 127.0.0.1 only.
 */
import { DEFAULT_USERS, startKamailio } from './kamailio.mjs';
import { startDevServer } from '../../server/index.js';

/**
 * @typedef {'kamailio' | 'devserver'} SipServerKind
 * @typedef {{
 *   kind: SipServerKind,
 *   url: string,
 *   port: number,
 *   domain: string,
 *   users: Record<string, string>,
 *   stop(): Promise<void>,
 *   start(): Promise<void>,
 * }} SipServer
 */

export { DEFAULT_USERS };

/**
 * Browser origins the dev server accepts here: every e2e page comes from a static server on
 * 127.0.0.1, each on a port of its own (fixtures, the demo spec), so any port of that host.
 */
export const E2E_PAGE_ORIGINS = ['http://127.0.0.1:*'];

/**
 * Starts a server of `kind` with digest auth for `users`.
 * `stop()` takes it down (the port is closed, open sockets are cut); `start()` brings it back
 * on the same port.
 * @param {SipServerKind} kind
 * @param {{ users?: Record<string,string>, port?: number }} [opts]
 * @returns {Promise<SipServer>}
 */
export async function startSipServer(kind, opts = {}) {
  const users = opts.users ?? DEFAULT_USERS;
  if (kind === 'kamailio') {
    const k = await startKamailio({ auth: true, users, port: opts.port });
    return { kind, url: k.url, port: k.port, domain: k.domain, users, stop: () => k.stop(), start: () => k.start() };
  }
  let dev = await startDevServer({ port: opts.port ?? 0, users, logLevel: 'warn', allowedOrigins: E2E_PAGE_ORIGINS });
  const port = dev.port;
  /** @type {SipServer} */
  const server = {
    kind,
    url: dev.url,
    port,
    domain: dev.domain,
    users,
    stop: () => dev.close(),
    start: async () => {
      dev = await startDevServer({ port, users, logLevel: 'warn', allowedOrigins: E2E_PAGE_ORIGINS });
    },
  };
  return server;
}

// @ts-check
/**
 * The libraries the bench compares, how each page loads them, which SIP user each one logs in
 * as (its own, so they can run side by side against one registrar), and how each is configured.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * @typedef {object} Library
 * @property {'voxline' | 'sipjs' | 'simpleuser' | 'jssip'} id
 * @property {string} label display name
 * @property {string} page path of its bench page, from the repository root
 * @property {string} user SIP user it registers as
 * @property {string} version
 * @property {string} config how it is configured, for RESULTS.md
 */

/** @param {string} pkg */
function versionOf(pkg) {
  try {
    return /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8'))).version;
  } catch {
    return 'unknown';
  }
}

/**
 * @param {string} root repository root
 * @returns {Library[]}
 */
export function libraries(root) {
  const voxline = /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(`${root}/package.json`, 'utf8'))).version;
  let built = '';
  try {
    built = `, dist built ${fs.statSync(`${root}/dist/voxline.iife.min.js`).mtime.toISOString()}`;
  } catch {
    // reported when the page fails to load
  }
  return [
    {
      id: 'voxline',
      label: 'Voxline',
      page: 'bench/pages/voxline.html',
      user: 'alice',
      version: `${voxline} (dist/voxline.iife.min.js${built})`,
      config:
        'defaults: CRLF keep-alive (idle 2 s, timeout 2.5 s); reconnect at once, then every 1 s for 10 s, then backoff; ' +
        'recovery = `connectionchange` `reconnected` (fires after the re-REGISTER succeeded).',
    },
    {
      id: 'sipjs',
      label: 'sip.js',
      page: 'bench/pages/sipjs.html',
      user: 'bob',
      version: versionOf('sip.js'),
      config:
        '`UserAgent` + `Registerer`, its own WebSocket transport (ESM from node_modules via an import map); ' +
        '`reconnectionAttempts: 1000`, `reconnectionDelay: 1` (first attempt immediate, then every 1 s; both options are ' +
        'deprecated in 0.21 but still the only built-in reconnection); re-REGISTER from the `onConnect` delegate; ' +
        'disconnect = `UserAgent` delegate `onDisconnect`; recovery = 200 OK to that re-REGISTER. ' +
        'No keep-alive: `keepAliveInterval` is `@internal` ("needs review") and only sends CRLFs, it never times out.',
    },
    {
      id: 'simpleuser',
      label: 'SimpleUser',
      page: 'bench/pages/simpleuser.html',
      user: 'dave',
      version: `${versionOf('sip.js')} (sip.js \`Web.SimpleUser\`)`,
      config:
        "sip.js's own high-level helper `Web.SimpleUser` (its SessionManager reconnects and re-registers by itself), ESM from node_modules; " +
        '`reconnectionAttempts: 1000`, `reconnectionDelay: 1` (same fastest settings as the raw sip.js peer: first attempt at once, then every 1 s; ' +
        'its defaults are 3 attempts, 4 s apart); connect() + register(); disconnect = delegate `onServerDisconnect`; ' +
        'recovery = `onRegistered` after the link came back (`onServerConnect`). No keep-alive: SimpleUser does not expose the SessionManager\'s OPTIONS ping.',
    },
    {
      id: 'jssip',
      label: 'JsSIP',
      page: 'bench/pages/jssip.html',
      user: 'carol',
      version: versionOf('jssip'),
      config:
        '`JsSIP.UA` with `WebSocketInterface`, `register: true` (it re-registers on every reconnect by itself), ' +
        '`connection_recovery_min_interval: 1`, `connection_recovery_max_interval: 1` (fastest whole-second setting; default 2/30 s); ' +
        'disconnect = UA `disconnected`; recovery = `connected` then `registered`. JsSIP has no keep-alive option. ' +
        'Browser bundle built by the bench with rollup from node_modules/jssip (3.13 no longer ships `dist/`).',
    },
  ];
}

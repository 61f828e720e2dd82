// @ts-check
/**
 * Kamailio of the gateway topology (e2e/gateway/kamailio.cfg): ws:// and wss:// for browsers on
 * 127.0.0.1, UDP for phones and gateways on the namespace address, rtpengine for the media.
 * The wss:// certificate is made at start-up by e2e/gateway/make-cert.sh into the run directory.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import net from 'node:net';
import { KAMAILIO_INSTALL_HINT, SIP_DOMAIN, USERS_FILE, kamailioBinary, probeWebSocket, usersFileContent } from './kamailio-config.mjs';
import { startProcess } from './managed-process.mjs';

export const GATEWAY_KAMAILIO_CFG = fileURLToPath(new URL('../gateway/kamailio.cfg', import.meta.url));
const MAKE_CERT = fileURLToPath(new URL('../gateway/make-cert.sh', import.meta.url));

/**
 * @typedef {object} GatewayKamailioOptions
 * @property {string} runDir where the users file, the certificate, the pid file and the log go
 * @property {Record<string, string>} users user => password (digest auth is always on)
 * @property {string} sipAddress UDP listener address (inside the test's network namespace)
 * @property {number} sipPort UDP listener port
 * @property {string} rtpengine rtpengine's ng socket, e.g. udp:127.0.0.1:22222
 * @property {string} pstnGateway where numbers are routed, e.g. sip:198.18.0.2:5080
 * @property {boolean} [debug]
 */

/**
 * One wss:// upgrade with sub-protocol "sip", accepting the self-signed certificate.
 * @param {string} url
 */
function probeSecureWebSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'sip', { handshakeTimeout: 1000, rejectUnauthorized: false });
    ws.once('open', () => {
      ws.close(1000);
      resolve(undefined);
    });
    ws.once('error', (err) => {
      ws.terminate();
      reject(err);
    });
  });
}

/**
 * Two distinct free TCP ports on 127.0.0.1 (both held while the second is picked).
 * @returns {Promise<[number, number]>}
 */
async function twoFreePorts() {
  const servers = [net.createServer(), net.createServer()];
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return /** @type {[number, number]} */ (ports);
}

/** @param {string} s a value for a quoted config define */
const quoted = (s) => {
  if (/["\\\r\n]/.test(s)) throw new Error(`gateway Kamailio: unsupported character in ${JSON.stringify(s)}`);
  return `"${s}"`;
};

/**
 * Starts Kamailio with the gateway config; resolves once ws:// and wss:// both upgrade.
 * @param {GatewayKamailioOptions} opts
 */
export async function startGatewayKamailio(opts) {
  const bin = kamailioBinary();
  if (!bin) throw new Error(`Kamailio is not installed: ${KAMAILIO_INSTALL_HINT}`);
  fs.mkdirSync(opts.runDir, { recursive: true });
  fs.writeFileSync(path.join(opts.runDir, USERS_FILE), usersFileContent(opts.users));
  const cert = spawnSync('sh', [MAKE_CERT, opts.runDir], { encoding: 'utf8' });
  if (cert.status !== 0) throw new Error(`make-cert.sh failed: ${cert.stderr || cert.error?.message}`);
  // Another process may take a port between the pick and Kamailio's bind: then pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPorts(bin, opts, await twoFreePorts());
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

/**
 * @param {string} bin
 * @param {GatewayKamailioOptions} opts
 * @param {[number, number]} ports ws:// and wss://
 */
async function startOnPorts(bin, opts, [wsPort, wssPort]) {
  const url = `ws://127.0.0.1:${wsPort}`;
  const secureUrl = `wss://127.0.0.1:${wssPort}`;
  const args = [
    '-f', GATEWAY_KAMAILIO_CFG,
    '-DD', '-E',
    '-Y', opts.runDir,
    '-P', path.join(opts.runDir, 'kamailio.pid'),
    '-m', '64', '-M', '8',
    '-A', `WS_PORT=${wsPort}`,
    '-A', 'WITH_TLS',
    '-A', `WSS_PORT=${wssPort}`,
    '-A', `TLS_CERT=${quoted(path.join(opts.runDir, 'cert.pem'))}`,
    '-A', `TLS_KEY=${quoted(path.join(opts.runDir, 'key.pem'))}`,
    '-A', `SIP_IP=${opts.sipAddress}`,
    '-A', `SIP_PORT=${opts.sipPort}`,
    '-A', `RTPENGINE_SOCK=${quoted(opts.rtpengine)}`,
    '-A', `PSTN_GW=${quoted(opts.pstnGateway)}`,
  ];
  if (opts.debug) args.push('-A', 'WITH_DEBUG');
  const proc = await startProcess({
    name: 'kamailio',
    bin,
    args,
    cwd: opts.runDir,
    logFile: path.join(opts.runDir, 'kamailio.log'),
    ready: { probe: async () => (await probeWebSocket(url), await probeSecureWebSocket(secureUrl)), timeoutMs: 10_000 },
  });
  return { ...proc, url, secureUrl, wsPort, wssPort, domain: SIP_DOMAIN };
}

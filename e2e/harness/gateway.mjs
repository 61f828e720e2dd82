// @ts-check
/**
 * The e2e "gateway" topology: what a production deployment puts between a browser and the
 * phone network, all inside the test's private network namespace (scripts/run-e2e.mjs).
 *
 *                      ws:// wss:// (127.0.0.1)            UDP SIP (198.18.0.1:5060)
 *   Chromium (Voxline) ───────────────────────► Kamailio ◄──────────────────────────┐
 *        │                                         │ ng (127.0.0.1)                  │
 *        │ DTLS-SRTP, ICE, rtcp-mux                ▼                                 │
 *        └──────────────────────────────────► rtpengine (198.18.0.1) ◄─ plain RTP ─┐ │
 *        │ TURN (198.18.0.1:3478)                                                  │ │
 *        └──► coturn                        baresip "desk-opus", "desk-pcmu" (198.18.0.2)
 *                                           SIPp PSTN stand-in (198.18.0.2:5080)
 *
 * Start order matters: rtpengine first, and only once it printed "Startup complete" Kamailio
 * (which pings it at start-up and would otherwise mark it dead), then the phones, which
 * register. Every process logs into `runDir`; `logIndex()` lists the files.
 *
 * The namespace addresses exist only inside the namespace: `gatewayUnavailable()` says why the
 * topology cannot run here (then the gateway specs skip).
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeToneUlaw, writeToneWav } from './audio-files.mjs';
import { fillTemplate, startBaresip } from './baresip.mjs';
import { startGatewayKamailio } from './gateway-kamailio.mjs';
import { startProcess } from './managed-process.mjs';

/** Kamailio's UDP side, rtpengine and coturn. */
export const GATEWAY_ADDRESS = '198.18.0.1';
/** The phones: baresip and SIPp. */
export const PHONE_ADDRESS = '198.18.0.2';

/** Fixed ports inside the namespace (one topology at a time: the project runs on one worker). */
const PORTS = {
  kamailioUdp: 5060,
  spareKamailioUdp: 5062, // startSpareKamailio()
  deskOpus: 5070, // baresip also takes TCP on this port and TLS on the next one
  deskPcmu: 5074,
  sipp: 5080,
  sippMedia: 22000,
  turn: 3478,
  rtpengine: /** @type {[number, number]} */ ([20000, 20999]),
  deskOpusRtp: /** @type {[number, number]} */ ([21000, 21099]),
  deskPcmuRtp: /** @type {[number, number]} */ ([21100, 21199]),
  turnRelay: /** @type {[number, number]} */ ([23000, 23999]),
};

/** The number that reaches the SIPp PSTN stand-in. */
export const PSTN_NUMBER = '+15550100';

/** Browser users and the two desk phones; digest auth for all. */
export const GATEWAY_USERS = Object.freeze({
  alice: 'alice-secret',
  bob: 'bob-secret',
  'desk-opus': 'desk-opus-secret',
  'desk-pcmu': 'desk-pcmu-secret',
});

/** The static TURN user. */
export const TURN_USER = Object.freeze({ username: 'voxline', credential: 'voxline-turn-secret' });

const GATEWAY_DIR = fileURLToPath(new URL('../gateway/', import.meta.url));
const BINARIES = { rtpengine: 'rtpengine-daemon', baresip: 'baresip', sipp: 'sip-tester', turnserver: 'coturn' };

/** @param {string} address */
function interfaceOf(address) {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (addrs?.some((a) => a.address === address)) return name;
  }
  return null;
}

/**
 * Why the gateway topology cannot run here, or null if it can.
 * @returns {string | null}
 */
export function gatewayUnavailable() {
  const missing = Object.entries(BINARIES)
    .filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status !== 0)
    .map(([, pkg]) => pkg);
  if (missing.length) return `gateway topology: missing ${missing.join(', ')} (apt-get install --no-install-recommends ${missing.join(' ')})`;
  for (const address of [GATEWAY_ADDRESS, PHONE_ADDRESS]) {
    if (!interfaceOf(address)) return `gateway topology: no interface holds ${address} (it runs only in the private network namespace of scripts/run-e2e.mjs, as root)`;
  }
  return null;
}

/** Resolves once something holds UDP address:port (a bind attempt fails). */
async function udpBound(/** @type {string} */ address, /** @type {number} */ port) {
  const free = await new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, address, () => s.close(() => resolve(true)));
  });
  if (free) throw new Error(`nothing bound to udp ${address}:${port} yet`);
}

/** A free UDP port on 127.0.0.1 (rtpengine's ng socket). */
function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the whole topology. Stop it with `stop()`; on a failure to start, what was started is
 * stopped again.
 * @param {{ runDir?: string, debug?: boolean }} [opts]
 */
export async function startGateway(opts = {}) {
  const why = gatewayUnavailable();
  if (why) throw new Error(why);
  const runDir = opts.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'voxline-gateway-'));
  /** @type {{ name: string, logFile: string, stop(): Promise<void> }[]} */
  const started = [];
  /**
   * Stops every process, last started first. The run directory (logs, recordings) stays when
   * `keepFiles` is set, for a look after a failure; otherwise it goes.
   * @param {{ keepFiles?: boolean }} [o]
   */
  const stop = async ({ keepFiles = false } = {}) => {
    for (const p of started.reverse()) await p.stop().catch(() => undefined);
    started.length = 0;
    if (!keepFiles && !opts.runDir) fs.rmSync(runDir, { recursive: true, force: true });
    else for (const f of ['desk-tone-48k-stereo.wav', 'desk-tone-8k-mono.wav']) fs.rmSync(path.join(runDir, f), { force: true });
  };
  try {
    // baresip 1.0's aufile does not resample: the file's rate and channels must be the codec's
    const tone48k = path.join(runDir, 'desk-tone-48k-stereo.wav');
    writeToneWav(tone48k, { rate: 48_000, channels: 2, hz: 440, seconds: 45 });
    const tone8k = path.join(runDir, 'desk-tone-8k-mono.wav');
    writeToneWav(tone8k, { rate: 8000, channels: 1, hz: 440, seconds: 45 });
    writeToneUlaw(path.join(runDir, 'pstn-tone.ulaw'), { hz: 425, seconds: 10 });

    const ngPort = await freeUdpPort();
    const rtpengine = await startProcess({
      name: 'rtpengine',
      bin: 'rtpengine',
      args: [
        '--config-file=none', '--foreground', '--table=-1', '--log-stderr',
        `--interface=${GATEWAY_ADDRESS}`, `--listen-ng=127.0.0.1:${ngPort}`,
        `--port-min=${PORTS.rtpengine[0]}`, `--port-max=${PORTS.rtpengine[1]}`,
        '--delete-delay=0', '--timeout=60',
      ],
      cwd: runDir,
      logFile: path.join(runDir, 'rtpengine.log'),
      ready: { line: /Startup complete/, timeoutMs: 10_000 },
    });
    started.push(rtpengine);

    /** @param {string} dir @param {number} sipPort */
    const kamailioOptions = (dir, sipPort) => ({
      runDir: path.join(runDir, dir),
      users: { ...GATEWAY_USERS },
      sipAddress: GATEWAY_ADDRESS,
      sipPort,
      rtpengine: `udp:127.0.0.1:${ngPort}`,
      pstnGateway: `sip:${PHONE_ADDRESS}:${PORTS.sipp}`,
      debug: opts.debug,
    });
    const kamailio = await startGatewayKamailio(kamailioOptions('kamailio', PORTS.kamailioUdp));
    started.push(kamailio);

    const phone = {
      registrar: `${GATEWAY_ADDRESS}:${PORTS.kamailioUdp}`,
      address: PHONE_ADDRESS,
      netInterface: /** @type {string} */ (interfaceOf(PHONE_ADDRESS)),
      runDir,
    };
    const deskOpus = await startBaresip({ ...phone, kind: 'opus', toneFile: tone48k, user: 'desk-opus', password: GATEWAY_USERS['desk-opus'], sipPort: PORTS.deskOpus, rtpPorts: PORTS.deskOpusRtp });
    started.push(deskOpus);
    const deskPcmu = await startBaresip({ ...phone, kind: 'pcmu', toneFile: tone8k, user: 'desk-pcmu', password: GATEWAY_USERS['desk-pcmu'], sipPort: PORTS.deskPcmu, rtpPorts: PORTS.deskPcmuRtp });
    started.push(deskPcmu);

    const sipp = await startProcess({
      name: 'sipp',
      bin: 'sipp',
      args: [
        '-sf', path.join(GATEWAY_DIR, 'sipp-pstn-uas.xml'),
        '-i', PHONE_ADDRESS, '-p', String(PORTS.sipp),
        '-mi', PHONE_ADDRESS, '-mp', String(PORTS.sippMedia),
        '-nostdin', '-f', '3600',
        '-trace_msg', '-message_file', path.join(runDir, 'sipp-messages.log'),
        '-trace_err', '-error_file', path.join(runDir, 'sipp-errors.log'),
      ],
      cwd: runDir, // rtp_stream reads pstn-tone.ulaw from here
      logFile: path.join(runDir, 'sipp.log'),
      ready: { probe: () => udpBound(PHONE_ADDRESS, PORTS.sipp), timeoutMs: 5000 },
    });
    started.push(sipp);

    const turnConf = path.join(runDir, 'turnserver.conf');
    fs.writeFileSync(
      turnConf,
      fillTemplate(fs.readFileSync(path.join(GATEWAY_DIR, 'turnserver.conf'), 'utf8'), {
        ADDRESS: GATEWAY_ADDRESS,
        PORT: PORTS.turn,
        RELAY_MIN: PORTS.turnRelay[0],
        RELAY_MAX: PORTS.turnRelay[1],
        USER: TURN_USER.username,
        PASSWORD: TURN_USER.credential,
        RUN_DIR: runDir,
      }),
    );
    const coturn = await startProcess({
      name: 'coturn',
      bin: 'turnserver',
      args: ['-c', turnConf],
      cwd: runDir,
      logFile: path.join(runDir, 'coturn.log'),
      ready: { probe: () => udpBound(GATEWAY_ADDRESS, PORTS.turn), timeoutMs: 10_000 },
    });
    started.push(coturn);

    const all = [rtpengine, kamailio, deskOpus, deskPcmu, sipp, coturn];
    return {
      runDir,
      domain: kamailio.domain,
      users: GATEWAY_USERS,
      kamailio,
      rtpengine,
      deskOpus,
      deskPcmu,
      sipp,
      coturn,
      pstnNumber: PSTN_NUMBER,
      turn: { urls: `turn:${GATEWAY_ADDRESS}:${PORTS.turn}?transport=udp`, ...TURN_USER },
      /**
       * A second Kamailio with the same config (wss:// included, its own UDP port), for tests
       * that stop and restart the server without taking the phones' registrar away. The caller
       * stops it.
       */
      startSpareKamailio: () => startGatewayKamailio(kamailioOptions(`kamailio-spare-${Date.now()}`, PORTS.spareKamailioUdp)),
      /** The ng commands rtpengine received so far ("offer", "answer", "delete", ...), in order. */
      rtpengineCommands: () => [...fs.readFileSync(rtpengine.logFile, 'utf8').matchAll(/Received command '(\w+)'/g)].map((m) => /** @type {string} */ (m[1])),
      /** Where each process logs, one line each: printed when a test fails. */
      logIndex: () => [`gateway run directory: ${runDir}`, ...all.map((p) => `  ${p.name.padEnd(18)} ${p.logFile}`), `  ${'sipp messages'.padEnd(18)} ${path.join(runDir, 'sipp-messages.log')}`].join('\n'),
      stop,
    };
  } catch (err) {
    await stop({ keepFiles: true }); // the error names a log in there
    throw err;
  }
}

/** @typedef {Awaited<ReturnType<typeof startGateway>>} Gateway */

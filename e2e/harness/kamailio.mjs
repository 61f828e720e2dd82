// @ts-check
/**
 * Start / stop a real Kamailio SIP-over-WebSocket registrar/proxy for tests
 * and benchmarks, using e2e/kamailio/kamailio.cfg.
 *
 * Plain ESM + JSDoc so that Playwright TS specs and plain Node scripts can
 * both import it.
 *
 *   import { startKamailio } from './e2e/harness/kamailio.mjs';
 *   const kam = await startKamailio({ auth: true });
 *   // ... clients connect to kam.url (ws://127.0.0.1:PORT), domain kam.domain
 *   await kam.kill();   // abrupt crash
 *   await kam.start();  // back on the same port (registrations are gone)
 *   await kam.stop();
 *
 * Each server gets its own directory under os.tmpdir() (runDir) holding the
 * pid file, the generated users file and the log (kamailio.log, unless
 * opts.logFile is given). Kamailio runs in its own process group; stop()
 * and kill() signal the whole group. Any Kamailio still running when this
 * Node process exits (normally, via an uncaught exception, or killed by
 * SIGKILL: a small watchdog notices) is killed too.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isPortFree } from './free-port.mjs';
import {
  DEFAULT_USERS,
  KAMAILIO_CFG,
  KAMAILIO_INSTALL_HINT,
  READY_TIMEOUT_MS,
  RING_LINES,
  SIP_DOMAIN,
  STOP_GRACE_MS,
  USERS_FILE,
  kamailioBinary,
  probeWebSocket,
  usersFileContent,
} from './kamailio-config.mjs';
import { groupAlive, installExitHooks, live, releaseEntry, signalGroupOf, sleep, unrefChild } from './process-group.mjs';

export { DEFAULT_USERS, KAMAILIO_CFG, KAMAILIO_INSTALL_HINT, SIP_DOMAIN, kamailioBinary };

/**
 * @typedef {object} KamailioOptions
 * @property {number} [port] TCP port for ws://127.0.0.1:PORT (default: a free port)
 * @property {boolean} [auth] digest auth on (config define WITH_AUTH)
 * @property {Record<string, string>} [users] user => password (default DEFAULT_USERS; only used with auth)
 * @property {string} [logFile] append Kamailio's stdout/stderr here (default RUNDIR/kamailio.log)
 * @property {boolean} [debug] verbose Kamailio logging (config define WITH_DEBUG)
 */

/**
 * @typedef {object} KamailioServer
 * @property {string} url ws://127.0.0.1:PORT
 * @property {number} port
 * @property {'voxline.test'} domain
 * @property {string} runDir per-server directory (pid file, users file, default log)
 * @property {string} logFile where Kamailio's output is appended
 * @property {() => number | null} pid process id (= process group id) of the running Kamailio
 * @property {() => boolean} running
 * @property {(lines?: number) => string} logs last lines of Kamailio's stdout/stderr
 * @property {() => Promise<void>} start start again on the same port with the same options (no-op if running)
 * @property {() => Promise<void>} stop SIGTERM the process group, SIGKILL after 3 s; waits until the port is free
 * @property {() => Promise<void>} restart stop(), then start() on the same port
 * @property {() => Promise<void>} kill SIGKILL the whole process group (abrupt crash); waits until the port is free
 */

/**
 * Start Kamailio on ws://127.0.0.1:PORT. Resolves once a WebSocket upgrade
 * with sub-protocol "sip" succeeds.
 * @param {KamailioOptions} [opts]
 * @returns {Promise<KamailioServer>}
 */
export async function startKamailio(opts = {}) {
  const bin = kamailioBinary();
  if (!bin) {
    throw new Error(`Kamailio is not installed: ${KAMAILIO_INSTALL_HINT}`);
  }
  if (!fs.existsSync(KAMAILIO_CFG)) {
    throw new Error(`Kamailio config not found: ${KAMAILIO_CFG}`);
  }
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536)) {
    throw new Error(`startKamailio: invalid port ${opts.port}`);
  }
  const usersCfg = opts.auth === true ? usersFileContent(opts.users ?? DEFAULT_USERS) : null;
  // With a port picked by freePort(), another process may grab it before
  // Kamailio binds it: then retry on a new port.
  for (let attempt = 1; ; attempt++) {
    const server = createServer(bin, opts.port ?? (await freePort()), opts, usersCfg);
    try {
      await server.start();
      return server;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (opts.port !== undefined || attempt >= 3 || !/already in use/i.test(msg)) throw err;
    }
  }
}

/**
 * A not yet started server bound to one port and one run directory.
 * @param {string} bin
 * @param {number} port
 * @param {KamailioOptions} opts
 * @param {string | null} usersCfg content of voxline-users.cfg (auth on) or null
 * @returns {KamailioServer}
 */
function createServer(bin, port, opts, usersCfg) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `voxline-kamailio-${port}-`));
  const logFile = opts.logFile ?? path.join(runDir, 'kamailio.log');
  const pidFile = path.join(runDir, 'kamailio.pid');
  const url = `ws://127.0.0.1:${port}`;

  if (usersCfg !== null) fs.writeFileSync(path.join(runDir, USERS_FILE), usersCfg);

  const args = [
    '-f', KAMAILIO_CFG,
    '-DD', // do not daemonize: the process we spawn is the main process
    '-E', // log to stderr
    '-Y', runDir,
    '-P', pidFile,
    '-m', '64',
    '-M', '8',
    '-A', `WS_PORT=${port}`,
  ];
  if (usersCfg !== null) args.push('-A', 'WITH_AUTH');
  if (opts.debug) args.push('-A', 'WITH_DEBUG');

  installExitHooks();

  /** @type {string[]} */
  let ring = [];
  let partial = '';
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  /** @type {Promise<void> | null} */
  let exited = null;
  /** @type {{ pid: number; watchdog: import('node:child_process').ChildProcess | null } | null} */
  let entry = null;

  let stopping = false;

  /** @param {Buffer} chunk */
  const onOutput = (chunk) => {
    try {
      fs.appendFileSync(logFile, chunk);
    } catch {
      // logging must never break the server
    }
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    ring.push(...lines);
    if (ring.length > RING_LINES) ring = ring.slice(-RING_LINES);
  };

  /** @param {number} [lines] */
  const logs = (lines = 40) => [...ring, ...(partial ? [partial] : [])].slice(-lines).join('\n');

  /**
   * Wait for the main process to exit and for its group to be empty.
   * @param {number} timeoutMs
   * @returns {Promise<boolean>} true if gone in time
   */
  const waitGone = async (timeoutMs) => {
    if (!child || !exited || child.pid === undefined) return true;
    const pgid = child.pid;
    const deadline = Date.now() + timeoutMs;
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const done = await Promise.race([
      exited.then(() => true),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer); // a pending timer would keep Node alive after stop()
    if (!done) return false;
    while (groupAlive(pgid)) {
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  };

  const waitPortFree = async () => {
    const deadline = Date.now() + STOP_GRACE_MS;
    while (!(await isPortFree(port))) {
      if (Date.now() > deadline) throw new Error(`Kamailio stopped but port ${port} is still in use`);
      await sleep(25);
    }
  };

  const forget = () => {
    releaseEntry(entry);
    entry = null;
    child = null;
    exited = null;
  };

  /** @param {NodeJS.Signals} signal */
  const signalGroup = (signal) => signalGroupOf(child, signal);

  const hardKill = async () => {
    if (!child) return;
    stopping = true;
    try {
      signalGroup('SIGKILL');
      if (!(await waitGone(STOP_GRACE_MS))) {
        throw new Error(`Kamailio (pid ${child?.pid}) did not die after SIGKILL`);
      }
      forget();
    } finally {
      stopping = false;
    }
    await waitPortFree();
  };

  const stop = async () => {
    if (!child) return;
    stopping = true;
    try {
      signalGroup('SIGTERM');
      if (!(await waitGone(STOP_GRACE_MS))) {
        signalGroup('SIGKILL');
        if (!(await waitGone(STOP_GRACE_MS))) {
          throw new Error(`Kamailio (pid ${child?.pid}) did not stop`);
        }
      }
      forget();
    } finally {
      stopping = false;
    }
    await waitPortFree();
  };

  const start = async () => {
    if (child) return;

    // Something else on the port would answer our readiness probe: refuse.
    const freeBy = Date.now() + 2000;
    while (!(await isPortFree(port))) {
      if (Date.now() > freeBy) throw new Error(`Cannot start Kamailio: 127.0.0.1:${port} is already in use`);
      await sleep(50);
    }

    try {
      fs.appendFileSync(logFile, `\n=== ${new Date().toISOString()} ${bin} ${args.join(' ')}\n`);
    } catch {
      // ignore
    }
    fs.rmSync(pidFile, { force: true }); // a killed Kamailio leaves it behind
    if (partial) ring.push(partial);
    partial = '';
    ring.push(`=== ${new Date().toISOString()} starting Kamailio on ${url}`);
    const proc = spawn(bin, args, {
      cwd: runDir, // the config imports voxline-users.cfg from here
      detached: true, // own process group: stop()/kill() signal -pid
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    /** @type {Error | null} */
    let spawnError = null;
    /** @type {{ code: number | null; signal: NodeJS.Signals | null } | null} */
    let exitInfo = null;
    exited = new Promise((resolve) => {
      proc.once('error', (err) => {
        spawnError = err;
        resolve();
      });
      proc.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        // Main process gone (stopped, killed or crashed): no child of it may
        // linger on the port, and the server counts as not running.
        signalGroupOf(proc, 'SIGKILL'); // no child of it may linger
        resolve();
      });
    });
    proc.stdout?.on('data', onOutput);
    proc.stderr?.on('data', onOutput);
    // Neither Kamailio nor its pipes keep this Node process alive; the exit
    // hook kills Kamailio when Node exits.
    unrefChild(proc);
    child = proc;
    proc.once('exit', () => {
      if (child === proc && !stopping) {
        ring.push(`=== Kamailio (pid ${proc.pid}) exited on its own`);
        forget();
      }
    });

    if (proc.pid !== undefined) {
      // Watchdog: a tiny shell reading a pipe from us. If this Node process
      // dies without running its exit hook (SIGKILL, OOM), the pipe closes,
      // `read` returns and the watchdog kills Kamailio's process group.
      const watchdog = spawn('/bin/sh', ['-c', 'read -r _; kill -9 -"$1" 2>/dev/null', 'voxline-kamailio-watchdog', String(proc.pid)], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      watchdog.on('error', () => {});
      watchdog.unref();
      /** @type {any} */ (watchdog.stdin)?.unref?.();
      entry = { pid: proc.pid, watchdog };
      live.add(entry);
    }

    const deadline = Date.now() + READY_TIMEOUT_MS;
    /** @type {unknown} */
    let lastError = null;
    for (;;) {
      if (spawnError || exitInfo) break;
      try {
        await probeWebSocket(url);
        return;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) break;
      await Promise.race([exited, sleep(100)]);
    }

    // Failed: collect the reason, clean up, throw.
    const timedOut = !spawnError && !exitInfo;
    if (timedOut) {
      try {
        await hardKill();
      } catch {
        // reported below anyway
      }
    } else {
      forget();
    }
    const info = /** @type {{ code: number | null; signal: NodeJS.Signals | null } | null} */ (exitInfo);
    const reason = timedOut
      ? `no WebSocket upgrade within ${READY_TIMEOUT_MS} ms (last error: ${
          lastError instanceof Error ? lastError.message : String(lastError)
        }); killed it`
      : spawnError
        ? `spawn failed: ${/** @type {Error} */ (spawnError).message}`
        : `kamailio exited (code ${info?.code}, signal ${info?.signal})`;
    const tail = logs(40);
    const hint = /could not find module|failed to load module/i.test(tail)
      ? `\nHint: ${KAMAILIO_INSTALL_HINT}`
      : '';
    throw new Error(
      `Kamailio failed to start on ${url}: ${reason}${hint}\n` +
        `log: ${logFile}\n--- last Kamailio output ---\n${tail}\n---`,
    );
  };

  /** @type {KamailioServer} */
  return {
    url,
    port,
    domain: SIP_DOMAIN,
    runDir,
    logFile,
    pid: () => child?.pid ?? null,
    running: () => child !== null,
    logs,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    kill: hardKill,
  };
}

// @ts-check
/**
 * One server process of the gateway topology (rtpengine, Kamailio, baresip, SIPp, coturn),
 * started and stopped the way e2e/harness/kamailio.mjs does it for the signalling-only Kamailio:
 * in its own process group (stop() and kill() signal the whole group), its output appended to a
 * log file of its own, and killed with the rest when this Node process exits, even by SIGKILL
 * (a tiny watchdog shell notices the closed pipe).
 *
 *   const p = await startProcess({ name: 'rtpengine', bin, args, logFile, ready: { line: /Startup complete/ } });
 *   p.logs(20); await p.stop(); await p.start();
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { groupAlive, installExitHooks, live, releaseEntry, signalGroupOf, sleep, unrefChild } from './process-group.mjs';

const RING_LINES = 400;
const STOP_GRACE_MS = 3000;

/**
 * @typedef {object} ReadyCheck
 * @property {RegExp} [line] ready once a line of output matches
 * @property {() => Promise<unknown>} [probe] ready once this resolves (retried every 100 ms)
 * @property {number} [timeoutMs] default 10 000
 */

/**
 * @typedef {object} ProcessSpec
 * @property {string} name short name used in messages and in the log index
 * @property {string} bin executable
 * @property {string[]} args
 * @property {string} logFile stdout and stderr are appended here
 * @property {string} [cwd]
 * @property {ReadyCheck} [ready] without it, started = spawned
 */

/**
 * @typedef {object} ManagedProcess
 * @property {string} name
 * @property {string} logFile
 * @property {() => number | null} pid process id (= process group id) while running
 * @property {() => boolean} running
 * @property {(lines?: number) => string} logs last lines of output
 * @property {(re: RegExp, timeoutMs?: number) => Promise<string>} waitForLine resolves with the first line (from now on) that matches
 * @property {() => Promise<void>} start start again with the same arguments (no-op if running)
 * @property {() => Promise<void>} stop SIGTERM the group, SIGKILL after 3 s
 * @property {() => Promise<void>} kill SIGKILL the group at once
 */

/**
 * Starts `spec.bin` and resolves once it is ready. On failure the error names the log file and
 * ends with the last lines of output.
 * @param {ProcessSpec} spec
 * @returns {Promise<ManagedProcess>}
 */
export async function startProcess(spec) {
  const proc = createProcess(spec);
  await proc.start();
  return proc;
}

/**
 * @param {ProcessSpec} spec
 * @returns {ManagedProcess}
 */
function createProcess(spec) {
  installExitHooks();
  /** @type {string[]} */
  let ring = [];
  let partial = '';
  /** @type {Set<{ re: RegExp, resolve: (line: string) => void }>} */
  const waiters = new Set();
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  /** @type {Promise<void> | null} */
  let exited = null;
  /** @type {{ pid: number; watchdog: import('node:child_process').ChildProcess | null } | null} */
  let entry = null;
  /** @type {string | null} */
  let exitNote = null;

  /** @param {string} line */
  const onLine = (line) => {
    ring.push(line);
    if (ring.length > RING_LINES) ring = ring.slice(-RING_LINES);
    for (const w of waiters) {
      if (w.re.test(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  };
  /** @param {Buffer} chunk */
  const onOutput = (chunk) => {
    try {
      fs.appendFileSync(spec.logFile, chunk);
    } catch {
      // logging must never break the server
    }
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  /** @param {number} [n] */
  const logs = (n = 40) => [...ring, ...(partial ? [partial] : [])].slice(-n).join('\n');

  /** @param {RegExp} re @param {number} [timeoutMs] */
  const waitForLine = (re, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const w = { re, resolve: (/** @type {string} */ line) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`${spec.name}: no line matching ${re} within ${timeoutMs} ms (log: ${spec.logFile})`));
      }, timeoutMs);
      waiters.add(w);
    });

  const forget = () => {
    releaseEntry(entry);
    entry = null;
    child = null;
    exited = null;
  };

  /** @param {NodeJS.Signals} signal */
  const signalGroup = (signal) => signalGroupOf(child, signal);

  /** @param {number} timeoutMs */
  const waitGone = async (timeoutMs) => {
    if (!child || !exited || child.pid === undefined) return true;
    const pgid = child.pid;
    const deadline = Date.now() + timeoutMs;
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const done = await Promise.race([exited.then(() => true), new Promise((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!done) return false;
    while (groupAlive(pgid)) {
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  };

  /** @param {NodeJS.Signals} first */
  const terminate = async (first) => {
    if (!child) return;
    const pid = child.pid;
    signalGroup(first);
    if (!(await waitGone(STOP_GRACE_MS))) {
      signalGroup('SIGKILL');
      if (!(await waitGone(STOP_GRACE_MS))) throw new Error(`${spec.name} (pid ${pid}) did not stop`);
    }
    forget();
  };

  const start = async () => {
    if (child) return;
    exitNote = null;
    try {
      fs.appendFileSync(spec.logFile, `\n=== ${new Date().toISOString()} ${spec.bin} ${spec.args.join(' ')}\n`);
    } catch {
      // ignore
    }
    const proc = spawn(spec.bin, spec.args, { cwd: spec.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => {
      proc.once('error', (err) => {
        exitNote = `spawn failed: ${err.message}`;
        resolve();
      });
      proc.once('exit', (code, signal) => {
        exitNote = `exited (code ${code}, signal ${signal})`;
        signalGroupOf(proc, 'SIGKILL'); // no child of it may linger
        resolve();
      });
    });
    proc.stdout?.on('data', onOutput);
    proc.stderr?.on('data', onOutput);
    unrefChild(proc);
    child = proc;
    if (proc.pid !== undefined) {
      const watchdog = spawn('/bin/sh', ['-c', 'read -r _; kill -9 -"$1" 2>/dev/null', `voxline-${spec.name}-watchdog`, String(proc.pid)], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      watchdog.on('error', () => {});
      watchdog.unref();
      /** @type {any} */ (watchdog.stdin)?.unref?.();
      entry = { pid: proc.pid, watchdog };
      live.add(entry);
    }
    const ready = spec.ready;
    if (!ready) return;
    const timeoutMs = ready.timeoutMs ?? 10_000;
    const lineSeen = ready.line ? waitForLine(ready.line, timeoutMs) : null;
    lineSeen?.catch(() => {}); // reported through the race below
    const died = /** @type {Promise<void>} */ (exited).then(() => {
      throw new Error(exitNote ?? 'exited');
    });
    died.catch(() => {}); // only the races below care
    try {
      if (ready.line) {
        // registered before any output can arrive (output comes on a later tick)
        await Promise.race([lineSeen, died]);
      }
      if (ready.probe) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            await Promise.race([ready.probe(), died]);
            break;
          } catch (err) {
            if (exitNote || Date.now() > deadline) throw err;
          }
          await sleep(100);
        }
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      try {
        await terminate('SIGKILL');
      } catch {
        // reported below anyway
      }
      forget();
      throw new Error(`${spec.name} failed to start: ${reason}\nlog: ${spec.logFile}\n--- last output ---\n${logs(30)}\n---`);
    }
  };

  return {
    name: spec.name,
    logFile: spec.logFile,
    pid: () => child?.pid ?? null,
    running: () => child !== null && exitNote === null,
    logs,
    waitForLine,
    start,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
  };
}

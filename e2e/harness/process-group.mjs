// @ts-check
/**
 * Process groups of the servers the harness starts: remember them, kill them all when this
 * Node process exits (normally, by an uncaught exception or by a fatal signal), and tell
 * whether a group still has a live (non-zombie) process.
 */
import fs from 'node:fs';

/** @type {Set<{ pid: number; watchdog: import('node:child_process').ChildProcess | null }>} */
export const live = new Set();
let exitHooksInstalled = false;

/** Kill every Kamailio we started (synchronous: usable in 'exit'). */
function killAllSync() {
  for (const entry of live) {
    try {
      process.kill(-entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      entry.watchdog?.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllSync);
  // On a fatal signal with no other handler, Node dies without 'exit':
  // clean up, then let the signal do what it would have done.
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return; // someone else handles it
      killAllSync();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/**
 * Forgets a started process group: kills its watchdog and drops it from the exit hooks' list.
 * @param {{ pid: number, watchdog: import('node:child_process').ChildProcess | null } | null} entry
 */
export function releaseEntry(entry) {
  if (!entry) return;
  try {
    entry.watchdog?.kill('SIGKILL');
  } catch {
    // gone
  }
  live.delete(entry);
}

/**
 * Sends `signal` to the whole process group led by `child` (started with `detached: true`).
 * @param {import('node:child_process').ChildProcess | null} child
 * @param {NodeJS.Signals} signal
 */
export function signalGroupOf(child, signal) {
  if (!child || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Lets Node exit while `child` and its pipes live on (the exit hooks kill the group when Node
 * exits).
 * @param {import('node:child_process').ChildProcess} child
 */
export function unrefChild(child) {
  child.unref();
  /** @type {any} */ (child.stdout)?.unref?.();
  /** @type {any} */ (child.stderr)?.unref?.();
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether any process of the group `pgid` is still alive (zombies waiting to
 * be reaped by an init that may never do it do not count).
 * @param {number} pgid
 */
export function groupAlive(pgid) {
  if (process.platform === 'linux') {
    try {
      for (const name of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        let stat;
        try {
          stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        } catch {
          continue; // exited meanwhile
        }
        // "pid (comm) state ppid pgrp ...": comm may contain spaces/parens
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
      }
      return false;
    } catch {
      // no usable /proc: fall through
    }
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

// @ts-check
/**
 * Runs the bench inside a private network namespace when it can (root, `unshare`, `ip`), the way
 * scripts/run-e2e.mjs runs the e2e suite: loopback plus a veth pair whose both ends stay in the
 * namespace (so Chromium's navigator.onLine is true). Nothing can reach any address but the
 * namespace's own.
 */
import { spawn, spawnSync } from 'node:child_process';

const ACTIVE = 'VOXLINE_BENCH_NETNS_ACTIVE';

const NAMESPACE_SETUP = [
  'ip link set lo up',
  '(ip link add vx0 type veth peer name vx1 && ip addr add 198.18.0.1/30 dev vx0 && ip link set vx0 up && ip link set vx1 up) 2>/dev/null || echo "bench: no veth in the namespace; navigator.onLine will be false"',
].join(' && ');

/** @returns {'inside' | 'unavailable' | 'disabled' | 'available'} */
export function namespaceStatus(disabled = false) {
  if (process.env[ACTIVE] === '1') return 'inside';
  if (disabled || process.env.VOXLINE_BENCH_NETNS === '0') return 'disabled';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'unavailable';
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  return probe.status === 0 ? 'available' : 'unavailable';
}

/** Whether this process runs inside the bench's namespace. */
export function insideNamespace() {
  return process.env[ACTIVE] === '1';
}

/**
 * Re-runs `node script ...args` inside a fresh network namespace; resolves with its exit code.
 * @param {string} script
 * @param {string[]} args
 * @returns {Promise<number>}
 */
export function reexecInNamespace(script, args) {
  const child = spawn('unshare', ['-n', 'sh', '-c', `${NAMESPACE_SETUP} && exec "$0" "$@"`, process.execPath, script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [ACTIVE]: '1' },
  });
  /** @param {NodeJS.Signals} sig */
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

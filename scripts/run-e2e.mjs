#!/usr/bin/env node
// Runs the Playwright e2e suite. When it can (root, with `unshare` and `ip`), it runs inside a
// fresh network namespace that has only loopback and a veth pair inside the namespace, so
// nothing in the tests (ICE candidates included) can reach any address outside it. Extra
// arguments go to Playwright.
import { spawnSync, spawn } from 'node:child_process';

const args = process.argv.slice(2);

function canIsolate() {
  if (process.env.VOXLINE_E2E_NETNS === '0') return false;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  return probe.status === 0;
}

// Inside the namespace: loopback up, plus a veth pair whose both ends stay in the namespace
// (198.18.0.1/30 on vx0 and 198.18.0.2/30 on vx1, the benchmarking range), so Chromium sees a
// network and `navigator.onLine` and offline emulation behave as on a user's machine. The
// "gateway" project (e2e/harness/gateway.mjs) puts Kamailio's UDP side, rtpengine and coturn on
// .1 and the plain SIP phones (baresip refuses to run on loopback alone) and SIPp on .2. Both
// addresses are local to the namespace: nothing is routed out of it (no default route, no other
// interface).
const NAMESPACE_SETUP = [
  'ip link set lo up',
  '(ip link add vx0 type veth peer name vx1 && ip addr add 198.18.0.1/30 dev vx0 && ip addr add 198.18.0.2/30 dev vx1 && ip link set vx0 up && ip link set vx1 up) 2>/dev/null || echo "e2e: no veth in the namespace; navigator.onLine will be false and the gateway project skips"',
].join(' && ');

const isolate = canIsolate();
const command = isolate ? 'unshare' : 'npx';
const commandArgs = isolate
  ? ['-n', 'sh', '-c', `${NAMESPACE_SETUP} && exec npx playwright test "$@"`, 'run-e2e', ...args]
  : ['playwright', 'test', ...args];
if (isolate) {
  console.log('e2e: running in a private network namespace (loopback and an internal veth pair, no route out)');
} else {
  console.log('e2e: no network namespace available (needs root, unshare and ip); running on the host network, servers bound to 127.0.0.1');
}
const child = spawn(command, commandArgs, { stdio: 'inherit', env: { ...process.env, VOXLINE_E2E_NETNS_ACTIVE: isolate ? '1' : '0' } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

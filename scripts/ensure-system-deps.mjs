#!/usr/bin/env node
// pretest: makes sure the system packages the e2e suite needs are present.
// As root on Debian it installs what is missing with apt-get; otherwise it names exactly what to
// install and fails, rather than letting the tests fail later in a confusing way.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { findChromium } from '../e2e/harness/chromium.mjs';

function kamailioModulesDir() {
  const probe = spawnSync('sh', ['-c', 'ls -d /usr/lib/*/kamailio/modules /usr/lib/kamailio/modules 2>/dev/null | head -n1'], { encoding: 'utf8' });
  return probe.stdout.trim() || null;
}

function missingPackages(chromium) {
  const missing = [];
  if (!chromium) missing.push('chromium');
  if (!existsSync('/usr/sbin/kamailio') && spawnSync('sh', ['-c', 'command -v kamailio'], { stdio: 'ignore' }).status !== 0) missing.push('kamailio');
  const modules = kamailioModulesDir();
  if (!modules || !existsSync(`${modules}/websocket.so`)) missing.push('kamailio-websocket-modules');
  if (spawnSync('sh', ['-c', 'command -v ip && command -v unshare'], { stdio: 'ignore' }).status !== 0) missing.push('iproute2', 'util-linux');
  // Packet-loss tests drop a share of one call's UDP inside the private network namespace.
  if (spawnSync('sh', ['-c', 'command -v iptables || test -x /usr/sbin/iptables'], { stdio: 'ignore' }).status !== 0) missing.push('iptables');
  return missing;
}

let missing = missingPackages(await findChromium());
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');
if (isRoot && hasApt) {
  console.log(`pretest: installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (!run(['update', '-qq']) || !run(['install', '-y', '-qq', ...missing])) {
    console.error(`pretest: apt-get failed; install by hand: apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  missing = missingPackages(await findChromium());
  if (missing.length === 0) process.exit(0);
}
console.error(
  `pretest: the e2e tests need system packages that are missing: ${missing.join(', ')}.\n` +
    `  Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}\n` +
    '  (or set CHROMIUM_PATH to an existing Chromium binary)',
);
process.exit(1);

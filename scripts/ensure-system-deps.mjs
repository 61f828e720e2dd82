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

/** @param {string} bin */
const hasCommand = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

function missingPackages(chromium) {
  const missing = [];
  if (!chromium) missing.push('chromium');
  if (!existsSync('/usr/sbin/kamailio') && !hasCommand('kamailio')) missing.push('kamailio');
  const modules = kamailioModulesDir();
  if (!modules || !existsSync(`${modules}/websocket.so`)) missing.push('kamailio-websocket-modules');
  if (!hasCommand('ip') || !hasCommand('unshare')) missing.push('iproute2', 'util-linux');
  // Packet-loss tests drop a share of one call's UDP inside the private network namespace.
  if (!hasCommand('iptables') && !existsSync('/usr/sbin/iptables')) missing.push('iptables');
  return missing;
}

/**
 * The "gateway" e2e project (e2e/harness/gateway.mjs): rtpengine (userspace only: the daemon
 * package, not the `rtpengine` metapackage that pulls in DKMS), Kamailio's TLS and rtpengine
 * modules, baresip, SIPp, coturn, openssl. Installed without recommends.
 */
function missingGatewayPackages() {
  const missing = [];
  const modules = kamailioModulesDir();
  if (!hasCommand('rtpengine')) missing.push('rtpengine-daemon');
  if (!modules || !existsSync(`${modules}/tls.so`)) missing.push('kamailio-tls-modules');
  // Debian 12 ships rtpengine.so in `kamailio` itself, later releases in the extra modules
  if (!modules || !existsSync(`${modules}/rtpengine.so`)) missing.push('kamailio-extra-modules');
  if (!hasCommand('baresip')) missing.push('baresip');
  if (!hasCommand('sipp')) missing.push('sip-tester');
  if (!hasCommand('turnserver')) missing.push('coturn');
  if (!hasCommand('openssl')) missing.push('openssl');
  return missing;
}

let missing = missingPackages(await findChromium());
let missingGateway = missingGatewayPackages();
if (missing.length === 0 && missingGateway.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');
if (isRoot && hasApt) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  /** @param {string[]} packages @param {string[]} [flags] */
  const install = (packages, flags = []) => {
    if (packages.length === 0) return;
    console.log(`pretest: installing ${packages.join(' ')} with apt-get`);
    if (!run(['install', '-y', '-qq', ...flags, ...packages])) {
      console.error(`pretest: apt-get failed; install by hand: apt-get install -y ${flags.join(' ')} ${packages.join(' ')}`);
      process.exit(1);
    }
  };
  if (!run(['update', '-qq'])) {
    console.error('pretest: apt-get update failed');
    process.exit(1);
  }
  install(missing);
  // after Kamailio is in: whether its rtpengine module comes with it is known only then
  install(missingGatewayPackages(), ['--no-install-recommends']);
  missing = missingPackages(await findChromium());
  missingGateway = missingGatewayPackages();
}
missing = [...missing, ...missingGateway];
if (missing.length === 0) process.exit(0);
console.error(
  `pretest: the e2e tests need system packages that are missing: ${missing.join(', ')}.\n` +
    `  Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}\n` +
    '  (or set CHROMIUM_PATH to an existing Chromium binary)',
);
process.exit(1);

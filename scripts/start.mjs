#!/usr/bin/env node
// `npm start`: builds the SDK if needed, starts the embedded dev SIP server and a static server
// for the demo, both on 127.0.0.1, and prints one URL. Open it in two tabs for two users.
//   --port N       web page port (default 8080)
//   --sip-port N   dev SIP server port (default 5066)
//   --open         open the page in the default browser
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevServer } from '../server/index.js';
import { startStaticServer } from '../e2e/harness/static-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`--${name} needs a port number between 1 and 65535`);
    process.exit(2);
  }
  return value;
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const webPort = flag('port', 8080);
const sipPort = flag('sip-port', 5066);
const bundle = join(root, 'dist/voxline.iife.min.js');
if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestMtime(join(root, 'src'))) {
  console.log('Building the SDK…');
  if (spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}

async function listen(what, port, start, hint) {
  try {
    return await start();
  } catch (err) {
    if (err && err.code === 'EADDRINUSE') {
      console.error(`${what} port ${port} is already in use; pass ${hint} with a free port.`);
      process.exit(1);
    }
    throw err;
  }
}

const sip = await listen('SIP', sipPort, () => startDevServer({ port: sipPort, logLevel: 'info' }), '--sip-port');
const web = await listen('Web', webPort, () => startStaticServer({ root, allow: ['demo', 'dist'], port: webPort }), '--port');
const url = `${web.url}/demo/?server=${encodeURIComponent(sip.url)}`;
console.log(`\nVoxline demo: ${url}\n(dev SIP server ${sip.url}; any user name and password log in. Ctrl+C to stop.)\n`);
if (process.argv.includes('--open')) {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'start' : 'xdg-open';
  spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => console.error(`could not open a browser; open ${url} yourself`)).unref();
}
const stop = async () => {
  await Promise.all([sip.close(), web.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

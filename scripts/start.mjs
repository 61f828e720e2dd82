#!/usr/bin/env node
// `npm start`: builds the SDK and the demo softphone if needed, starts the embedded dev SIP
// server (no authentication: any user name and password log in) and a static server for the
// demo, both on 127.0.0.1, and prints one URL. Open it in two tabs for two users.
// The SIP server accepts WebSockets only from the demo's own origin (http://127.0.0.1:PORT and
// http://localhost:PORT), so other web sites open in the same browser cannot use it.
//   --port N              web page port (default 8080)
//   --sip-port N          dev SIP server port (default 5066)
//   --allow-origin ORIGIN one more browser origin that may connect to the SIP server, e.g. the
//                         origin of your own dev page (repeatable; "*" allows any site)
//   --open                open the page in the default browser
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { startDevServer } from '../server/index.js';
import { createOriginCheck } from '../server/origin.js';
import { startStaticServer } from '../e2e/harness/static-server.mjs';
import { buildDemo } from './build-demo.mjs';

/**
 * The demo's Content-Security-Policy, sent as a header (index.html carries the same as a meta
 * tag): no inline script or style; `worker-src blob:` for the SDK's keep-alive timer worker,
 * `'self'` for shared mode's voxline.worker.js (the demo's `?shared=1`), served from the demo's
 * own folder: a SharedWorker must be same-origin.
 */
export const DEMO_CSP = "default-src 'self'; connect-src ws: wss:; worker-src 'self' blob:";

const USAGE = 'usage: npm start -- [--port N] [--sip-port N] [--allow-origin ORIGIN]... [--open]';

function parseArgs(argv) {
  const options = { port: 8080, sipPort: 5066, open: false, extraOrigins: /** @type {string[]} */ ([]) };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    if (name === '--open') options.open = true;
    else if (name === '--help' || name === '-h') fail(USAGE, 0);
    else if (name === '--allow-origin') {
      const raw = inline ?? argv[++i];
      if (!raw) fail(`--allow-origin needs an origin such as http://127.0.0.1:5173\n${USAGE}`);
      options.extraOrigins.push(...raw.split(',').map((o) => o.trim()).filter(Boolean));
    } else if (name === '--port' || name === '--sip-port') {
      const raw = inline ?? argv[++i];
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`${name} needs a port number between 1 and 65535, got ${raw ?? 'nothing'}`);
      options[name === '--port' ? 'port' : 'sipPort'] = value;
    } else fail(`unknown option ${argv[i]}\n${USAGE}`);
  }
  if (options.port === options.sipPort) fail(`--port and --sip-port must differ (both are ${options.port})`);
  try {
    createOriginCheck(options.extraOrigins);
  } catch (err) {
    fail(`--allow-origin: ${err instanceof Error ? err.message : err}`);
  }
  return options;
}

function fail(message, code = 2) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}

/** Resolves true when 127.0.0.1:port can be bound right now. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

const options = parseArgs(process.argv.slice(2));

// Check both ports before building or starting anything, and name every busy one.
const busy = [];
if (!(await portIsFree(options.port))) busy.push(`web port ${options.port} is already in use; pass --port with a free port`);
if (!(await portIsFree(options.sipPort))) busy.push(`SIP port ${options.sipPort} is already in use; pass --sip-port with a free port`);
if (busy.length > 0) fail(busy.map((line) => `npm start: ${line}.`).join('\n'), 1);

let demoDir;
try {
  demoDir = await buildDemo({ log: (line) => console.log(line) });
} catch (err) {
  fail(`npm start: ${err instanceof Error ? err.message : err}`, 1);
}

/** Starts a server; a port taken since the check above still gets one clear line. */
async function listen(what, port, flag, start) {
  try {
    return await start();
  } catch (err) {
    if (err && err.code === 'EADDRINUSE') fail(`npm start: ${what} port ${port} is already in use; pass ${flag} with a free port.`, 1);
    throw err;
  }
}

// The demo page's own origin, under both names a user may type, plus any --allow-origin.
const allowedOrigins = [`http://127.0.0.1:${options.port}`, `http://localhost:${options.port}`, ...options.extraOrigins];
const sip = await listen('SIP', options.sipPort, '--sip-port', () => startDevServer({ port: options.sipPort, logLevel: 'info', allowedOrigins }));
// dist-demo/ is served at the site root: every top-level entry is allowed, '' being the folder itself.
const web = await listen('web', options.port, '--port', () =>
  startStaticServer({ root: demoDir, allow: ['', ...readdirSync(demoDir).filter((name) => !name.startsWith('.'))], port: options.port, headers: { 'content-security-policy': DEMO_CSP } }),
).catch(async (err) => {
  await sip.close();
  throw err;
});

const url = `${web.url}/?server=${encodeURIComponent(sip.url)}&domain=${encodeURIComponent(sip.domain)}`;
console.log(`\nVoxline demo: ${url}\n(dev SIP server ${sip.url}, for pages from ${allowedOrigins.join(', ')}; any user name and password log in. Ctrl+C to stop.)\n`);
if (options.open) {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => console.error(`could not open a browser; open ${url} yourself`)).unref();
}
const stop = async () => {
  await Promise.all([sip.close(), web.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

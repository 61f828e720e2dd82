#!/usr/bin/env node
// @ts-check
/**
 * Command line for the dev SIP server:
 *   node server/cli.js [--port N] [--host H] [--domain D] [--users alice:pw,bob:pw]
 *                      [--allow-origin ORIGIN]... [--log-level L]
 * Prints the WebSocket URL, runs until SIGINT/SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startDevServer } from './index.js';
import { LOG_LEVELS, isLogLevel } from './logger.js';
import { createOriginCheck } from './origin.js';

const USAGE = `Usage: node server/cli.js [options]
  --port, --sip-port N   port to listen on (default 0: any free port)
  --host H               loopback address to bind (default 127.0.0.1)
  --domain D             SIP domain / digest realm (default voxline.test)
  --users a:pw,b:pw      require digest auth for these users
  --allow-origin O       a browser origin that may connect, e.g. http://127.0.0.1:8080,
                         http://127.0.0.1:* (any port) or * (any site); repeat or separate
                         with commas. Default: none (browser pages get 403; Node clients,
                         which send no Origin, are accepted)
  --log-level L          ${LOG_LEVELS.join(' | ')} (default info)
  -h, --help             show this help`;

/**
 * @param {string[]} argv
 * @returns {{ help: true } | { help: false, options: import('./index.js').DevServerOptions }}
 */
export function parseCliArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'sip-port': { type: 'string' },
      host: { type: 'string' },
      domain: { type: 'string' },
      users: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  /** @type {import('./index.js').DevServerOptions} */
  const options = {};
  const port = values.port ?? values['sip-port'];
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`invalid port: ${port}`);
    options.port = Number(port);
  }
  if (values.host !== undefined) options.host = values.host;
  if (values.domain !== undefined) options.domain = values.domain;
  const level = values['log-level'];
  if (level !== undefined) {
    if (!isLogLevel(level)) throw new Error(`invalid log level: ${level} (expected ${LOG_LEVELS.join(', ')})`);
    options.logLevel = level;
  }
  if (values['allow-origin'] !== undefined) {
    const origins = values['allow-origin'].flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    createOriginCheck(origins); // throws on an entry that is not an origin
    options.allowedOrigins = origins;
  }
  if (values.users !== undefined) {
    /** @type {Record<string, string>} */
    const users = {};
    for (const entry of values.users.split(',').filter(Boolean)) {
      const colon = entry.indexOf(':');
      if (colon <= 0 || colon === entry.length - 1) throw new Error('invalid --users entry (expected user:password)');
      users[entry.slice(0, colon)] = entry.slice(colon + 1);
    }
    options.users = users;
  }
  return { help: false, options };
}

/** @param {string[]} argv */
async function main(argv) {
  let parsed;
  try {
    parsed = parseCliArgs(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { options } = /** @type {{ options: import('./index.js').DevServerOptions }} */ (parsed);
  let server;
  try {
    server = await startDevServer(options);
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException & { port?: number }} */ (err);
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`port ${e.port} is already in use; pass --sip-port <another port> (or 0 for any free port)\n`);
    } else {
      process.stderr.write(`cannot start the dev SIP server: ${e.message}\n`);
    }
    process.exit(1);
  }
  const users = options.users ? ` users: ${Object.keys(options.users).join(', ')}` : '';
  const origins = options.allowedOrigins?.length ? ` origins: ${options.allowedOrigins.join(', ')}` : ' (no browser origin allowed)';
  process.stdout.write(`Voxline dev SIP server: ${server.url} (domain ${server.domain})${users}${origins}\n`);
  let stopping = false;
  /** @param {NodeJS.Signals} signal */
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`error while closing (${signal}): ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}

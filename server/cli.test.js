// @ts-check
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli.js';
import { SipTestClient, buildRequest } from './test-client.js';

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));

/** @param {string[]} args */
function runCli(args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('cli', () => {
  it('prints the URL, serves SIP, and exits 0 on SIGTERM', async () => {
    const run = runCli(['--port', '0', '--users', 'alice:secret', '--log-level', 'warn']);
    const deadline = Date.now() + 5000;
    while (!/ws:\/\/127\.0\.0\.1:\d+/.test(run.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /ws:\/\/127\.0\.0\.1:\d+/.exec(run.out())?.[0];
    expect(url).toBeDefined();
    expect(run.out()).not.toContain('secret');
    const c = await SipTestClient.connect(/** @type {string} */ (url));
    c.send(buildRequest('OPTIONS', 'sip:voxline.test', { from: 'sip:a@voxline.test', to: 'sip:voxline.test' }));
    expect((await c.next()).status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await c.closed;
  });

  it('reports a busy port in one line and exits 1', async () => {
    const blocker = createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', () => r(undefined)));
    const addr = blocker.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const run = runCli(['--port', String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.err()).toBe(`port ${port} is already in use; pass --sip-port <another port> (or 0 for any free port)\n`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('parses options and rejects bad ones', () => {
    expect(parseCliArgs(['--sip-port', '5080', '--users', 'alice:a:b,bob:pw', '--log-level', 'debug'])).toEqual({
      help: false,
      options: { port: 5080, users: { alice: 'a:b', bob: 'pw' }, logLevel: 'debug' },
    });
    expect(parseCliArgs(['--allow-origin', 'http://127.0.0.1:8080', '--allow-origin', 'http://localhost:8080, http://127.0.0.1:*'])).toEqual({
      help: false,
      options: { allowedOrigins: ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://127.0.0.1:*'] },
    });
    expect(() => parseCliArgs(['--allow-origin', 'http://x.example/app'])).toThrow(/allowedOrigins/);
    expect(parseCliArgs(['-h'])).toEqual({ help: true });
    expect(() => parseCliArgs(['--users', 'alice'])).toThrow(/user:password/);
    expect(() => parseCliArgs(['--log-level', 'loud'])).toThrow(/invalid log level/);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/invalid port/);
    expect(() => parseCliArgs(['--nope'])).toThrow();
  });
});

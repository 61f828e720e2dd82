// @ts-check
// Issue #11 item 11: only allowed browser origins, and only the `sip` subprotocol, get a WebSocket.
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDevServer } from './index.js';
import { createOriginCheck } from './origin.js';
import { cleanupAfterEach } from './test-bed.js';
import { SipTestClient, buildRequest } from './test-client.js';

const defer = cleanupAfterEach();

/** @param {Parameters<typeof startDevServer>[0]} [opts] */
async function server(opts = {}) {
  const s = await startDevServer({ logLevel: 'silent', ...opts });
  defer(() => s.close());
  return s;
}

/**
 * Opens a WebSocket as a browser would (with `origin`), and reports the HTTP outcome.
 * @param {string} url @param {{ origin?: string, protocols?: string[] }} o
 * @returns {Promise<{ status: number, protocol?: string, body?: string }>}
 */
function handshake(url, { origin, protocols = ['sip'] }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      resolve({ status: 101, protocol: ws.protocol });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('WebSocket upgrade: Origin allow-list and the sip subprotocol', () => {
  it('refuses other origins with 403 and accepts the allowed one with the sip subprotocol', async () => {
    /** @type {string[]} */
    const log = [];
    const s = await server({ allowedOrigins: ['http://127.0.0.1:8080'], logLevel: 'warn', logSink: (_l, line) => log.push(line) });
    for (const origin of ['https://evil.example', 'http://127.0.0.1:9999', 'http://localhost:8080', 'https://127.0.0.1:8080', 'null']) {
      const res = await handshake(s.url, { origin });
      expect(res.status, origin).toBe(403);
      expect(res.body).toContain('not allowed');
    }
    expect(log.filter((l) => l.includes('403'))).toHaveLength(5);
    expect(log.join('\n')).toContain('"https://evil.example"');
    expect(s.stats().connections).toBe(0); // the refused ones never became connections
    expect(await handshake(s.url, { origin: 'http://127.0.0.1:8080' })).toEqual({ status: 101, protocol: 'sip' });
  });

  it('refuses an upgrade without the "sip" subprotocol with 400, whatever the origin', async () => {
    const s = await server({ allowedOrigins: ['http://127.0.0.1:8080'] });
    for (const protocols of [[], ['chat'], ['sips', 'xsip']]) {
      expect((await handshake(s.url, { protocols })).status, protocols.join()).toBe(400);
      expect((await handshake(s.url, { origin: 'http://127.0.0.1:8080', protocols })).status).toBe(400);
    }
    expect(await handshake(s.url, { protocols: ['chat', 'sip'] })).toEqual({ status: 101, protocol: 'sip' });
  });

  it('by default refuses every browser origin and accepts clients that send none (Node, tests)', async () => {
    const s = await server();
    expect((await handshake(s.url, { origin: 'http://127.0.0.1:8080' })).status).toBe(403);
    expect(await handshake(s.url, {})).toEqual({ status: 101, protocol: 'sip' });
    const c = await SipTestClient.connect(s.url);
    defer(() => c.close());
    c.send(buildRequest('OPTIONS', 'sip:voxline.test', { from: 'sip:a@voxline.test', to: 'sip:voxline.test' }));
    expect((await c.next()).status).toBe(200);
  });

  it('allows any port of a host with "scheme://host:*", and everything with "*"', async () => {
    const s = await server({ allowedOrigins: ['http://127.0.0.1:*'] });
    expect((await handshake(s.url, { origin: 'http://127.0.0.1:41234' })).status).toBe(101);
    expect((await handshake(s.url, { origin: 'http://localhost:41234' })).status).toBe(403);
    const open = await server({ allowedOrigins: ['*'] });
    expect((await handshake(open.url, { origin: 'https://anywhere.example' })).status).toBe(101);
  });

  it('matches origins as browsers spell them and rejects entries that are not origins, naming allowedOrigins', async () => {
    const check = createOriginCheck(['HTTP://LocalHost:8080/', 'https://demo.example:443', 'http://[::1]:*']);
    expect(check('http://localhost:8080')).toBe(true);
    expect(check('https://demo.example')).toBe(true);
    expect(check('http://[::1]:5173')).toBe(true);
    expect(check('http://localhost:8081')).toBe(false);
    expect(check('http://demo.example')).toBe(false);
    expect(check('garbage')).toBe(false);
    expect(check(undefined)).toBe(true);
    for (const bad of ['http://x.example/app', 'ftp://x.example', 'not a url', 'http://u:p@x.example', 5]) {
      expect(() => createOriginCheck([/** @type {any} */ (bad)]), String(bad)).toThrow(/allowedOrigins/);
    }
    await expect(startDevServer({ logLevel: 'silent', allowedOrigins: ['http://x.example/app'] })).rejects.toThrow(TypeError);
  });
});

// @ts-check
import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startDevServer } from './index.js';
import { Proxy } from './proxy.js';
import { pendingTimerCount } from './util.js';
import { buildRequest, digestAuthorization, rawUa, SipTestClient } from './test-client.js';
import { cleanupAfterEach } from './test-bed.js';

const defer = cleanupAfterEach();

/** @param {Parameters<typeof startDevServer>[0]} [opts] */
async function setup(opts = {}) {
  const s = await startDevServer({ logLevel: 'silent', ...opts });
  defer(() => s.close());
  const c = await SipTestClient.connect(s.url);
  defer(() => c.close());
  return { s, c };
}

const ping = () => buildRequest('OPTIONS', 'sip:voxline.test', { from: 'sip:a@voxline.test', to: 'sip:voxline.test' });

/** The server still answers an OPTIONS keep-alive on this connection. @param {SipTestClient} c */
async function stillServes(c) {
  c.send(ping());
  const res = await c.next();
  expect(res.status).toBe(200);
  expect(res.method).toBe('OPTIONS');
}

describe('keep-alives', () => {
  it('answers OPTIONS to the server with 200 and a double-CRLF ping with a CRLF pong', async () => {
    const { c } = await setup();
    await stillServes(c);
    c.send('\r\n\r\n');
    await c.next((f) => f.text === '\r\n');
    c.send('\r\n');
    expect(await c.idle(60)).toEqual([]);
  });
});

describe('malformed input', () => {
  it('drops garbage that cannot be answered and keeps serving', async () => {
    const { c } = await setup();
    for (const junk of ['hello world', 'hello\r\n\r\n', 'SIP/2.0 abc\r\n\r\n', '\u0000\u0001\u0002', 'SIP/2.0 200 OK\r\nFrom: x\r\n\r\n']) c.send(junk);
    c.send(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]));
    expect(await c.idle(80)).toEqual([]);
    await stillServes(c);
  });

  it('answers 400 to requests with missing or broken mandatory headers', async () => {
    const { c } = await setup();
    const good = ping();
    const cases = [
      good.replace(/Call-ID: .*\r\n/, ''),
      good.replace(/CSeq: 1 OPTIONS/, 'CSeq: 1 INVITE'),
      good.replace(/From: .*\r\n/, 'From: <<not a uri>>\r\n'),
      good.replace(/Via: (.*);branch=\S+\r\n/, 'Via: $1\r\n'),
      good.replace('Content-Length: 0', 'Content-Length: 20'),
      good.replace('Max-Forwards: 70\r\n', 'this line has no colon\r\n'),
      good.replace('Max-Forwards: 70\r\n', 'Contact: *\r\n'),
    ];
    for (const text of cases) {
      c.send(text);
      const res = await c.next();
      expect(res.status, text).toBe(400);
      expect(res.header('via')).toMatch(/^SIP\/2\.0\/WSS client\.invalid/);
    }
    await stillServes(c);
  });

  it('answers 513 to frames over 64 KB, drops huge garbage, and survives a >1 MB frame on another socket', async () => {
    const { s, c } = await setup();
    c.send(buildRequest('MESSAGE', 'sip:bob@voxline.test', { from: 'sip:a@voxline.test', to: 'sip:bob@voxline.test', body: 'x'.repeat(70_000) }));
    expect((await c.next()).status).toBe(513);
    c.send('y'.repeat(70_000));
    expect(await c.idle(60)).toEqual([]);
    const big = await SipTestClient.connect(s.url);
    big.send('z'.repeat(1_100_000));
    await big.closed;
    await stillServes(c);
  });

  it('accepts SIP in a binary frame, ignores responses nobody asked for, never answers ACK', async () => {
    const { c } = await setup();
    c.send(Buffer.from(ping()));
    expect((await c.next()).status).toBe(200);
    c.send('SIP/2.0 200 OK\r\nVia: SIP/2.0/WS 127.0.0.1:1;branch=z9hG4bK-vx-99-00\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n');
    c.send(buildRequest('ACK', 'sip:nobody@voxline.test', { from: 'sip:a@voxline.test', to: 'sip:nobody@voxline.test', toTag: 'x' }));
    c.send(ping().replace(/^OPTIONS/, 'ACK').replace('1 OPTIONS', '1 ACK').replace(/Call-ID: .*\r\n/, ''));
    expect(await c.idle(80)).toEqual([]);
  });

  it('answers 500 when handling a request throws, and the next request is unaffected', async () => {
    const { c } = await setup();
    const spy = vi.spyOn(Proxy.prototype, 'handleRequest').mockImplementationOnce(() => {
      throw new Error('boom');
    });
    c.send(ping());
    const res = await c.next();
    expect(res.status).toBe(500);
    expect(res.header('call-id')).toBeDefined();
    await stillServes(c);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('answers 501 to unknown methods and 405 to requests for the server it does not handle', async () => {
    const { c } = await setup();
    c.send(buildRequest('PUBLISH', 'sip:bob@voxline.test', { from: 'sip:a@voxline.test', to: 'sip:bob@voxline.test' }));
    expect((await c.next()).status).toBe(501);
    c.send(buildRequest('FOO', 'sip:bob@voxline.test', { from: 'sip:a@voxline.test', to: 'sip:bob@voxline.test' }));
    expect((await c.next()).status).toBe(501);
    c.send(buildRequest('MESSAGE', 'sip:voxline.test', { from: 'sip:a@voxline.test', to: 'sip:voxline.test', body: 'x' }));
    const res = await c.next();
    expect(res.status).toBe(405);
    expect(res.header('allow')).toBe('REGISTER, OPTIONS');
  });
});

describe('listener', () => {
  it('selects the "sip" subprotocol and refuses clients that do not offer it (origin.test.js has the rest)', async () => {
    const { s, c } = await setup();
    expect(c.ws.protocol).toBe('sip');
    await expect(SipTestClient.connect(s.url, { protocols: [] })).rejects.toThrow(/Unexpected server response: 400/);
    await stillServes(c);
  });

  it('refuses non-loopback hosts and reports a busy port clearly', async () => {
    await expect(startDevServer({ host: '0.0.0.0', logLevel: 'silent' })).rejects.toThrow(/non-loopback/);
    const blocker = createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', () => r(undefined)));
    const addr = blocker.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      await expect(startDevServer({ port, logLevel: 'silent' })).rejects.toMatchObject({ code: 'EADDRINUSE', message: `port ${port} is already in use` });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('close() terminates sockets and leaves no timers, sockets or listeners behind', async () => {
    await new Promise((r) => setTimeout(r, 20)); // let earlier tests' handles finish closing
    const baseline = countResources();
    expect(pendingTimerCount()).toBe(0);
    const s = await startDevServer({ logLevel: 'silent' });
    const alice = await rawUa(s.url, 'alice');
    await alice.register();
    // leave an INVITE transaction waiting for its ACK (a linger timer) on purpose
    alice.client.send(buildRequest('INVITE', 'sip:ghost@voxline.test', { from: alice.aor, to: 'sip:ghost@voxline.test' }));
    await alice.client.response(404);
    expect(pendingTimerCount()).toBe(1);
    await s.close();
    await alice.client.closed;
    await new Promise((r) => setTimeout(r, 20));
    const after = countResources();
    expect(pendingTimerCount()).toBe(0);
    for (const type of ['TCPServerWrap', 'TCPSocketWrap']) {
      expect(after[type] ?? 0, type).toBeLessThanOrEqual(baseline[type] ?? 0);
    }
    await expect(new Promise((resolve, reject) => {
      const ws = new WebSocket(s.url, 'sip');
      ws.on('open', () => resolve('open'));
      ws.on('error', reject);
    })).rejects.toThrow(/ECONNREFUSED/);
    await s.close(); // idempotent
  });
});

describe('logging', () => {
  it('never logs passwords or Authorization values, even at debug level; silent logs nothing', async () => {
    /** @type {string[]} */
    const lines = [];
    const { s } = await setup({ users: { alice: 's3cret-pw' }, logLevel: 'debug', logSink: (_l, line) => lines.push(line) });
    const alice = await rawUa(s.url, 'alice');
    defer(() => alice.client.close());
    const challenge = (await alice.register()).header('www-authenticate') ?? '';
    const authz = digestAuthorization({ challenge, method: 'REGISTER', uri: 'sip:voxline.test', username: 'alice', password: 's3cret-pw' });
    expect((await alice.register({ headers: [`Authorization: ${authz}`] })).status).toBe(200);
    const log = lines.join('\n');
    expect(log).toContain('Authorization: <redacted>');
    expect(log).not.toContain('s3cret-pw');
    expect(log).not.toContain(/response="([0-9a-f]+)"/.exec(authz)?.[1]);
    expect(log).not.toContain('Digest username');

    /** @type {string[]} */
    const quiet = [];
    const q = await startDevServer({ logLevel: 'silent', logSink: (_l, line) => quiet.push(line) });
    const c = await SipTestClient.connect(q.url);
    c.send('garbage');
    await c.idle(30);
    await q.close();
    expect(quiet).toEqual([]);
  });
});

/** Active handles by type, minus the ones the test runner itself churns. */
function countResources() {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TTYWrap' || r === 'PipeWrap' || r === 'FSReqCallback' || r === 'MessagePort') continue;
    counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

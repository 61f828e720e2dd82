/**
 * {@link SipCore}: sip.js's core built without its API-layer `UserAgent`, over the real link on a
 * fake WebSocket. What it answers to out-of-dialog requests, what it drops as sip.js's
 * `UserAgent` did, the Contact and Via it writes, digest with our credentials, and its lifecycle.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Grammar, type Core } from 'sip.js';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest } from '../../server/test-client.js';
import { createLogger } from '../logger';
import { fakeWebSocketFactory } from '../../test/fake-websocket';
import { WebSocketTransport } from '../transport/websocket-transport';
import { SipCore, type SipCoreOptions } from './core';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  vi.useRealTimers();
});

const ALICE = 'sip:alice@voxline.test';

function setup(delegate: SipCoreOptions['delegate'] = {}) {
  const ws = fakeWebSocketFactory();
  const link = new WebSocketTransport({
    servers: ['ws://a.test'],
    connectTimeoutMs: 1000,
    logger: createLogger('silent'),
    webSocketFactory: ws.factory,
    reconnectPolicy: { nextDelayMs: () => null },
    keepAlive: null,
    watchLifecycle: false,
  });
  const lines: string[] = [];
  const logger = createLogger('debug', 'test', (level, _ns, message) => lines.push(`${level} ${message}`));
  const core = new SipCore({ aor: Grammar.URIParse(ALICE)!, user: 'alice', password: 'secret-pw', displayName: 'Ann \\"A\\"', userAgentString: 'Voxline/test', link, logger, delegate });
  cleanups.push(() => core.stop(), () => link.dispose());
  return { ws, link, core, lines };
}

async function started(delegate?: SipCoreOptions['delegate']) {
  const s = setup(delegate);
  const starting = s.core.start();
  s.ws.last().open();
  await starting;
  return { ...s, socket: s.ws.last() };
}

const request = (method: string, extra: Record<string, unknown> = {}): string => buildRequest(method, ALICE, { from: 'sip:bob@voxline.test', to: ALICE, ...extra });
const status = (frame: string | undefined): string => /^SIP\/2\.0 (\d{3})/.exec(frame ?? '')?.[1] ?? `no response (${String(frame).slice(0, 30)})`;

describe('SipCore: out-of-dialog requests', () => {
  it.each([
    ['REFER', '405'],
    ['SUBSCRIBE', '405'],
    ['REGISTER', '405'],
    ['NOTIFY', '481'],
    ['OPTIONS', '200'],
  ])('answers %s with %s', async (method, code) => {
    const { socket } = await started();
    socket.receive(request(method, method === 'SUBSCRIBE' || method === 'NOTIFY' ? { headers: ['Event: presence', 'Subscription-State: active'] } : {}));
    expect(socket.sent).toHaveLength(1);
    expect(status(socket.sent[0])).toBe(code);
  });

  it('answers OPTIONS with the Allow and Accept lists sip.js sends', async () => {
    const { socket } = await started();
    socket.receive(request('OPTIONS'));
    expect(socket.sent[0]).toMatch(/^Allow: ACK,BYE,CANCEL,INFO,INVITE,MESSAGE,NOTIFY,OPTIONS,PRACK,REFER,REGISTER,SUBSCRIBE\r$/m);
    expect(socket.sent[0]).toMatch(/^Accept: application\/sdp,application\/dtmf-relay\r$/m);
  });

  it('hands INVITE and MESSAGE to its delegate', async () => {
    const seen: string[] = [];
    const { socket } = await started({
      onInvite: (r: Core.IncomingInviteRequest) => seen.push(`INVITE ${r.message.callId}`),
      onMessage: (r: Core.IncomingMessageRequest) => {
        seen.push(`MESSAGE ${r.message.body}`);
        r.accept();
      },
    });
    socket.receive(request('MESSAGE', { body: 'hi', contentType: 'text/plain', callId: 'm1' }));
    socket.receive(request('INVITE', { callId: 'i1', contact: 'sip:bob@bob.invalid;transport=ws' }));
    expect(seen).toEqual(['MESSAGE hi', 'INVITE i1']);
    expect(status(socket.sent[0])).toBe('200');
  });

  it('drops requests before start() and after stop(), as a stopped sip.js UserAgent does', async () => {
    const { core, link, ws, lines } = setup();
    const opening = link.connect();
    ws.last().open();
    await opening;
    ws.last().receive(request('OPTIONS'));
    expect(ws.last().sent).toEqual([]);
    expect(lines).toContain('warn sip.UserAgent: Received OPTIONS request while stopped. Dropping.');
    await core.start();
    ws.last().receive(request('OPTIONS'));
    expect(ws.last().sent).toHaveLength(1);
    await core.stop();
    ws.last().receive(request('OPTIONS'));
    expect(ws.last().sent).toHaveLength(1);
    await expect(core.start()).rejects.toThrow('stopped');
  });

  it('answers 482 to a request of its own looped back, and 400 to a body shorter than its Content-Length', async () => {
    const { socket, core } = await started();
    const sent: string[] = [];
    const options = core.userAgentCore.makeOutgoingRequestMessage('OPTIONS', Grammar.URIParse(ALICE)!, core.aor, core.aor, {});
    core.userAgentCore.request(options);
    sent.push(socket.sent.shift()!);
    // The proxy sends our own OPTIONS back to us (no To tag, our Call-ID).
    socket.receive(sent[0]!.replace(/^Via: .*\r\n/m, 'Via: SIP/2.0/WS proxy.test;branch=z9hG4bKloop\r\n'));
    expect(status(socket.sent.shift())).toBe('482');
    socket.receive(request('MESSAGE', { body: 'hi', contentType: 'text/plain' }).replace(/Content-Length: \d+/i, 'Content-Length: 50'));
    expect(status(socket.sent.shift())).toBe('400');
  });
});

describe('SipCore: what it writes', () => {
  it('sends requests with a random .invalid Via host, a transport=ws Contact, our User-Agent and escaped display name', async () => {
    const { socket, core } = await started();
    expect(core.contact.toString()).toMatch(/^<sip:[0-9a-v]{8}@[0-9a-v]{12}\.invalid;transport=ws>$/);
    expect(core.contact.toString({ outbound: true })).toMatch(/;transport=ws;ob>$/);
    const invite = core.userAgentCore.makeOutgoingRequestMessage('MESSAGE', Grammar.URIParse('sip:bob@voxline.test')!, core.aor, Grammar.URIParse('sip:bob@voxline.test')!, {});
    core.userAgentCore.request(invite);
    const frame = socket.sent[0]!;
    expect(frame).toMatch(new RegExp(`^Via: SIP/2\\.0/WS ${core.contact.uri.host.replace(/\./g, '\\.')};branch=z9hG4bK\\d+\\r$`, 'm'));
    expect(frame).toMatch(/^From: "Ann \\"A\\"" <sip:alice@voxline\.test>;tag=/m);
    expect(frame).toMatch(/^User-Agent: Voxline\/test\r$/m);
    expect(frame).toMatch(/^Supported: outbound\r$/m);
  });

  it('drops a response whose Via is not ours, and answers a digest challenge with our credentials', async () => {
    const { socket, core, lines } = await started();
    const outcomes: number[] = [];
    const bob = Grammar.URIParse('sip:bob@voxline.test')!;
    core.userAgentCore.request(core.userAgentCore.makeOutgoingRequestMessage('MESSAGE', bob, core.aor, bob, {}), {
      onAccept: (r) => outcomes.push(r.message.statusCode!),
      onReject: (r) => outcomes.push(r.message.statusCode!),
    });
    const sent = socket.sent[0]!;
    const responseTo = (code: string, extra = ''): string =>
      `SIP/2.0 ${code}\r\n${/^Via: .*\r\n/m.exec(sent)![0]}${/^From: .*\r\n/m.exec(sent)![0]}${/^To: .*\r\n/m.exec(sent)![0].replace('\r\n', ';tag=s1\r\n')}${/^Call-ID: .*\r\n/m.exec(sent)![0]}${/^CSeq: .*\r\n/m.exec(sent)![0]}${extra}Content-Length: 0\r\n\r\n`;
    socket.receive(responseTo('200 OK').replace(/^Via: SIP\/2\.0\/WS [^;]+/m, 'Via: SIP/2.0/WS elsewhere.invalid'));
    expect(outcomes).toEqual([]);
    expect(lines).toContain('warn sip.UserAgent: Via sent-by in the response does not match UA Via host value. Dropping.');
    socket.receive(responseTo('401 Unauthorized', 'WWW-Authenticate: Digest realm="voxline.test", nonce="n1", qop="auth"\r\n'));
    expect(socket.sent).toHaveLength(2);
    expect(socket.sent[1]).toMatch(/^Authorization: Digest .*username="alice".*realm="voxline\.test"/m);
    expect(lines.join('\n')).not.toContain('secret-pw');
  });
});

describe('SipCore: lifecycle', () => {
  it('stop() leaves no timer behind, even with transactions in flight, and lets go of the link', async () => {
    vi.useFakeTimers();
    const { core, link, ws } = setup();
    const starting = core.start();
    ws.last().open();
    await starting;
    const bob = Grammar.URIParse('sip:bob@voxline.test')!;
    core.userAgentCore.request(core.userAgentCore.makeOutgoingRequestMessage('MESSAGE', bob, core.aor, bob, {}));
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await core.stop();
    link.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(link.listenerCount('message')).toBe(0);
  });
});

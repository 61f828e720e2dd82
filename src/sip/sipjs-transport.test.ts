import { afterEach, describe, expect, it } from 'vitest';
import { Grammar, TransportState } from 'sip.js';
import { ConnectionError } from '../errors';
import { createLogger } from '../logger';
import { fakeWebSocketFactory } from '../../test/fake-websocket';
import { WebSocketTransport } from '../transport/websocket-transport';
import { SipCore } from './core';
import { SipTransportAdapter, viaProtocol } from './sipjs-transport';

/** Lets pending promise chains and zero-delay timers run. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The real link over the fake WebSocket, seen through the adapter; every callback recorded. */
function setup(servers = ['ws://a.test'], reconnect = false) {
  const ws = fakeWebSocketFactory();
  const link = new WebSocketTransport({
    servers,
    connectTimeoutMs: 1000,
    logger: createLogger('silent'),
    webSocketFactory: ws.factory,
    reconnectPolicy: { nextDelayMs: () => (reconnect ? 0 : null) },
    keepAlive: null,
    watchLifecycle: false,
  });
  const warnings: string[] = [];
  const adapter = new SipTransportAdapter({ warn: (m) => warnings.push(m) }, { link });
  const log: string[] = [];
  adapter.stateChange.addListener((s) => log.push(`state:${s}`));
  adapter.onConnect = () => log.push(`connect(${adapter.state})`);
  adapter.onDisconnect = (error) => log.push(`disconnect(${adapter.state}, ${error ? error.message : 'no error'})`);
  const messages: string[] = [];
  adapter.onMessage = (m) => messages.push(m);
  cleanups.push(() => link.dispose());
  return { ws, link, adapter, log, messages, warnings };
}

async function connected(servers?: string[], reconnect?: boolean) {
  const s = setup(servers, reconnect);
  const opening = s.adapter.connect();
  s.ws.last().open();
  await opening;
  return s;
}

describe('SipTransportAdapter: the sip.js Transport contract', () => {
  it('starts Disconnected, and maps connecting/connected/lost to Connecting/Connected/Disconnected', async () => {
    const { ws, adapter, log } = setup();
    expect(adapter.state).toBe(TransportState.Disconnected);
    expect(adapter.isConnected()).toBe(false);
    const opening = adapter.connect();
    // The contract: connect() moves to Connecting before it returns.
    expect(adapter.state).toBe(TransportState.Connecting);
    ws.last().open();
    await opening;
    expect(adapter.state).toBe(TransportState.Connected);
    expect(adapter.isConnected()).toBe(true);
    ws.last().serverClose(1000);
    expect(adapter.state).toBe(TransportState.Disconnected);
    expect(log).toEqual(['state:Connecting', 'state:Connected', 'connect(Connected)', 'state:Disconnected', 'disconnect(Disconnected, link lost)']);
  });

  it('fires onConnect and onDisconnect exactly once per change across a reconnect', async () => {
    const { ws, log } = await connected(['ws://a.test'], true);
    ws.last().fail();
    await flush();
    ws.last().open();
    await flush();
    ws.last().serverClose();
    expect(log.filter((l) => l.startsWith('connect('))).toHaveLength(2);
    expect(log.filter((l) => l.startsWith('disconnect('))).toHaveLength(2);
    expect(log).toEqual([
      'state:Connecting',
      'state:Connected',
      'connect(Connected)',
      'state:Disconnected',
      'disconnect(Disconnected, link lost)',
      'state:Connecting',
      'state:Connected',
      'connect(Connected)',
      'state:Disconnected',
      'disconnect(Disconnected, link lost)',
    ]);
  });

  it('reports a deliberate close without an error, and a change between two Disconnected link states not at all', async () => {
    const { link, log } = await connected();
    link.disconnect(); // connected → idle
    link.dispose(); // idle → closed: both are Disconnected for sip.js
    expect(log.slice(3)).toEqual(['state:Disconnected', 'disconnect(Disconnected, no error)']);
  });

  it('does not call onDisconnect when a connection attempt fails (it never was Connected)', async () => {
    const { ws, adapter, log } = setup();
    const opening = adapter.connect();
    ws.last().fail();
    await expect(opening).rejects.toBeInstanceOf(ConnectionError);
    expect(log).toEqual(['state:Connecting', 'state:Disconnected']);
  });

  it('send() reaches the socket when connected and rejects with ConnectionError when not', async () => {
    const { ws, adapter, link } = await connected();
    await adapter.send('OPTIONS sip:x SIP/2.0\r\n\r\n');
    expect(ws.last().sent).toEqual(['OPTIONS sip:x SIP/2.0\r\n\r\n']);
    link.disconnect();
    await expect(adapter.send('late')).rejects.toBeInstanceOf(ConnectionError);
    expect(ws.last().sent).toHaveLength(1);
  });

  it('forwards inbound frames, text or binary, to onMessage', async () => {
    const { ws, messages } = await connected();
    const response = 'SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\n';
    ws.last().receive(response);
    ws.last().receive(new TextEncoder().encode(response).buffer);
    expect(messages).toEqual([response, response]);
  });

  it('contains an onMessage that throws: nothing escapes the socket handler, and it is logged', async () => {
    const { ws, adapter, warnings } = await connected();
    adapter.onMessage = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'method')");
    };
    expect(() => ws.last().receive('SIP/2.0 200 OK\r\nCSeq: oops\r\n\r\n')).not.toThrow();
    expect(warnings).toEqual([`dropped a response sip.js failed on (Cannot read properties of undefined (reading 'method')): "SIP/2.0 200 OK…"`]);
  });

  it('contains callbacks and listeners that throw; the link still comes up', async () => {
    const { ws, adapter, link, warnings } = setup();
    adapter.stateChange.addListener(() => {
      throw new Error('listener broke');
    });
    adapter.onConnect = () => {
      throw new Error('onConnect broke');
    };
    const opening = adapter.connect();
    ws.last().open();
    await opening;
    expect(link.state).toBe('connected');
    expect(warnings).toEqual(['a stateChange listener threw: listener broke', 'a stateChange listener threw: listener broke', 'onConnect threw: onConnect broke']);
  });

  it('dispose() unsubscribes: no more state changes, callbacks or messages', async () => {
    const { ws, adapter, log, messages } = await connected();
    const before = log.length;
    await adapter.dispose();
    ws.last().receive('SIP/2.0 200 OK\r\n\r\n');
    ws.last().serverClose();
    expect(log).toHaveLength(before);
    expect(messages).toEqual([]);
  });

  it('disconnect() leaves the link alone: its owner decides when to close it', async () => {
    const { adapter, link } = await connected();
    await adapter.disconnect();
    expect(link.state).toBe('connected');
  });
});

describe('SipTransportAdapter: Via transport', () => {
  it('is WS for ws:// and WSS for wss:// (any case)', () => {
    expect(viaProtocol('ws://a.test')).toBe('WS');
    expect(viaProtocol('wss://a.test:8443/sip')).toBe('WSS');
    expect(viaProtocol('WSS://A.TEST')).toBe('WSS');
    expect(setup(['ws://a.test']).adapter.protocol).toBe('WS');
    expect(setup(['wss://a.test']).adapter.protocol).toBe('WSS');
  });

  it('follows the server in use: fail-over from a ws:// to a wss:// server switches WS → WSS', async () => {
    const { ws, adapter } = setup(['ws://a.test', 'wss://b.test']);
    expect(adapter.protocol).toBe('WS');
    const opening = adapter.connect();
    ws.last().fail();
    await flush();
    ws.last().open();
    await opening;
    expect(ws.last().url).toBe('wss://b.test');
    expect(adapter.protocol).toBe('WSS');
  });

  it('is what sip.js\'s core (run by Voxline\'s SipCore) writes in the Via of its requests', async () => {
    const { ws, link } = setup(['ws://a.test']);
    const core = new SipCore({ aor: Grammar.URIParse('sip:alice@voxline.test')!, user: 'alice', password: 'secret', displayName: undefined, userAgentString: 'test', link, logger: createLogger('silent'), delegate: {} });
    cleanups.push(() => core.stop());
    const starting = core.start();
    ws.last().open();
    await starting;
    const bob = Grammar.URIParse('sip:bob@voxline.test')!;
    void core.userAgentCore.request(core.userAgentCore.makeOutgoingRequestMessage('OPTIONS', bob, core.userAgentCore.configuration.aor, bob, {}));
    expect(ws.last().sent[0]).toMatch(/^Via: SIP\/2\.0\/WS [^;]+\.invalid;branch=/m);
  });
});

describe('SipTransportAdapter: sip.js\'s core (run by Voxline\'s SipCore) fed hostile frames', () => {
  async function agent() {
    const s = setup(['ws://a.test']);
    const sipWarnings: string[] = [];
    // sip.js's log lines reach the logger as `category: content`; keep the adapter's warnings.
    const logger = createLogger('warn', 'test', (level, _namespace, message) => {
      if (level === 'warn' && message.startsWith('sip.Transport: ')) sipWarnings.push(message.slice('sip.Transport: '.length));
    });
    const core = new SipCore({ aor: Grammar.URIParse('sip:alice@voxline.test')!, user: 'alice', password: 'secret', displayName: undefined, userAgentString: 'test', link: s.link, logger, delegate: {} });
    cleanups.push(() => core.stop());
    const starting = core.start();
    s.ws.last().open();
    await starting;
    return { ...s, adapter: core.transport, socket: s.ws.last(), sipWarnings, viaHost: core.userAgentCore.configuration.viaHost };
  }

  const prack = (toTag = '') =>
    [
      'PRACK sip:alice@voxline.test SIP/2.0',
      'Via: SIP/2.0/WS proxy.test;branch=z9hG4bKprack',
      'Max-Forwards: 70',
      'From: <sip:bob@voxline.test>;tag=b1',
      `To: <sip:alice@voxline.test>${toTag}`,
      'Call-ID: prack-1',
      'CSeq: 2 PRACK',
      'RAck: 1 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');

  it('answers 481 to an out-of-dialog PRACK, which sip.js 0.21 throws on, exactly once', async () => {
    const { socket, sipWarnings } = await agent();
    expect(() => socket.receive(prack())).not.toThrow();
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0]).toMatch(/^SIP\/2\.0 481 Call\/Transaction Does Not Exist\r\nVia: SIP\/2\.0\/WS proxy\.test;branch=z9hG4bKprack\r\n/);
    expect(sipWarnings).toEqual(['answered 481 to a request sip.js failed on (Unexpected out of dialog request method PRACK.): "PRACK sip:alice@voxline.test SIP/2.0…"']);
    // With a To tag sip.js answers 481 by itself; the guard stays out of it.
    socket.receive(prack(';tag=gone'));
    expect(socket.sent.map((s) => s.slice(0, 11))).toEqual(['SIP/2.0 481', 'SIP/2.0 481']);
    expect(sipWarnings).toHaveLength(1);
  });

  it('drops a response whose CSeq sip.js cannot parse (it throws on it) and keeps working', async () => {
    const { socket, adapter, viaHost, sipWarnings } = await agent();
    const response = `SIP/2.0 200 OK\r\nVia: SIP/2.0/WS ${viaHost};branch=z9hG4bKx\r\nFrom: <sip:alice@voxline.test>;tag=1\r\nTo: <sip:bob@voxline.test>;tag=2\r\nCall-ID: x\r\nCSeq: not-a-number\r\nContent-Length: 0\r\n\r\n`;
    for (let i = 0; i < 20; i++) expect(() => socket.receive(response)).not.toThrow();
    expect(socket.sent).toEqual([]);
    expect(sipWarnings).toHaveLength(5); // throttled
    expect(sipWarnings[0]).toContain("dropped a response sip.js failed on (Cannot read properties of undefined (reading 'method'))");
    // Still alive: an OPTIONS is answered 200 by sip.js.
    socket.receive(prack().replace(/PRACK/g, 'OPTIONS').replace('RAck: 1 1 INVITE\r\n', ''));
    expect(socket.sent[0]).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(adapter.isConnected()).toBe(true);
  });
});

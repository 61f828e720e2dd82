/**
 * The transport's recovery: exactly-once loss reporting across many failed attempts, failover
 * order, Retry-After, keep-alive (blackhole detection), offline/online, and clean teardown.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger';
import { fakeWebSocketFactory } from '../../test/fake-websocket';
import { crlfKeepAlive } from './keep-alive';
import { DefaultReconnectPolicy, type ReconnectPolicy } from './reconnect-policy';
import { mainThreadTicker } from './ticker';
import { WebSocketTransport, type ReconnectAttempt } from './websocket-transport';
import type { LinkState, LinkLoss } from './types';

interface SetupOptions {
  servers?: string[];
  policy?: ReconnectPolicy;
  keepAlive?: boolean;
  watchLifecycle?: boolean;
}

function setup({ servers = ['ws://a.test', 'ws://b.test', 'ws://c.test'], policy = new DefaultReconnectPolicy({ random: () => 0.5 }), keepAlive = false, watchLifecycle = false }: SetupOptions = {}) {
  const ws = fakeWebSocketFactory();
  const transport = new WebSocketTransport({
    servers,
    connectTimeoutMs: 5000,
    logger: createLogger('silent'),
    webSocketFactory: ws.factory,
    reconnectPolicy: policy,
    keepAlive: keepAlive ? { idleMs: 2000, timeoutMs: 2500, strategy: crlfKeepAlive } : null,
    tickerFactory: mainThreadTicker,
    watchLifecycle,
  });
  const log: string[] = [];
  const losses: LinkLoss[] = [];
  const attempts: ReconnectAttempt[] = [];
  const messages: string[] = [];
  transport.on('open', (url, reconnect) => log.push(`${reconnect ? 'reopen' : 'open'} ${url}`));
  transport.on('lost', (loss) => {
    losses.push(loss);
    log.push(`lost ${loss.reason}`);
  });
  transport.on('reconnecting', (a) => attempts.push(a));
  transport.on('gaveup', () => log.push('gaveup'));
  transport.on('message', (m) => messages.push(m));
  const states: LinkState[] = [];
  transport.on('statechange', (s) => states.push(s));
  return { ws, transport, log, losses, attempts, messages, states };
}

async function connected(t: ReturnType<typeof setup>): Promise<void> {
  const p = t.transport.connect();
  t.ws.last().open();
  await p;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('reconnection', () => {
  it('reports one loss across 20 failed attempts, then one re-open', async () => {
    const t = setup({ servers: ['ws://a.test'] });
    await connected(t);
    t.ws.last().fail();
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersToNextTimerAsync();
      t.ws.last().fail();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(t.attempts).toHaveLength(21); // 20 failed + the one now scheduled
    expect(t.attempts.map((a) => a.attempt)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    await vi.advanceTimersToNextTimerAsync();
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.log).toEqual(['open ws://a.test', 'lost error', 'reopen ws://a.test']);
    expect(t.losses).toHaveLength(1);
    expect(t.transport.state).toBe('connected');
  });

  it('tries at once, then every second during the fast window', async () => {
    const t = setup({ servers: ['ws://a.test'] });
    await connected(t);
    t.ws.last().serverClose(1006);
    expect(t.attempts[0]).toEqual({ attempt: 1, delayMs: 0, server: 'ws://a.test' });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.ws.sockets).toHaveLength(2);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.attempts[1]).toMatchObject({ attempt: 2, delayMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(t.ws.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.sockets).toHaveLength(3);
  });

  it('retries the same server first, then moves through the others in order, wrapping around', async () => {
    const t = setup();
    await connected(t);
    t.ws.last().fail();
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersToNextTimerAsync();
      t.ws.last().fail();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(t.ws.sockets.map((s) => s.url)).toEqual(['ws://a.test', 'ws://a.test', 'ws://b.test', 'ws://c.test', 'ws://a.test']);
    expect(t.attempts.map((a) => a.server)).toEqual(['ws://a.test', 'ws://b.test', 'ws://c.test', 'ws://a.test', 'ws://b.test']);
  });

  it('fails over on the first connect too, and a later loss moves on from the server in use', async () => {
    const t = setup();
    const p = t.transport.connect();
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().open();
    await p;
    expect(t.transport.server).toBe('ws://b.test');
    t.ws.last().serverClose(1000);
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().fail();
    await vi.advanceTimersToNextTimerAsync();
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.ws.sockets.map((s) => s.url)).toEqual(['ws://a.test', 'ws://b.test', 'ws://b.test', 'ws://c.test']);
    expect(t.log).toEqual(['open ws://b.test', 'lost closed', 'reopen ws://c.test']);
  });

  it('honours Retry-After when the layer above asks to retry later', async () => {
    const t = setup({ servers: ['ws://a.test', 'ws://b.test'] });
    await connected(t);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    t.transport.retryLater('503 Service Unavailable', 5000);
    expect(t.transport.state).toBe('disconnected');
    // The re-opened link was never confirmed: the same outage goes on (attempt 2).
    expect(t.attempts.at(-1)).toEqual({ attempt: 2, delayMs: 5000, server: 'ws://b.test' });
    await vi.advanceTimersByTimeAsync(4999);
    expect(t.ws.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.sockets).toHaveLength(3);
    expect(t.losses).toHaveLength(1);
  });

  it('no reconnect storm: a server that accepts sockets but refuses every re-REGISTER gets ≤ 1 attempt per second, then backoff', async () => {
    const t = setup({ servers: ['ws://a.test'] });
    await connected(t);
    // The layer above answers every re-opened link the way a 503-without-Retry-After REGISTER does.
    t.transport.on('open', (_url, reconnect) => {
      if (reconnect) queueMicrotask(() => t.transport.retryLater('re-registration failed (SIP 503 Service Unavailable)'));
    });
    t.ws.last().fail();
    let opened = 0;
    const openAll = (): void => {
      for (const socket of t.ws.sockets) if (socket.readyState === 0) {
        socket.open();
        opened++;
      }
    };
    for (let ms = 0; ms < 10_000; ms += 50) {
      openAll();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(opened).toBeGreaterThanOrEqual(5);
    expect(opened).toBeLessThanOrEqual(11);
    const inFirstTenSeconds = opened;
    for (let ms = 0; ms < 60_000; ms += 50) {
      openAll();
      await vi.advanceTimersByTimeAsync(50);
    }
    // Backoff (full jitter, capped at 30 s; random fixed at 0.5 here): a handful in the next minute.
    expect(opened - inFirstTenSeconds).toBeLessThanOrEqual(8);
    expect(t.losses).toHaveLength(1);
    expect(Math.max(...t.attempts.map((a) => a.attempt))).toBe(t.attempts.length);
  });

  it('an outage ends when the layer above confirms the recovery: the next loss starts again at attempt 1', async () => {
    const t = setup({ servers: ['ws://a.test'] });
    await connected(t);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.transport.recovering).toBe(true);
    t.transport.confirmRecovered();
    expect(t.transport.recovering).toBe(false);
    t.ws.last().fail();
    expect(t.attempts.map((a) => a.attempt)).toEqual([1, 1]);
    expect(t.losses).toHaveLength(2);
  });

  it('gives up when the policy says so: stays disconnected, reports once, leaves no timer', async () => {
    const t = setup({ servers: ['ws://a.test'], policy: { nextDelayMs: ({ attempt }) => (attempt <= 2 ? 100 : null) } });
    await connected(t);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(100);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(100);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.log).toEqual(['open ws://a.test', 'lost error', 'gaveup']);
    expect(t.transport.state).toBe('disconnected');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a policy that throws counts as giving up, not as a crash', async () => {
    const t = setup({ servers: ['ws://a.test'], policy: { nextDelayMs: () => { throw new Error('bad policy'); } } });
    await connected(t);
    t.ws.last().fail();
    expect(t.log).toEqual(['open ws://a.test', 'lost error', 'gaveup']);
  });

  it('disconnect() during an outage stops every attempt and timer', async () => {
    const t = setup({ servers: ['ws://a.test'] });
    await connected(t);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    const created = t.ws.sockets.length;
    t.transport.disconnect();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.ws.sockets).toHaveLength(created);
    expect(t.transport.state).toBe('idle');
  });

  it('dispose() while an attempt is opening abandons it and leaves no timer', async () => {
    const t = setup({ servers: ['ws://a.test'], keepAlive: true });
    await connected(t);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(0);
    const opening = t.ws.last();
    t.transport.dispose();
    expect(opening.closedByClient).not.toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.transport.state).toBe('closed');
  });
});

describe('keep-alive', () => {
  it('pings only after 2 s without inbound frames, and swallows the pong', async () => {
    const t = setup({ keepAlive: true });
    await connected(t);
    const socket = t.ws.last();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      socket.receive('SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n');
    }
    expect(socket.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.sent).toEqual(['\r\n\r\n']);
    socket.receive('\r\n');
    expect(t.messages).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(1500);
    expect(socket.sent).toHaveLength(1);
    expect(t.losses).toHaveLength(0);
  });

  it('declares a silent (blackholed) link dead within 5 s, once, and reconnects', async () => {
    const t = setup({ servers: ['ws://a.test'], keepAlive: true });
    await connected(t);
    const socket = t.ws.last();
    // Silent from t=0: ping at 2 s (idle), dead 2.5 s later; never before, always within 5 s.
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.sent).toEqual(['\r\n\r\n']);
    await vi.advanceTimersByTimeAsync(2499);
    expect(t.losses).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.losses).toEqual([expect.objectContaining({ reason: 'keepalive-timeout', server: 'ws://a.test' })]);
    expect(socket.closedByClient).toMatchObject({ code: 4001 });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.sockets).toHaveLength(2);
  });

  it('stops pinging when the link is closed deliberately', async () => {
    const t = setup({ keepAlive: true });
    await connected(t);
    t.transport.disconnect();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('browser network and lifecycle events', () => {
  function stubBrowser(online: { value: boolean }) {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    vi.stubGlobal('navigator', { get onLine() { return online.value; } });
    return { win, doc };
  }

  it('offline drops the link at once (reason offline) and waits for online, then reconnects at once', async () => {
    const online = { value: true };
    const { win } = stubBrowser(online);
    const t = setup({ servers: ['ws://a.test'], watchLifecycle: true });
    await connected(t);
    online.value = false;
    win.dispatchEvent(new Event('offline'));
    expect(t.losses).toEqual([expect.objectContaining({ reason: 'offline' })]);
    expect(t.attempts).toEqual([{ attempt: 1, delayMs: 30_000, server: 'ws://a.test' }]);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(t.ws.sockets).toHaveLength(1);
    online.value = true;
    win.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.sockets).toHaveLength(2);
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.log).toEqual(['open ws://a.test', 'lost offline', 'reopen ws://a.test']);
  });

  it('does not wait for an online event forever: tries again after 30 s offline', async () => {
    const { win } = stubBrowser({ value: false });
    const t = setup({ servers: ['ws://a.test'], watchLifecycle: true });
    await connected(t);
    win.dispatchEvent(new Event('offline'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.ws.sockets).toHaveLength(2);
  });

  it('online during backoff retries now instead of waiting', async () => {
    const { win } = stubBrowser({ value: true });
    const t = setup({ servers: ['ws://a.test'], watchLifecycle: true, policy: { nextDelayMs: ({ attempt }) => (attempt === 1 ? 0 : 20_000) } });
    await connected(t);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(1);
    t.ws.last().fail();
    await vi.advanceTimersByTimeAsync(1);
    expect(t.attempts.map((a) => a.delayMs)).toEqual([0, 20_000]);
    expect(t.ws.sockets).toHaveLength(2);
    win.dispatchEvent(new Event('online'));
    expect(t.attempts.at(-1)).toEqual({ attempt: 1, delayMs: 0, server: 'ws://a.test' });
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.sockets).toHaveLength(3);
    expect(t.losses).toHaveLength(1);
  });

  it('a page restored from the back/forward cache checks the link with a ping right away', async () => {
    const { win } = stubBrowser({ value: true });
    const t = setup({ keepAlive: true, watchLifecycle: true });
    await connected(t);
    const shown = Object.assign(new Event('pageshow'), { persisted: true });
    win.dispatchEvent(shown);
    expect(t.ws.last().sent).toEqual(['\r\n\r\n']);
    await vi.advanceTimersByTimeAsync(2750);
    expect(t.losses).toEqual([expect.objectContaining({ reason: 'keepalive-timeout' })]);
  });

  it('removes its listeners on dispose()', async () => {
    const { win } = stubBrowser({ value: true });
    const t = setup({ servers: ['ws://a.test'], watchLifecycle: true });
    await connected(t);
    t.transport.dispose();
    win.dispatchEvent(new Event('offline'));
    win.dispatchEvent(new Event('online'));
    expect(t.ws.sockets).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketFactory } from '../../test/fake-websocket';
import { createLogger } from '../logger';
import { DefaultReconnectPolicy } from '../transport/reconnect-policy';
import { mainThreadTicker } from '../transport/ticker';
import { WebSocketTransport } from '../transport/websocket-transport';
import { ConnectionReporter, type RefreshOutcome } from './connection-reporter';
import type { ConnectionChange } from '../client/events';

function setup(loggedIn = true) {
  const ws = fakeWebSocketFactory();
  const link = new WebSocketTransport({
    servers: ['ws://a.test', 'ws://b.test'],
    connectTimeoutMs: 5000,
    logger: createLogger('silent'),
    webSocketFactory: ws.factory,
    reconnectPolicy: new DefaultReconnectPolicy({ random: () => 0.5 }),
    keepAlive: null,
    tickerFactory: mainThreadTicker,
    watchLifecycle: false,
  });
  const changes: ConnectionChange[] = [];
  const log: string[] = [];
  /** Each refresh waits for the test to answer it. */
  const refreshes: Array<(outcome: RefreshOutcome | 'fail') => void> = [];
  const reporter = new ConnectionReporter(link, {
    loggedIn: () => loggedIn,
    refresh: () =>
      new Promise<RefreshOutcome>((resolve) => {
        refreshes.push((outcome) => {
          if (outcome === 'fail') {
            link.retryLater('re-registration failed (SIP 503)');
            resolve('retry');
          } else resolve(outcome);
        });
      }),
    resumed: () => log.push('resumed'),
    paused: () => log.push('paused'),
    emit: (change) => changes.push(change),
  });
  return { ws, link, reporter, changes, log, refreshes };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ConnectionReporter', () => {
  it('reports connected, disconnected and reconnected once each; reconnected only after the re-REGISTER, with the downtime', async () => {
    const t = setup();
    const first = t.link.connect();
    t.ws.last().open();
    await first;
    expect(t.reporter.state).toBe('connected');
    vi.setSystemTime(10_000);
    t.ws.last().serverClose(1006, '');
    expect(t.reporter.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    // The socket is open again but the REGISTER is pending: the app was told "disconnected", and the state agrees.
    expect(t.reporter.state).toBe('reconnecting');
    expect(t.changes.map((c) => c.state)).toEqual(['connected', 'disconnected']);
    vi.setSystemTime(10_750);
    t.refreshes.at(-1)!('done');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.changes.map((c) => c.state)).toEqual(['connected', 'disconnected', 'reconnected']);
    expect(t.changes[2]).toMatchObject({ previous: 'disconnected', downtimeMs: 750 });
    expect(t.reporter.state).toBe('connected');
    expect(t.log).toEqual(['paused', 'resumed']);
    expect(t.link.recovering).toBe(false);
  });

  it('a re-REGISTER that fails keeps the outage going: no event, and the next success reports reconnected once', async () => {
    const t = setup();
    const first = t.link.connect();
    t.ws.last().open();
    await first;
    t.ws.last().serverClose(1006, '');
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersToNextTimerAsync();
      t.ws.last().open();
      await vi.advanceTimersByTimeAsync(0);
      t.refreshes.at(-1)!('fail');
      await vi.advanceTimersByTimeAsync(0);
      expect(t.reporter.state).toBe('reconnecting');
    }
    await vi.advanceTimersToNextTimerAsync();
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    t.refreshes.at(-1)!('done');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.changes.map((c) => c.state)).toEqual(['connected', 'disconnected', 'reconnected']);
  });

  it('without a login, a re-opened link is reconnected at once', async () => {
    const t = setup(false);
    const first = t.link.connect();
    t.ws.last().open();
    await first;
    t.ws.last().serverClose(1006, '');
    await vi.advanceTimersByTimeAsync(0);
    t.ws.last().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.changes.map((c) => c.state)).toEqual(['connected', 'disconnected', 'reconnected']);
    expect(t.refreshes).toHaveLength(0);
  });

  it('reset() (logout) makes the next open a first "connected" again', async () => {
    const t = setup(false);
    const first = t.link.connect();
    t.ws.last().open();
    await first;
    t.link.disconnect();
    t.reporter.reset();
    expect(t.reporter.state).toBe('idle');
    const again = t.link.connect();
    t.ws.last().open();
    await again;
    expect(t.changes.map((c) => [c.state, c.previous])).toEqual([
      ['connected', null],
      ['connected', null],
    ]);
  });
});

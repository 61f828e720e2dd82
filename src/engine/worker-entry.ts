/**
 * The SharedWorker script, built by rollup.config.mjs as `dist/voxline.worker.js` (a classic,
 * self-contained script; package export `voxline/worker`): each tab that connects gets a port to
 * the {@link WorkerHub}. Engines here time their keep-alive with the worker's own timers, which
 * background tabs do not throttle, keep their outbox in memory (a worker has no
 * sessionStorage: each tab keeps its own unconfirmed messages across a reload, page-outbox.ts,
 * and claims them back after login(), worker-outbox.ts), and open their calls' media in the tabs
 * (worker-calls.ts). Calls survive a reload of their tab through the hub (call-claims.ts: the
 * tabs keep the records), so the engine's own `resumeCalls` (a sessionStorage store, which a
 * worker has not) stays off.
 * Logs go to the worker's console (DevTools: chrome://inspect/#workers), at each client's
 * `logLevel`.
 */
import { createLogger } from '../logger';
import { resolveOptions } from '../resolve-options';
import { mainThreadTicker } from '../transport/ticker';
import type { ChannelPort } from './direct-channel';
import { Engine } from './engine';
import { WorkerHub } from './worker-hub';

interface SharedWorkerScope {
  onconnect: ((event: { ports: ReadonlyArray<ChannelPort & { start?(): void }> }) => void) | null;
  navigator?: { locks?: { request(name: string, callback: () => void): Promise<unknown> } };
}

const scope = globalThis as unknown as SharedWorkerScope;

const hub = new WorkerHub({
  logger: createLogger('warn', 'voxline-worker'),
  createEngine(options, openMedia) {
    const resolved = resolveOptions({ ...options, persistOutbox: false, resumeCalls: false });
    return new Engine({ options: resolved, logger: createLogger(resolved.logLevel, 'voxline-worker'), openMedia, ...(resolved.keepAlive && { tickerFactory: mainThreadTicker }) });
  },
  whenGone(name, gone) {
    scope.navigator?.locks?.request(name, gone).catch(() => undefined);
  },
});

scope.onconnect = (event) => {
  const port = event.ports[0];
  if (!port) return;
  hub.attach(port);
  port.start?.();
};

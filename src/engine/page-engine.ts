/**
 * Where a `Client`'s engine runs, chosen once in its constructor: in a `SharedWorker` (option
 * `sharedWorker`, when the browser has one and the script starts and speaks this protocol
 * version) or in the page (in-page.ts). Until the worker answers `welcome`, what the page sends
 * waits; if the worker cannot be created (other origin), fails to load (wrong URL), refuses this
 * version or stays silent, one warning is logged and the waiting messages go to an in-page engine
 * instead, so the page never sees the switch.
 *
 * A tab holds a Web Lock while it lives; the worker asks for the same lock, which it gets when the
 * tab is gone (closed or crashed), and then detaches the tab (see worker-hub.ts).
 */
import { CancelledError, ConfigurationError } from '../errors';
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import type { ChannelPort } from './direct-channel';
import type { Engine } from './engine';
import { EngineProxy, type EngineProxyHooks } from './engine-proxy';
import { startInPageEngine, type CallHooks } from './in-page';
import { PROTOCOL_VERSION } from './protocol';

/** How long a worker may take to answer the first `hello`, in ms. */
const WORKER_START_TIMEOUT_MS = 5000;

/** The page's engine, wherever it runs. */
export interface PageEngine {
  proxy: EngineProxy;
  /** The engine when it runs in this page, else `null`. */
  readonly local: Engine | null;
  /** True while the engine runs in a SharedWorker. */
  readonly shared: boolean;
  /** The tab is done with the engine (destroy()). */
  close(): void;
}

interface WorkerLike {
  port: ChannelPort & { start?(): void };
  onerror: ((event: unknown) => void) | null;
}
type SharedWorkerConstructor = new (url: string, options: { name: string }) => WorkerLike;
interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
}

/**
 * Starts the engine for `options`: in a SharedWorker when `options.sharedWorker` is set and
 * possible, else in the page. `wireOptions` are the options as the worker gets them.
 */
export function startEngine(options: ResolvedClientOptions, wireOptions: Record<string, unknown>, logger: Logger, hooks: EngineProxyHooks, calls: CallHooks): PageEngine {
  const g = globalThis as { SharedWorker?: SharedWorkerConstructor; navigator?: { locks?: LockManagerLike }; addEventListener?: (type: string, listener: (event: { persisted?: boolean }) => void) => void };
  const url = options.sharedWorker;
  let local: Engine | null = null;
  const inPage = (): ChannelPort => {
    const started = startInPageEngine(options, logger, calls);
    local = started.engine;
    return started.port;
  };
  let worker: WorkerLike | null = null;
  if (url !== null) {
    // No SharedWorker in this browser: the link runs in this page, `shared` says so.
    if (typeof g.SharedWorker === 'function') {
      try {
        worker = new g.SharedWorker(url, { name: 'voxline' });
      } catch (err) {
        logger.warn(refusal(url, `cannot be started here (${(err as Error).message})`));
      }
    }
  }
  if (!worker) {
    const port = inPage();
    const proxy = new EngineProxy(port, hooks, logger.child('engine'), local!.snapshot);
    return { proxy, local, shared: false, close: () => proxy.close() };
  }
  let releaseLock = (): void => undefined;
  const tab = `voxline-tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const locks = g.navigator?.locks;
  const port = new SwitchPort(worker, { options: wireOptions, ...(locks && { tab }) }, (reason) => {
    logger.warn(refusal(url!, reason));
    releaseLock();
    return inPage();
  });
  if (locks) void locks.request(tab, () => new Promise<void>((release) => ((releaseLock = release), port.helloAllowed()))).catch(() => port.helloAllowed());
  else port.helloAllowed();
  const proxy = new EngineProxy(port, hooks, logger.child('engine'), { connectionState: 'idle', registered: false, user: null, server: options.servers[0]!, tabs: 1 });
  const bye = (event: { persisted?: boolean }): void => {
    if (!event.persisted) proxy.close();
  };
  g.addEventListener?.('pagehide', bye);
  const removeListener = (g as { removeEventListener?: (type: string, listener: typeof bye) => void }).removeEventListener;
  return {
    proxy,
    get local() {
      return local;
    },
    get shared() {
      return local === null;
    },
    close() {
      if (port.close()) proxy.refuse('the client was destroyed before its shared worker answered', CancelledError);
      proxy.close();
      releaseLock();
      removeListener?.call(g, 'pagehide', bye);
    },
  };
}

function refusal(url: string, reason: string): string {
  return `${new ConfigurationError('sharedWorker', `${url} ${reason}`).message}; this tab runs its own link in the page (client.shared is false)`;
}

/**
 * The page's port while a worker starts: holds what the page sends until the worker welcomes it
 * (then the worker's port carries everything) or fails (then an in-page engine's port does).
 */
class SwitchPort implements ChannelPort {
  onmessage: ChannelPort['onmessage'] = null;
  private readonly waiting: unknown[] = [];
  private target: ChannelPort | null = null;
  private hello: Record<string, unknown> | null = null;
  private helloReady = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly worker: WorkerLike,
    private readonly helloExtra: Record<string, unknown>,
    private readonly fallback: (reason: string) => ChannelPort,
  ) {
    worker.onerror = () => this.fail('could not be loaded (wrong URL, or not a script?)');
    worker.port.onmessage = ({ data }) => this.probe(data);
    worker.port.start?.();
    this.timer = setTimeout(() => this.fail(`did not answer within ${WORKER_START_TIMEOUT_MS} ms`), WORKER_START_TIMEOUT_MS);
  }

  postMessage(data: unknown): void {
    if (this.target) return this.target.postMessage(data);
    this.waiting.push(data);
    if ((data as { kind?: unknown }).kind === 'hello') {
      this.hello = data as Record<string, unknown>;
      this.sendHello();
    }
  }

  /** The client is destroyed: a worker that has not answered yet is given up without a fallback (true then). */
  close(): boolean {
    if (this.target) return false;
    clearTimeout(this.timer);
    this.worker.onerror = null;
    this.worker.port.onmessage = null;
    this.target = { postMessage: () => undefined, onmessage: null };
    return true;
  }

  /** The tab's Web Lock is held (or there is none): the worker may learn about this tab. */
  helloAllowed(): void {
    this.helloReady = true;
    this.sendHello();
  }

  private sendHello(): void {
    if (this.helloReady && this.hello && !this.target) this.worker.port.postMessage({ ...this.hello, ...this.helloExtra });
  }

  private probe(data: unknown): void {
    const message = data as { voxline?: unknown; kind?: unknown; reason?: unknown } | null;
    if (typeof message !== 'object' || message === null) return;
    if (message.voxline !== PROTOCOL_VERSION) return this.fail(`speaks protocol version ${String(message.voxline)}, this page ${PROTOCOL_VERSION} (serve the voxline.worker.js of this Voxline release)`);
    if (message.kind === 'rejected') return this.fail(String(message.reason));
    if (message.kind !== 'welcome') return;
    const port = this.worker.port;
    port.onmessage = (event) => this.onmessage?.(event);
    this.worker.onerror = null;
    this.use(port, this.waiting.filter((m) => m !== this.hello));
  }

  private fail(reason: string): void {
    if (this.target) return;
    this.worker.onerror = null;
    this.worker.port.onmessage = null;
    this.worker.port.close?.();
    const port = this.fallback(reason);
    port.onmessage = (event) => this.onmessage?.(event);
    this.use(port, this.waiting);
  }

  private use(port: ChannelPort, waiting: unknown[]): void {
    clearTimeout(this.timer);
    this.target = port;
    const queued = [...waiting];
    this.waiting.length = 0;
    for (const data of queued) port.postMessage(data);
  }
}

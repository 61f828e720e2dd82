/**
 * A periodic timer that keeps ticking in background tabs. Browsers throttle main-thread timers
 * in hidden tabs (to once a minute after a while), which would make keep-alive useless there;
 * timers inside a dedicated Worker are not throttled that way. The Worker is built from a Blob
 * (no network fetch, no `eval`); where Workers or Blob URLs are unavailable or refused (strict
 * CSP without `worker-src blob:`), it falls back to `setInterval`. A refusal is remembered for the
 * life of the page, so a CSP-reporting site gets at most one violation report, not one per
 * reconnect; the `keepAlive.worker: false` option skips the Worker altogether.
 */

/** A running periodic timer. */
export interface Ticker {
  /** `worker` when ticks come from a Worker, `main` when from the main thread. */
  readonly kind: 'worker' | 'main';
  stop(): void;
}

/** Creates tickers; injectable so unit tests can use fake timers. */
export type TickerFactory = (intervalMs: number, onTick: () => void) => Ticker;

const WORKER_SOURCE = 'let t;onmessage=e=>{clearInterval(t);if(e.data>0)t=setInterval(()=>postMessage(0),e.data)}';

/** A ticker on the main thread (`setInterval`). */
export function mainThreadTicker(intervalMs: number, onTick: () => void): Ticker {
  const id = setInterval(onTick, intervalMs);
  return { kind: 'main', stop: () => clearInterval(id) };
}

/** Set once a Worker was refused in this page (CSP): later tickers go straight to the main thread. */
let workerRefused = false;

function workerTicker(intervalMs: number, onTick: () => void): Ticker | null {
  const g = globalThis as { Worker?: typeof Worker; Blob?: typeof Blob; URL?: typeof URL };
  if (workerRefused || typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') return null;
  let url: string | null = null;
  try {
    url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new g.Worker(url);
    let fallback: Ticker | null = null;
    let stopped = false;
    worker.onmessage = () => onTick();
    worker.onerror = () => {
      // Refused after creation (e.g. by CSP): continue on the main thread, and never try again.
      workerRefused = true;
      worker.terminate();
      if (!stopped && !fallback) fallback = mainThreadTicker(intervalMs, onTick);
    };
    worker.postMessage(intervalMs);
    const objectUrl = url;
    return {
      get kind() {
        return fallback ? 'main' : 'worker';
      },
      stop() {
        stopped = true;
        worker.terminate();
        fallback?.stop();
        g.URL!.revokeObjectURL(objectUrl);
      },
    } as Ticker;
  } catch {
    workerRefused = true;
    if (url) g.URL.revokeObjectURL(url);
    return null;
  }
}

/** The default factory: a Worker ticker where possible, else the main thread. */
export const defaultTickerFactory: TickerFactory = (intervalMs, onTick) => workerTicker(intervalMs, onTick) ?? mainThreadTicker(intervalMs, onTick);

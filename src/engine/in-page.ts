/**
 * The default mode: the {@link Engine} runs in the page, joined to the page side by a
 * {@link directChannel} (the same protocol messages a SharedWorker engine gets, cloned the same
 * way), so both modes share the code and its tests.
 */
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import { mainThreadTicker } from '../transport/ticker';
import { directChannel, type ChannelPort } from './direct-channel';
import { Engine, type EngineListener } from './engine';
import { serveEngine } from './engine-host';

/** In-page mode: how the page's calls reach the engine's call layer (directly, not through the protocol). */
export type CallHooks = Pick<EngineListener, 'userAgent' | 'callResumed'>;

/** An engine in this page and the page's end of the channel to it. */
export interface InPageEngine {
  engine: Engine;
  port: ChannelPort;
}

/**
 * Starts an engine in the page for `options`. `calls` is the in-page link to the call layer: in
 * this mode the page drives the engine's calls directly (in shared mode they cross the protocol:
 * worker-calls.ts, media-host.ts).
 */
export function startInPageEngine(options: ResolvedClientOptions, logger: Logger, calls: CallHooks): InPageEngine {
  const keepAlive = options.keepAlive;
  const engine = new Engine({ options, logger, ...(keepAlive && !keepAlive.worker && { tickerFactory: mainThreadTicker }) });
  const [pageEnd, engineEnd] = directChannel();
  serveEngine(engine, engineEnd, logger.child('engine'), calls);
  return { engine, port: pageEnd };
}

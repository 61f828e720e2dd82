/**
 * The signalling link: one WebSocket (subprotocol `sip`, RFC 7118) to one of the configured
 * servers, kept alive, watched, and re-opened after any loss.
 *
 * State machine (the single source of truth for `client.connectionState`):
 * ```txt
 *            connect()                 open
 *   idle ───────────────▶ connecting ─────────▶ connected ◀──────────────┐
 *    ▲                     │  every server        │ close / error /        │ open
 *    │                     │  failed (first       │ keep-alive timeout /   │ (event `open`,
 *    │                     │  connect: reject)    │ offline                │  reconnect: true)
 *    │                     ▼                      ▼ (event `lost`, once)   │
 *    │                disconnected ◀──────── disconnected ──timer──▶ connecting
 *    │                                        ▲  │ (event `reconnecting`   │
 *    │                                        │  │  per attempt)           │
 *    │                                        └──┼──── attempt failed ◀────┘
 *    │ disconnect() from any state but closed    │ policy gave up: stays disconnected (event `gaveup`)
 *  dispose() from any state ─▶ closed (terminal)
 * ```
 * A loss is reported once, however many attempts follow. An outage lasts until the layer above
 * confirms the recovery ({@link WebSocketTransport.confirmRecovered}, once registered again):
 * a link that opens and is dropped again (`retryLater()`, or lost before the confirmation) keeps
 * the outage's attempt count and backoff, so a server that accepts sockets but refuses
 * REGISTER is not hammered. One warning is logged per outage; attempts are logged at `debug`.
 * `disconnect()` and `dispose()` close deliberately: no `lost`, no attempts. After an `offline` event, attempts wait for `online` (or
 * {@link OFFLINE_RETRY_MS}, in case the browser's online state is wrong).
 */
import { EventEmitter } from '../emitter';
import { CancelledError, ConnectionError, InvalidStateError, TimeoutError } from '../errors';
import type { Logger } from '../logger';
import { watchBrowserLifecycle } from './connection-monitor';
import { crlfKeepAlive, KeepAlive, type KeepAliveStrategy } from './keep-alive';
import { openSocket, SIP_SUBPROTOCOL, type OpeningSocket } from './open-socket';
import { Outage } from './outage';
import { unwireSocket, wireSocket } from './socket-events';
import type { ReconnectPolicy } from './reconnect-policy';
import { defaultTickerFactory, type TickerFactory } from './ticker';
import type { DisconnectReason, LinkLoss, LinkState, WebSocketFactory, WebSocketLike } from './types';

/** Payload of the `reconnecting` event: one scheduled attempt. */
export interface ReconnectAttempt {
  /** Number of this attempt in the current outage, from 1. */
  attempt: number;
  /** How long until the attempt starts, in ms (0: now). */
  delayMs: number;
  /** URL of the server the attempt will use. */
  server: string;
}

/** Events of {@link WebSocketTransport}. */
export interface TransportEvents {
  statechange: (state: LinkState, previous: LinkState) => void;
  open: (server: string, reconnect: boolean) => void;
  lost: (loss: LinkLoss) => void;
  reconnecting: (attempt: ReconnectAttempt) => void;
  gaveup: (error: ConnectionError) => void;
  message: (message: string) => void;
}

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  servers: readonly string[];
  connectTimeoutMs: number;
  logger: Logger;
  reconnectPolicy: ReconnectPolicy;
  /** `null` turns keep-alive off. */
  keepAlive: { idleMs: number; timeoutMs: number; strategy: KeepAliveStrategy } | null;
  /** Listen to online/offline and page lifecycle events. @defaultValue true */
  watchLifecycle?: boolean;
  /** Injected in unit tests. */
  webSocketFactory?: WebSocketFactory;
  tickerFactory?: TickerFactory;
  now?: () => number;
}

const OPEN = 1;

export class WebSocketTransport extends EventEmitter<TransportEvents> {
  private readonly o: WebSocketTransportOptions;
  private readonly now: () => number;
  private readonly keepAlive: KeepAlive | null;
  private _state: LinkState = 'idle';
  private socket: WebSocketLike | null = null;
  private opening: OpeningSocket | null = null;
  private serverIndex = 0;
  private pendingConnect: Promise<void> | null = null;
  /** Bumped by disconnect()/dispose() so abandoned work notices. */
  private generation = 0;
  /**
   * Set while recovering from a loss, until {@link confirmRecovered}: when it happened, and
   * attempt bookkeeping. It survives a re-opened link that is dropped again before confirmation.
   */
  private outage: Outage | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by the browser's `offline` event, cleared by `online`. */
  private offline = false;
  private unwatch: (() => void) | null = null;
  /** Waiting {@link measureRoundTrip} calls: resolved by the next inbound frame. */
  private readonly roundTrips: Array<() => void> = [];

  constructor(options: WebSocketTransportOptions) {
    super();
    this.o = options;
    this.now = options.now ?? Date.now;
    const ka = options.keepAlive;
    this.keepAlive = ka
      ? new KeepAlive({
          ...ka,
          ticker: options.tickerFactory ?? defaultTickerFactory,
          now: this.now,
          send: (frame) => this.socket?.send(frame),
          onDead: () => this.lose('keepalive-timeout'),
        })
      : null;
  }

  get state(): LinkState {
    return this._state;
  }

  /** URL of the server in use, or the last one used or tried. */
  get server(): string {
    return this.o.servers[this.serverIndex]!;
  }

  /**
   * Opens the link, trying each server once in order from the current one. Resolves when open;
   * rejects with {@link ConnectionError} when all failed. During an outage, attempts now.
   */
  connect(): Promise<void> {
    if (this._state === 'closed') return Promise.reject(new InvalidStateError('connect() called after destroy()'));
    if (this._state === 'connected') return Promise.resolve();
    if (this.pendingConnect) return this.pendingConnect;
    this.startWatching();
    this.clearRetry();
    const generation = this.generation;
    const attempt = this.tryServers(generation).finally(() => {
      if (this.pendingConnect === attempt) this.pendingConnect = null;
    });
    this.pendingConnect = attempt;
    return attempt;
  }

  /** Sends one frame. Rejects with {@link ConnectionError} when the link is not open. */
  send(message: string): Promise<void> {
    const socket = this.socket;
    if (this._state !== 'connected' || !socket || socket.readyState !== OPEN) {
      return Promise.reject(new ConnectionError('cannot send: the signalling link is not connected', this.server));
    }
    try {
      socket.send(message);
    } catch (cause) {
      return Promise.reject(new ConnectionError('WebSocket send failed', this.server, { cause }));
    }
    if (this.o.logger.enabled('debug')) this.o.logger.debug(`sent ${message.length} bytes:\n${message}`);
    return Promise.resolve();
  }

  /** True from a loss until {@link confirmRecovered} (the link may be open again meanwhile). */
  get recovering(): boolean {
    return this.outage !== null;
  }

  /**
   * The layer above has recovered over the re-opened link (registered again): the outage is
   * over, and the next loss starts a new one at attempt 1.
   */
  confirmRecovered(): void {
    if (this._state === 'connected') this.outage = null;
  }

  /**
   * The layer above found the open link unusable (e.g. the server answered 503 with
   * `Retry-After`): drop it and retry per policy, as part of the current outage if there is one.
   */
  retryLater(reason: string, retryAfterMs?: number): void {
    if (this._state !== 'connected') return;
    const log = this.outage ? this.o.logger.debug : this.o.logger.warn;
    log.call(this.o.logger, `dropping the link to ${this.server}: ${reason}`);
    this.closeSocket(4000, 'retry later');
    this.nextServer();
    this.outage ??= new Outage(this.now());
    this.outage.retryAfterMs = retryAfterMs;
    this.outage.lastError = new Error(reason);
    this.setState('disconnected');
    this.scheduleAttempt();
  }

  /**
   * Measures the link's round trip: sends a keep-alive ping and resolves with the ms until the
   * next inbound frame (the pong). Rejects with {@link TimeoutError} after `timeoutMs`, or with
   * {@link ConnectionError} when the link is not open.
   */
  async measureRoundTrip(timeoutMs: number): Promise<number> {
    const started = this.now();
    const answered = new Promise<void>((resolve) => this.roundTrips.push(resolve));
    await this.send((this.o.keepAlive?.strategy ?? crlfKeepAlive).ping());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`no answer to a keep-alive ping within ${timeoutMs} ms`, timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([answered, late]);
      return this.now() - started;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the link deliberately: no `lost`, no attempts. The transport can connect again later. */
  disconnect(): void {
    if (this._state === 'closed') return;
    this.reset();
    this.setState('idle');
  }

  /** Closes the link for good, stops every timer and listener. */
  dispose(): void {
    if (this._state === 'closed') return;
    this.reset();
    this.setState('closed');
    this.removeAllListeners();
  }

  private reset(): void {
    this.generation++;
    this.clearRetry();
    this.closeSocket(1000, 'client disconnect');
    this.pendingConnect = null;
    this.outage = null;
    this.offline = false;
    this.unwatch?.();
    this.unwatch = null;
  }

  private async tryServers(generation: number): Promise<void> {
    const errors: string[] = [];
    const n = this.o.servers.length;
    for (let i = 0; i < n && generation === this.generation; i++) {
      try {
        await this.attempt(generation);
        return;
      } catch (err) {
        if (generation !== this.generation) break;
        errors.push(`${this.server}: ${(err as Error).message}`);
        this.nextServer();
      }
    }
    if (generation !== this.generation) throw new CancelledError('connecting was cancelled by disconnect(), logout() or destroy()');
    this.setState('disconnected');
    // connect() called during an outage: keep recovering on schedule.
    if (this.outage) this.scheduleAttempt();
    throw new ConnectionError(`could not connect to any server (${errors.join('; ')})`, this.server);
  }

  /** One attempt on the current server; adopts the socket on success. */
  private async attempt(generation: number): Promise<void> {
    const url = this.server;
    this.setState('connecting');
    const opening = openSocket(url, this.o.connectTimeoutMs, this.o.webSocketFactory);
    this.opening = opening;
    try {
      const socket = await opening.promise;
      if (generation !== this.generation) {
        socket.close();
        throw new CancelledError('cancelled');
      }
      this.adopt(socket, url);
    } catch (err) {
      if (generation === this.generation) {
        // The first connect warns; attempts during an outage are routine (one warning per outage).
        const message = `could not connect to ${url}: ${(err as Error).message}`;
        if (this.outage) this.o.logger.debug(message);
        else this.o.logger.warn(message);
      }
      throw err;
    } finally {
      if (this.opening === opening) this.opening = null;
    }
  }

  private adopt(socket: WebSocketLike, url: string): void {
    this.socket = socket;
    if (socket.protocol !== SIP_SUBPROTOCOL) {
      this.o.logger.warn(`server ${url} did not select the "sip" WebSocket subprotocol (got "${socket.protocol}")`);
    }
    wireSocket(socket, {
      frame: (text) => this.receive(text),
      unsupported: () => this.o.logger.warn('dropped a WebSocket frame of unsupported type'),
      lost: (reason, code) => socket === this.socket && this.lose(reason, code),
    });
    const reconnect = this.outage !== null;
    this.o.logger.info(`${reconnect ? 'reconnected' : 'connected'} to ${url}`);
    this.keepAlive?.start();
    this.setState('connected');
    this.emit('open', url, reconnect);
  }

  private receive(text: string): void {
    this.keepAlive?.activity();
    for (const waiter of this.roundTrips.splice(0)) waiter();
    if (this.o.keepAlive?.strategy.isPong(text)) return;
    if (this.o.logger.enabled('debug')) this.o.logger.debug(`received ${text.length} bytes:\n${text}`);
    this.emit('message', text);
  }

  /** An open link is gone: report it once and start recovering. */
  private lose(reason: DisconnectReason, code?: number): void {
    if (this._state !== 'connected') return;
    this.closeSocket(reason === 'keepalive-timeout' ? 4001 : undefined, reason);
    const loss: LinkLoss = { reason, server: this.server, at: this.now() };
    if (code !== undefined) loss.code = code;
    const message = `lost the link to ${loss.server} (${reason}${code !== undefined ? `, code ${code}` : ''})`;
    // Lost again before the last outage was confirmed over: the same outage goes on.
    if (this.outage) this.o.logger.debug(message);
    else this.o.logger.warn(message);
    this.outage ??= new Outage(loss.at);
    this.setState('disconnected');
    this.emit('lost', loss);
    // A `lost` listener may have disconnected or disposed the transport.
    if ((this._state as LinkState) === 'disconnected') this.scheduleAttempt();
  }

  private scheduleAttempt(): void {
    const outage = this.outage;
    if (!outage || this._state === 'closed') return;
    const delay = outage.nextDelay(this.o.reconnectPolicy, this.now(), this.server, this.offline, (err) => this.o.logger.error(`reconnect policy threw: ${err.message}`));
    if (delay === null) {
      const error = new ConnectionError(`gave up reconnecting after ${outage.attempt - 1} attempt(s)`, this.server, { cause: outage.lastError });
      this.o.logger.error(error.message);
      this.outage = null;
      this.emit('gaveup', error);
      return;
    }
    this.emit('reconnecting', { attempt: outage.attempt, delayMs: delay, server: this.server });
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.attempt(generation).catch((err: Error) => {
        if (generation !== this.generation || !this.outage) return;
        this.outage.lastError = err;
        this.nextServer();
        this.setState('disconnected');
        this.scheduleAttempt();
      });
    }, delay);
  }

  /** Fail over: the next server in order, wrapping around. */
  private nextServer(): void {
    this.serverIndex = (this.serverIndex + 1) % this.o.servers.length;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private startWatching(): void {
    if (this.unwatch || this.o.watchLifecycle === false) return;
    this.unwatch = watchBrowserLifecycle({
      offline: () => {
        this.offline = true;
        this.lose('offline');
      },
      online: () => {
        this.offline = false;
        if (this.retryTimer === null || !this.outage) return;
        // Network is back: retry now rather than at the next scheduled time.
        this.clearRetry();
        this.outage.attempt = 0;
        this.scheduleAttempt();
      },
      check: () => this.keepAlive?.checkNow(),
    });
  }

  private closeSocket(code?: number, reason?: string): void {
    this.opening?.cancel();
    this.opening = null;
    this.keepAlive?.stop();
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    unwireSocket(socket);
    try {
      socket.close(code ?? 1000, reason);
    } catch {
      // already closed
    }
  }

  private setState(state: LinkState): void {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this.emit('statechange', state, previous);
  }
}

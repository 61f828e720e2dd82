/**
 * The signalling link: one WebSocket (subprotocol `sip`, RFC 7118) to one of the configured
 * servers, tried in order.
 *
 * State machine (the only source of truth for `client.connectionState`):
 * ```txt
 *             connect()                  open
 *   idle ─────────────────▶ connecting ─────────▶ connected
 *    ▲                         │  ▲                  │
 *    │ disconnect()            │  │ connect()        │ socket closed / error
 *    │ (from any state         │  │                  ▼
 *    │  but closed)            └──┴──────────── disconnected
 *    │                  every server failed
 *  dispose() from any state ─▶ closed (terminal)
 * ```
 * Events: `open` when a socket opens, `lost` once when an open socket is lost unexpectedly
 * (never for `disconnect()`/`dispose()`), `message` per received SIP message, and
 * `statechange` on every real state transition.
 */
import { EventEmitter } from 'eventemitter3';
import { ConnectionError, InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import type { ConnectionState, DisconnectReason, LinkLoss, WebSocketFactory, WebSocketLike } from './types';

/** Events of {@link WebSocketTransport}. */
export interface TransportEvents {
  statechange: (state: ConnectionState, previous: ConnectionState) => void;
  open: (server: string) => void;
  lost: (loss: LinkLoss) => void;
  message: (message: string) => void;
}

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  servers: readonly string[];
  connectTimeoutMs: number;
  logger: Logger;
  /** Injected in unit tests; defaults to the global `WebSocket`. */
  webSocketFactory?: WebSocketFactory;
}

const OPEN = 1;
const SUBPROTOCOL = 'sip';

function defaultFactory(url: string, protocol: string): WebSocketLike {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocol: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new ConnectionError('WebSocket is not available in this environment', url);
  return new Ctor(url, protocol);
}

export class WebSocketTransport extends EventEmitter<TransportEvents> {
  private readonly servers: readonly string[];
  private readonly connectTimeoutMs: number;
  private readonly logger: Logger;
  private readonly factory: WebSocketFactory;
  private _state: ConnectionState = 'idle';
  private socket: WebSocketLike | null = null;
  private serverIndex = 0;
  private pendingConnect: Promise<void> | null = null;
  /** Rejects the socket being opened, if any. */
  private cancelOpen: (() => void) | null = null;
  /** Bumped on every disconnect/dispose so stale attempts notice they were abandoned. */
  private generation = 0;
  private readonly decoder = typeof TextDecoder === 'function' ? new TextDecoder() : null;

  constructor(options: WebSocketTransportOptions) {
    super();
    this.servers = options.servers;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.logger = options.logger;
    this.factory = options.webSocketFactory ?? defaultFactory;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** URL of the server in use, or the last one used or tried. */
  get server(): string {
    return this.servers[this.serverIndex]!;
  }

  /**
   * Opens the link, trying each server once in order starting with the current one.
   * Resolves when a socket is open; rejects with {@link ConnectionError} when all failed.
   */
  connect(): Promise<void> {
    if (this._state === 'closed') return Promise.reject(new InvalidStateError('connect() called after destroy()'));
    if (this._state === 'connected') return Promise.resolve();
    if (this.pendingConnect) return this.pendingConnect;
    const generation = this.generation;
    this.setState('connecting');
    const attempt = this.tryServers(generation).finally(() => {
      if (this.pendingConnect === attempt) this.pendingConnect = null;
    });
    this.pendingConnect = attempt;
    return attempt;
  }

  /** Sends one SIP message. Rejects with {@link ConnectionError} when the link is not open. */
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
    if (this.logger.enabled('debug')) this.logger.debug(`sent ${message.length} bytes:\n${message}`);
    return Promise.resolve();
  }

  /** Closes the link deliberately: no `lost` event. The transport can connect again later. */
  disconnect(): void {
    if (this._state === 'closed') return;
    this.generation++;
    this.closeSocket(1000, 'client disconnect');
    this.pendingConnect = null;
    this.setState('idle');
  }

  /** Closes the link for good and removes every listener. */
  dispose(): void {
    if (this._state === 'closed') return;
    this.generation++;
    this.closeSocket(1000, 'client destroyed');
    this.pendingConnect = null;
    this.setState('closed');
    this.removeAllListeners();
  }

  private async tryServers(generation: number): Promise<void> {
    const errors: string[] = [];
    for (let i = 0; i < this.servers.length; i++) {
      if (generation !== this.generation) throw new ConnectionError('connect() was cancelled', this.server);
      const index = (this.serverIndex + i) % this.servers.length;
      const url = this.servers[index]!;
      try {
        const socket = await this.open(url, generation);
        this.serverIndex = index;
        this.adopt(socket, url, generation);
        return;
      } catch (err) {
        errors.push(`${url}: ${(err as Error).message}`);
        this.logger.warn(`could not connect to ${url}: ${(err as Error).message}`);
      }
    }
    if (generation === this.generation) this.setState('disconnected');
    throw new ConnectionError(`could not connect to any server (${errors.join('; ')})`, this.server);
  }

  /** Opens one socket; resolves when open, rejects on error, close or timeout. */
  private open(url: string, generation: number): Promise<WebSocketLike> {
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = this.factory(url, SUBPROTOCOL);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.socket = socket;
      const timer = setTimeout(() => fail(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.cancelOpen = null;
        socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
        if (this.socket === socket) this.socket = null;
        try {
          socket.close();
        } catch {
          // already closing
        }
        reject(error);
      };
      this.cancelOpen = () => fail(new Error('cancelled'));
      socket.onopen = () => {
        clearTimeout(timer);
        this.cancelOpen = null;
        if (generation !== this.generation) {
          fail(new Error('cancelled'));
          return;
        }
        resolve(socket);
      };
      socket.onerror = () => fail(new Error('WebSocket error'));
      socket.onclose = (ev) => fail(new Error(`closed with code ${ev.code}`));
    });
  }

  /** Wires an open socket in as the link. */
  private adopt(socket: WebSocketLike, url: string, generation: number): void {
    socket.binaryType = 'arraybuffer';
    if (socket.protocol !== SUBPROTOCOL) {
      this.logger.warn(`server ${url} did not select the "sip" WebSocket subprotocol (got "${socket.protocol}")`);
    }
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => this.lose(socket, generation, 'error');
    socket.onclose = (ev) => this.lose(socket, generation, ev.code === 1001 ? 'server-shutdown' : 'closed', ev.code);
    this.logger.info(`connected to ${url}`);
    this.setState('connected');
    this.emit('open', url);
  }

  private receive(data: unknown): void {
    let text: string;
    if (typeof data === 'string') text = data;
    else if (data instanceof ArrayBuffer && this.decoder) text = this.decoder.decode(data);
    else {
      this.logger.warn('dropped a WebSocket frame of unsupported type');
      return;
    }
    if (this.logger.enabled('debug')) this.logger.debug(`received ${text.length} bytes:\n${text}`);
    this.emit('message', text);
  }

  private lose(socket: WebSocketLike, generation: number, reason: DisconnectReason, code?: number): void {
    if (socket !== this.socket || generation !== this.generation || this._state !== 'connected') return;
    this.closeSocket();
    const loss: LinkLoss = { reason, server: this.server, at: Date.now() };
    if (code !== undefined) loss.code = code;
    this.logger.warn(`lost the link to ${loss.server} (${reason}${code !== undefined ? `, code ${code}` : ''})`);
    this.setState('disconnected');
    this.emit('lost', loss);
  }

  private closeSocket(code?: number, reason?: string): void {
    this.cancelOpen?.();
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
    try {
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  private setState(state: ConnectionState): void {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this.emit('statechange', state, previous);
  }
}

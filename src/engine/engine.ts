/**
 * The *engine*: everything about one SIP identity that needs no page. It owns the WebSocket link
 * (keep-alive, reconnect policy), the {@link ConnectionReporter} (the one source of the
 * `connectionchange` events), the {@link SipUserAgent} (registration, dialogs, outbox), and
 * answers the page's {@link EngineCommand}s. It runs in the page (default; served by
 * in-page.ts over a direct channel) or in a SharedWorker shared by the tabs of an app (#16).
 *
 * ```txt
 *   page side (every tab)                │ engine (one per link)
 *   Client ── EngineCommand ──▶ ─────────┼──▶ Engine ── WebSocketTransport ── WebSocket ─▶ server
 *   Call, <audio>, getUserMedia,         │      ├─ ConnectionReporter (connectionchange)
 *   RTCPeerConnection (src/media)        │      └─ SipUserAgent: Registration, Messaging/outbox,
 *          ◀── events, replies, state ◀──┼───────                CallManager (calls, on the core)
 * ```
 * The engine reports through an {@link EngineListener}: a forwarded client event (by name, see
 * protocol.ts) or a change of its {@link EngineSnapshot} that no event carries.
 */
import { Grammar } from 'sip.js';
import { AuthenticationError, CancelledError, InvalidStateError, SipError, TimeoutError } from '../errors';
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import { ConnectionReporter, type RefreshOutcome } from './connection-reporter';
import type { MessageReceipt } from '../sip/messaging';
import type { CallSession } from '../sip/call-session';
import type { CallMediaOpener } from '../sip/calls';
import { SipUserAgent } from '../sip/user-agent';
import type { TickerFactory } from '../transport/ticker';
import { WebSocketTransport } from '../transport/websocket-transport';
import type { EngineCommand, EngineSnapshot, ForwardedClientEvent } from './protocol';

/** What the engine tells its owner. */
export interface EngineListener {
  /** A client event, to deliver to the page(s) as it is. */
  event(name: ForwardedClientEvent, payload?: unknown): void;
  /** The {@link EngineSnapshot} moved without an event (e.g. the link started connecting). */
  changed(): void;
  /** A new user agent, before it registers (the page, or the worker's hub, attaches its calls to it). */
  userAgent?(ua: SipUserAgent): void;
  /** In-page mode only: a call of the previous page of this tab is back (`resumeCalls`). */
  callResumed?(ua: SipUserAgent, session: CallSession): void;
}

/** Options of an {@link Engine}. */
export interface EngineOptions {
  options: ResolvedClientOptions;
  logger: Logger;
  /** Where keep-alive ticks come from (the page: main thread unless a Worker ticker is wanted). */
  tickerFactory?: TickerFactory;
  /** Shared mode: calls' media is opened in the tabs (worker-calls.ts), not here. */
  openMedia?: CallMediaOpener;
}

/** Rejects with the signal's reason as soon as it aborts; otherwise settles as `promise` does. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

/** One SIP identity's link and user agent (see the file's doc comment). */
export class Engine {
  private readonly options: ResolvedClientOptions;
  private readonly logger: Logger;
  readonly link: WebSocketTransport;
  private readonly reporter: ConnectionReporter;
  private ua: SipUserAgent | null = null;
  /** Set while login() runs; aborting it cancels the login. */
  private loginAbort: AbortController | null = null;
  private destroyed = false;
  private readonly listeners = new Set<EngineListener>();
  private readonly openMedia: CallMediaOpener | undefined;

  constructor({ options, logger, tickerFactory, openMedia }: EngineOptions) {
    this.options = options;
    this.openMedia = openMedia;
    this.logger = logger;
    const keepAlive = options.keepAlive;
    this.link = new WebSocketTransport({
      servers: options.servers,
      connectTimeoutMs: options.connectTimeoutMs,
      logger: logger.child('transport'),
      reconnectPolicy: options.reconnectPolicy,
      keepAlive,
      ...(keepAlive && tickerFactory && { tickerFactory }),
    });
    this.reporter = new ConnectionReporter(this.link, {
      loggedIn: () => this.ua !== null,
      refresh: () => this.refreshRegistration(),
      resumed: () => {
        this.ua?.messaging.setReady(true);
        this.ua?.calls.refreshAll();
      },
      paused: () => {
        this.ua?.messaging.setReady(false);
        this.ua?.calls.pauseAll();
      },
      emit: (change) => this.emit('connectionchange', change),
    });
    this.link.on('statechange', () => this.changed());
    this.link.on('reconnecting', (attempt) => this.emit('reconnecting', attempt));
    this.link.on('gaveup', (error) => this.emit('error', error));
  }

  /** Adds a listener; returns its removal. */
  listen(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the page's getters show. */
  get snapshot(): EngineSnapshot {
    return { connectionState: this.reporter.state, registered: this.ua?.registered ?? false, user: this.ua ? this.ua.user : null, server: this.link.server, tabs: 1 };
  }

  /** The logged-in user agent (in-page mode: the page's calls run on it), or `null`. */
  get userAgent(): SipUserAgent | null {
    return this.ua;
  }

  /** True while a login() runs. */
  get loggingIn(): boolean {
    return this.loginAbort !== null;
  }

  /** Runs one command of the page; resolves with its reply value. */
  run(command: EngineCommand): Promise<unknown> {
    switch (command.op) {
      case 'connect':
        return this.connect();
      case 'login':
        return this.login(command.user, command.password);
      case 'cancel-login':
        this.loginAbort?.abort(new CancelledError(command.reason));
        return Promise.resolve();
      case 'logout':
        return this.logout();
      case 'send-message':
        return this.sendMessage(command.target, command.body, command.contentType, command.id);
      case 'round-trip':
        return this.link.measureRoundTrip(command.timeoutMs);
      case 'destroy':
        this.destroy();
        return Promise.resolve();
      default:
        // `call`, `call-op`: a SharedWorker's hub runs them (worker-calls.ts); an in-page client calls directly.
        return Promise.reject(new InvalidStateError(`${command.op} is for a shared engine`));
    }
  }

  private async connect(): Promise<void> {
    await this.link.connect();
  }

  private async login(user: string, password: string): Promise<void> {
    const abort = new AbortController();
    this.loginAbort = abort;
    const openedHere = this.link.state !== 'connected';
    let ua: SipUserAgent | null = null;
    try {
      await untilAborted(this.link.connect(), abort.signal);
      ua = this.createUserAgent(user, password);
      await untilAborted(ua.start(), abort.signal);
      await untilAborted(ua.register(), abort.signal);
      this.ua = ua;
      // What the previous page of this tab left: waiting messages, calls (in-page mode: `callresumed`).
      const agent = ua;
      agent.keepAcrossReloads(this.options, this.logger, (session) => {
        for (const listener of [...this.listeners]) listener.callResumed?.(agent, session);
      });
      ua.messaging.setReady(this.reporter.usable);
      this.logger.info(`logged in as ${user}@${this.options.domain}`);
    } catch (err) {
      // Cleanup must not hold the rejection back (stopping may wait for the network).
      if (ua) void ua.stop().catch(() => undefined);
      if (openedHere && !this.destroyed && this.loginAbort === abort) this.link.disconnect();
      throw abort.signal.aborted ? (abort.signal.reason as CancelledError) : err;
    } finally {
      if (this.loginAbort === abort) this.loginAbort = null;
    }
  }

  private sendMessage(target: string, body: string, contentType: string, id: string | undefined): Promise<MessageReceipt> {
    if (!this.ua) return Promise.reject(new InvalidStateError('sendMessage() called before login(); log in first'));
    const uri = Grammar.URIParse(target);
    if (!uri) return Promise.reject(new TypeError(`sendMessage(target, body): "target" ${target} is not a SIP URI`));
    return this.ua.messaging.send(uri, body, contentType, id);
  }

  private async logout(): Promise<void> {
    if (this.destroyed) return;
    this.loginAbort?.abort(new CancelledError('login() was cancelled by logout()'));
    const ua = this.ua;
    this.ua = null;
    if (ua) {
      if (this.link.state === 'connected') await ua.unregister();
      await ua.stop();
    }
    if (!this.destroyed) this.link.disconnect();
    this.reporter.reset();
    this.changed();
  }

  /** Frees everything at once: ends calls, closes the link, stops every timer. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.loginAbort?.abort(new CancelledError('login() was cancelled by destroy()'));
    this.reporter.reset();
    const ua = this.ua;
    this.ua = null;
    ua?.messaging.release(); // what waits stays in sessionStorage for the tab's next login()
    if (ua) void ua.stop();
    this.link.dispose();
    this.listeners.clear();
  }

  private createUserAgent(user: string, password: string): SipUserAgent {
    const ua = new SipUserAgent({ options: this.options, link: this.link, logger: this.logger.child('sip'), user, password, ...(this.openMedia && { openMedia: this.openMedia }) });
    ua.on('registered', () => this.emit('registered'));
    ua.on('unregistered', () => this.emit('unregistered'));
    ua.on('message', (message) => this.emit('message', message));
    ua.messaging.onStatus = (status) => this.emit('messagestatus', status);
    for (const listener of this.listeners) listener.userAgent?.(ua);
    return ua;
  }

  /**
   * Registers again on a re-opened link. `retry` when the link was handed back to the transport
   * to try later (server busy, no answer; the outage and its backoff go on) or the login ended;
   * `done` when registered, or when the credentials were refused (that ends the login and is
   * reported as an `error`).
   */
  private async refreshRegistration(): Promise<RefreshOutcome> {
    const ua = this.ua;
    if (!ua) return 'done';
    try {
      await ua.register();
      return this.ua === ua ? 'done' : 'retry';
    } catch (err) {
      if (this.ua !== ua || this.link.state !== 'connected') return 'retry';
      if (err instanceof AuthenticationError) {
        this.logger.error(`re-registration refused: ${err.message}; logged out`);
        this.ua = null;
        void ua.stop();
        this.emit('error', err);
        return 'done';
      }
      const retryAfter = err instanceof SipError ? err.retryAfterMs : undefined;
      const reason = err instanceof SipError || err instanceof TimeoutError ? err.message : String(err);
      this.link.retryLater(`re-registration failed (${reason})`, retryAfter);
      return 'retry';
    }
  }

  private emit(name: ForwardedClientEvent, payload?: unknown): void {
    for (const listener of [...this.listeners]) listener.event(name, payload);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener.changed();
  }
}

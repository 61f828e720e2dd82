/**
 * The public {@link Client}: one SIP identity on one signalling link.
 *
 * `connectionchange` is derived here from the transport's link events and the registration:
 * ```txt
 *            link open (first)                 link lost
 *   (none) ─────────────────────▶ connected ─────────────────▶ disconnected
 *                                     ▲                          │  (further losses and failed
 *                                     │                          │   attempts: no event)
 *                                     │ reconnected ◀────────────┘
 *                                     │ (link open again, and REGISTER refreshed if logged in)
 * ```
 */
import { AuthenticationError, InvalidStateError, SipError, TimeoutError } from '../errors';
import { createLogger, type Logger } from '../logger';
import { resolveOptions, type ClientOptions, type ResolvedClientOptions } from '../options';
import type { CallSession } from '../sip/call-session';
import { parseTarget } from '../sip/targets';
import { SipUserAgent } from '../sip/user-agent';
import type { ConnectionState, LinkLoss } from '../transport/types';
import { WebSocketTransport } from '../transport/websocket-transport';
import { Call, type AnswerOptions } from './call';
import type { ClientEvents, ConnectionChange, ConnectionChangeState } from './events';
import { SafeEmitter } from './safe-emitter';

/** Options of {@link Client.call}. */
export interface CallOptions {
  /** Extra SIP headers for the INVITE, e.g. `{ 'X-Ticket': '1234' }`. */
  headers?: Record<string, string>;
  /** Microphone constraints, or your own `MediaStream` to send. @defaultValue `true` (default microphone) */
  audio?: AnswerOptions['audio'];
  /** Play the remote audio through an `<audio>` element the SDK manages. @defaultValue `true` */
  playRemoteAudio?: boolean;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const RESERVED_HEADERS = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'content-length', 'content-type', 'route', 'record-route', 'authorization', 'proxy-authorization']);

function validateHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw new TypeError('call(target, options): "options.headers" must be an object of header names to string values');
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`call(target, options): header name "${name}" is not a valid SIP header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new TypeError(`call(target, options): header "${name}" is managed by the SDK and cannot be set`);
    if (typeof value !== 'string' || /[\r\n]/.test(value)) throw new TypeError(`call(target, options): header "${name}" must be a single-line string`);
  }
  return headers as Record<string, string>;
}

const USER_NAME = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;

/**
 * A Voxline client: connects to a SIP-over-WebSocket server, logs a user in (SIP REGISTER),
 * keeps the link alive and re-opens it after any loss, and tells the application about every
 * connection change exactly once.
 *
 * @example
 * ```ts
 * import { Client } from 'voxline';
 *
 * const client = new Client({ servers: ['wss://sip.example.com'], domain: 'example.com' });
 * client.on('connectionchange', (e) => console.log(e.state, e.reason ?? ''));
 * await client.login('alice', 'secret');   // resolves once registered
 * console.log(client.registered);          // true
 * await client.logout();
 * client.destroy();
 * ```
 */
export class Client extends SafeEmitter<ClientEvents> {
  private readonly options: ResolvedClientOptions;
  private readonly logger: Logger;
  private readonly link: WebSocketTransport;
  private ua: SipUserAgent | null = null;
  private readonly liveCalls = new Map<CallSession, Call>();
  private loginInProgress = false;
  private destroyed = false;
  private lastChange: ConnectionChangeState | null = null;
  /** Set while the application has been told `disconnected` and not yet `reconnected`. */
  private downSince: number | null = null;
  /** Bumped on every loss, so a recovery overtaken by a newer loss gives up quietly. */
  private recoveryEpoch = 0;

  /**
   * @param options - see {@link ClientOptions}; validated here, before anything else happens.
   * @throws {@link ConfigurationError} naming the first bad option.
   */
  constructor(options: ClientOptions) {
    const resolved = resolveOptions(options);
    const logger = createLogger(resolved.logLevel, 'client');
    super(logger);
    this.options = resolved;
    this.logger = logger;
    this.link = new WebSocketTransport({
      servers: this.options.servers,
      connectTimeoutMs: this.options.connectTimeoutMs,
      logger: this.logger.child('transport'),
      reconnectPolicy: this.options.reconnectPolicy,
      keepAlive: this.options.keepAlive,
    });
    this.link.on('open', (server, reconnect) => void this.onLinkOpen(server, reconnect));
    this.link.on('lost', (loss) => this.onLinkLost(loss));
    this.link.on('reconnecting', (attempt) => this.safeEmit('reconnecting', attempt));
    this.link.on('gaveup', (error) => this.safeEmit('error', error));
  }

  /** State of the signalling link: `idle`, `connecting`, `connected`, `disconnected` or `closed`. */
  get connectionState(): ConnectionState {
    return this.link.state;
  }

  /** True while the user is registered with the server. */
  get registered(): boolean {
    return this.ua?.registered ?? false;
  }

  /** The logged-in user name, or `null`. */
  get user(): string | null {
    return this.ua ? (this.ua.userAgent.configuration.uri.user ?? null) : null;
  }

  /** URL of the server in use (or last used). */
  get server(): string {
    return this.link.server;
  }

  /**
   * Opens the signalling link without logging in. Optional: {@link Client.login} connects when needed.
   * @throws {@link ConnectionError} when no server could be reached.
   */
  async connect(): Promise<void> {
    this.assertAlive('connect');
    await this.link.connect();
  }

  /**
   * Connects if needed and registers `user` with `password`. Resolves once registered.
   *
   * @throws `TypeError` when `user` or `password` is not a usable string.
   * @throws {@link InvalidStateError} when already logged in or a login is in progress.
   * @throws {@link ConnectionError} when no server could be reached.
   * @throws {@link AuthenticationError} when the server refuses the credentials.
   * @throws {@link SipError} / {@link TimeoutError} for other registration failures.
   */
  async login(user: string, password: string): Promise<void> {
    this.assertAlive('login');
    if (typeof user !== 'string' || !USER_NAME.test(user)) {
      throw new TypeError('login(user, password): "user" must be a non-empty SIP user name such as "alice"');
    }
    if (typeof password !== 'string') {
      throw new TypeError('login(user, password): "password" must be a string');
    }
    if (this.ua || this.loginInProgress) {
      throw new InvalidStateError(`login() called while ${this.ua ? `logged in as "${this.user}"` : 'a login is in progress'}; call logout() first`);
    }
    this.loginInProgress = true;
    this.logger.addSecret(password);
    const openedHere = this.link.state !== 'connected';
    let ua: SipUserAgent | null = null;
    try {
      await this.link.connect();
      this.assertAlive('login');
      ua = new SipUserAgent({ options: this.options, link: this.link, logger: this.logger.child('sip'), user, password });
      ua.on('registered', () => this.safeEmit('registered'));
      ua.on('unregistered', () => this.safeEmit('unregistered'));
      ua.on('message', (message) => this.safeEmit('message', message));
      const sipUa = ua;
      ua.calls.on('incoming', (session) => this.safeEmit('incomingcall', this.wrap(sipUa, session)));
      ua.calls.on('transferred', (from, next) => {
        const newCall = this.wrap(sipUa, next);
        this.liveCalls.get(from)?._transferred(newCall);
      });
      await ua.start();
      await ua.register();
      this.assertAlive('login');
      this.ua = ua;
      ua.messaging.setReady(this.downSince === null && this.link.state === 'connected');
      this.logger.info(`logged in as ${user}@${this.options.domain}`);
    } catch (err) {
      if (ua) await ua.stop();
      if (openedHere && !this.destroyed) this.link.disconnect();
      this.logger.removeSecret(password);
      throw err;
    } finally {
      this.loginInProgress = false;
    }
  }

  /**
   * Sends a text message (SIP MESSAGE). Resolves when the server or the recipient accepted it
   * (2xx). While the link is down the message waits in an outbox and is sent, in order, once the
   * link is back; if that takes longer than `messageTimeoutMs` the promise rejects with
   * {@link TimeoutError}. Every promise settles exactly once; nothing is dropped silently.
   *
   * @param target - `'bob'`, `'bob@example.com'` or `'sip:bob@example.com'`
   * @param body - the text; must not be empty
   * @param options - `contentType`, default `text/plain;charset=utf-8`
   * @throws `TypeError` naming the bad argument, before anything is sent.
   * @throws {@link InvalidStateError} when not logged in.
   * @throws {@link SipError} with the status, e.g. 404 for an unknown user.
   * @example
   * ```ts
   * await client.sendMessage('bob', 'Running late, 5 min');
   * ```
   */
  async sendMessage(target: string, body: string, options: { contentType?: string } = {}): Promise<void> {
    this.assertAlive('sendMessage');
    const uri = parseTarget(target, this.options.domain, 'sendMessage(target, body): "target"');
    if (typeof body !== 'string' || body.length === 0) {
      throw new TypeError('sendMessage(target, body): "body" must be a non-empty string');
    }
    const contentType = options?.contentType ?? 'text/plain;charset=utf-8';
    if (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(contentType)) {
      throw new TypeError(`sendMessage(target, body, options): "options.contentType" must be a media type such as text/plain, got ${String(contentType)}`);
    }
    if (!this.ua) throw new InvalidStateError('sendMessage() called before login(); log in first');
    await this.ua.messaging.send(uri, body, contentType);
  }

  /**
   * Calls `target`: opens the microphone, then sends the INVITE. Resolves with the {@link Call}
   * once the INVITE is sent; follow it with the call's events (`ringing`, `answered`, `ended`).
   *
   * @param target - `'bob'`, `'bob@example.com'` or `'sip:bob@example.com'`
   * @throws `TypeError` naming a bad argument, before anything is sent.
   * @throws {@link InvalidStateError} when not logged in.
   * @throws {@link MediaError} when the microphone cannot be used (permission denied, no device).
   * @example
   * ```ts
   * const call = await client.call('bob');
   * call.on('answered', () => console.log('talking to', call.remote.user));
   * call.on('ended', ({ reason }) => console.log('ended:', reason));
   * ```
   */
  async call(target: string, options: CallOptions = {}): Promise<Call> {
    this.assertAlive('call');
    const uri = parseTarget(target, this.options.domain, 'call(target)');
    if (typeof options !== 'object' || options === null) throw new TypeError('call(target, options): "options" must be an object');
    const headers = validateHeaders(options.headers);
    if (options.audio !== undefined && typeof options.audio !== 'object') throw new TypeError('call(target, options): "options.audio" must be MediaTrackConstraints or a MediaStream');
    const ua = this.ua;
    if (!ua) throw new InvalidStateError('call() called before login(); log in first');
    const media: { audio?: AnswerOptions['audio']; playRemoteAudio: boolean } = { playRemoteAudio: options.playRemoteAudio ?? true };
    if (options.audio !== undefined) media.audio = options.audio;
    const session = await ua.calls.place(uri, headers, media);
    return this.wrap(ua, session);
  }

  /** Calls in progress (not ended). */
  get calls(): Call[] {
    return [...this.liveCalls.values()];
  }

  private wrap(ua: SipUserAgent, session: CallSession): Call {
    const call = new Call(session, ua.calls, this.logger.child('call'), this.options.domain);
    this.liveCalls.set(session, call);
    session.once('ended', () => this.liveCalls.delete(session));
    return call;
  }

  /** Unregisters and closes the link deliberately (no `disconnected` event). Safe to call when logged out. */
  async logout(): Promise<void> {
    if (this.destroyed) return;
    const ua = this.ua;
    this.ua = null;
    if (ua) {
      if (this.link.state === 'connected') await ua.unregister();
      await ua.stop();
    }
    if (!this.destroyed) this.link.disconnect();
    this.lastChange = null;
    this.downSince = null;
    this.recoveryEpoch++;
  }

  /** Frees everything at once: closes the link, stops timers, removes every listener. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.recoveryEpoch++;
    const ua = this.ua;
    this.ua = null;
    if (ua) void ua.stop();
    this.link.dispose();
    this.removeAllListeners();
  }

  private async onLinkOpen(server: string, reconnect: boolean): Promise<void> {
    if (this.downSince === null) {
      if (this.lastChange === null) this.emitChange({ state: 'connected', previous: null, server, at: Date.now() });
      else if (reconnect && this.ua) await this.refreshRegistration(this.recoveryEpoch);
      return;
    }
    const epoch = this.recoveryEpoch;
    if (this.ua && !(await this.refreshRegistration(epoch))) return;
    if (epoch !== this.recoveryEpoch || this.link.state !== 'connected' || this.downSince === null) return;
    const at = Date.now();
    const downtimeMs = at - this.downSince;
    this.downSince = null;
    this.ua?.messaging.setReady(true);
    this.ua?.calls.refreshAll();
    this.emitChange({ state: 'reconnected', previous: this.lastChange, server, at, downtimeMs });
  }

  /**
   * Registers again on a re-opened link. Returns false when the link was dropped to retry later
   * (server busy, no answer) or the recovery was overtaken; true when done (or when the
   * credentials were refused, which ends the login and is reported as an `error`).
   */
  private async refreshRegistration(epoch: number): Promise<boolean> {
    const ua = this.ua;
    if (!ua) return true;
    try {
      await ua.register();
      return true;
    } catch (err) {
      if (epoch !== this.recoveryEpoch || this.ua !== ua || this.link.state !== 'connected') return false;
      if (err instanceof AuthenticationError) {
        this.logger.error(`re-registration refused: ${err.message}; logged out`);
        this.ua = null;
        void ua.stop();
        this.safeEmit('error', err);
        return true;
      }
      const retryAfter = err instanceof SipError ? err.retryAfterMs : undefined;
      const reason = err instanceof SipError || err instanceof TimeoutError ? err.message : String(err);
      this.link.retryLater(`re-registration failed (${reason})`, retryAfter);
      return false;
    }
  }

  private onLinkLost(loss: LinkLoss): void {
    this.recoveryEpoch++;
    this.ua?.messaging.setReady(false);
    if (this.downSince !== null) return;
    this.downSince = loss.at;
    const change: ConnectionChange = { state: 'disconnected', previous: this.lastChange, server: loss.server, at: loss.at, reason: loss.reason };
    if (loss.code !== undefined) change.code = loss.code;
    this.emitChange(change);
  }

  private emitChange(change: ConnectionChange): void {
    this.lastChange = change.state;
    this.safeEmit('connectionchange', change);
  }

  private assertAlive(method: string): void {
    if (this.destroyed) throw new InvalidStateError(`${method}() called after destroy()`);
  }
}

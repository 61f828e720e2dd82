/**
 * The public {@link Client}: one SIP identity on one signalling link.
 */
import { EventEmitter } from 'eventemitter3';
import { InvalidStateError } from '../errors';
import { createLogger, type Logger } from '../logger';
import { resolveOptions, type ClientOptions, type ResolvedClientOptions } from '../options';
import { SipUserAgent } from '../sip/user-agent';
import type { ConnectionState, LinkLoss } from '../transport/types';
import { WebSocketTransport } from '../transport/websocket-transport';
import type { ClientEvents, ConnectionChange, ConnectionChangeState } from './events';

const USER_NAME = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;

/**
 * A Voxline client: connects to a SIP-over-WebSocket server, logs a user in (SIP REGISTER) and
 * tells the application about every connection change.
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
export class Client extends EventEmitter<ClientEvents> {
  private readonly options: ResolvedClientOptions;
  private readonly logger: Logger;
  private readonly link: WebSocketTransport;
  private ua: SipUserAgent | null = null;
  private loginInProgress = false;
  private destroyed = false;
  private lastChange: ConnectionChangeState | null = null;

  /**
   * @param options - see {@link ClientOptions}; validated here, before anything else happens.
   * @throws {@link ConfigurationError} naming the first bad option.
   */
  constructor(options: ClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.logger = createLogger(this.options.logLevel, 'client');
    this.link = new WebSocketTransport({
      servers: this.options.servers,
      connectTimeoutMs: this.options.connectTimeoutMs,
      logger: this.logger.child('transport'),
    });
    this.link.on('open', (server) => this.onLinkOpen(server));
    this.link.on('lost', (loss) => this.onLinkLost(loss));
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
    return this.ua ? this.ua.userAgent.configuration.uri.user ?? null : null;
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
      await ua.start();
      await ua.register();
      this.assertAlive('login');
      this.ua = ua;
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

  /** Unregisters and closes the link deliberately (no `disconnected` event). Safe to call when logged out. */
  async logout(): Promise<void> {
    if (this.destroyed) return;
    const ua = this.ua;
    this.ua = null;
    if (ua) {
      await ua.unregister();
      await ua.stop();
    }
    if (!this.destroyed) this.link.disconnect();
    this.lastChange = null;
  }

  /** Frees everything at once: closes the link, stops timers, removes every listener. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const ua = this.ua;
    this.ua = null;
    if (ua) void ua.stop();
    this.link.dispose();
    this.removeAllListeners();
  }

  private onLinkOpen(server: string): void {
    if (this.lastChange === null) this.emitChange({ state: 'connected', previous: null, server, at: Date.now() });
  }

  private onLinkLost(loss: LinkLoss): void {
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

  /** Emits without letting a listener's exception escape into the SDK. */
  private safeEmit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    try {
      (this.emit as (event: E, ...args: Parameters<ClientEvents[E]>) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error(`a "${String(event)}" listener threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * The public {@link Client}: one SIP identity on one signalling link. Connection reporting
 * (`connectionchange`, `connectionState`) lives in {@link ConnectionReporter}.
 */
import { AuthenticationError, CancelledError, InvalidStateError, SipError, TimeoutError } from '../errors';
import { createLogger, type Logger } from '../logger';
import type { ClientOptions } from '../options';
import { resolveOptions, type ResolvedClientOptions } from '../resolve-options';
import type { CallSession } from '../sip/call-session';
import type { MessageReceipt, SendMessageOptions } from '../sip/messaging';
import { parseTarget } from '../sip/targets';
import { SipUserAgent } from '../sip/user-agent';
import { mainThreadTicker } from '../transport/ticker';
import { WebSocketTransport } from '../transport/websocket-transport';
import { validateHeaders, validateLogin, validateMessage } from './arguments';
import { AudioDevices } from './audio';
import { Call, type AnswerOptions } from './call';
import { ConnectionReporter, type RefreshOutcome } from './connection-reporter';
import type { ClientEvents, ConnectionState } from './events';
import { clearListeners, emitSafely, SafeEmitter } from './safe-emitter';

/** Options of {@link Client.call}. */
export interface CallOptions {
  /** Extra SIP headers for the INVITE, e.g. `{ 'X-Ticket': '1234' }`. @defaultValue none */
  headers?: Record<string, string>;
  /** Microphone constraints, or your own `MediaStream` to send. @defaultValue `true` (default microphone) */
  audio?: AnswerOptions['audio'];
  /** Play the remote audio through an `<audio>` element the SDK manages. @defaultValue `true` */
  playRemoteAudio?: boolean;
}

/** Options of {@link Client.login}. */
export interface LoginOptions {
  /**
   * Cancels the login when aborted: it then rejects with {@link CancelledError} (code
   * `cancelled`), leaving no registration behind. @defaultValue none
   */
  signal?: AbortSignal;
}

/** Rejects with the signal's reason as soon as it aborts; otherwise settles as `promise` does. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
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
 * client.on('connectionchange', (e) => showBadge(e.state, e.reason));
 * await client.login('alice', 'secret');   // resolves once registered
 * client.registered;                       // true
 * await client.logout();
 * client.destroy();
 * ```
 */
export class Client extends SafeEmitter<ClientEvents> {
  private readonly options: ResolvedClientOptions;
  private readonly logger: Logger;
  private readonly link: WebSocketTransport;
  private readonly reporter: ConnectionReporter;
  private ua: SipUserAgent | null = null;
  private readonly liveCalls = new Map<CallSession, Call>();
  /** Set while `login()` runs; aborting it cancels the login. */
  private loginAbort: AbortController | null = null;
  private destroyed = false;
  /**
   * The microphone and speaker of this client's calls, with hot-swap: see {@link AudioDevices}.
   * @example
   * ```ts
   * await client.audio.setInputDevice(headsetId);
   * ```
   */
  readonly audio: AudioDevices;

  /**
   * @param options - see {@link ClientOptions}; validated here, before anything else happens.
   * @throws {@link ConfigurationError} naming the first bad option.
   */
  constructor(options: ClientOptions) {
    const resolved = resolveOptions(options);
    const logger = createLogger(resolved.logLevel, 'client', resolved.logSink);
    super(logger);
    this.options = resolved;
    this.logger = logger;
    for (const warning of resolved.warnings) logger.warn(warning);
    const keepAlive = resolved.keepAlive;
    this.link = new WebSocketTransport({
      servers: resolved.servers,
      connectTimeoutMs: resolved.connectTimeoutMs,
      logger: logger.child('transport'),
      reconnectPolicy: resolved.reconnectPolicy,
      keepAlive,
      ...(keepAlive && !keepAlive.worker && { tickerFactory: mainThreadTicker }),
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
      emit: (change) => emitSafely(this, 'connectionchange', change),
    });
    this.audio = new AudioDevices(
      {
        useInput: async (deviceId) => this.ua?.calls.useInput(deviceId),
        useOutput: async (deviceId) => this.ua?.calls.useOutput(deviceId),
      },
      logger.child('audio'),
    );
    this.link.on('reconnecting', (attempt) => emitSafely(this, 'reconnecting', attempt));
    this.link.on('gaveup', (error) => emitSafely(this, 'error', error));
  }

  /**
   * State of the connection; agrees with the last `connectionchange` (see {@link ConnectionState}).
   */
  get connectionState(): ConnectionState {
    return this.reporter.state;
  }

  /** True while the user is registered with the server. */
  get registered(): boolean {
    return this.ua?.registered ?? false;
  }

  /** The logged-in user name, or `null`. */
  get user(): string | null {
    return this.ua ? this.ua.user : null;
  }

  /** URL of the server in use (or last used). */
  get server(): string {
    return this.link.server;
  }

  /**
   * Opens the signalling link without logging in. Optional: {@link Client.login} connects when needed.
   * @throws {@link ConnectionError} when no server could be reached.
   * @throws {@link CancelledError} when `logout()` or `destroy()` interrupted it.
   */
  async connect(): Promise<void> {
    this.assertAlive('connect');
    await this.link.connect();
  }

  /**
   * Connects if needed and registers `user` with `password`. Resolves once registered.
   *
   * @param user - SIP user name, e.g. `alice`
   * @param password - the SIP password; may be empty for a server that does not authenticate
   * @param options - `signal`: an `AbortSignal` that cancels the login
   * @throws `TypeError` when `user` is not a SIP user name or `password` is not a string.
   * @throws {@link InvalidStateError} when already logged in or a login is in progress.
   * @throws {@link ConnectionError} when no server could be reached.
   * @throws {@link AuthenticationError} when the server refuses the credentials.
   * @throws {@link CancelledError} when `logout()`, `destroy()` or the signal cancelled it.
   * @throws {@link SipError} / {@link TimeoutError} for other registration failures.
   * @example
   * ```ts
   * // React: cancel on unmount (StrictMode mounts twice in development).
   * useEffect(() => {
   *   const abort = new AbortController();
   *   client.login('alice', pw, { signal: abort.signal }).catch((err) => {
   *     if (err.code !== 'cancelled') setError(err);
   *   });
   *   return () => abort.abort();
   * }, []);
   * ```
   */
  async login(user: string, password: string, options?: LoginOptions): Promise<void> {
    this.assertAlive('login');
    const signal = validateLogin(user, password, options);
    if (this.ua || this.loginAbort) {
      throw new InvalidStateError(`login() called while ${this.ua ? `logged in as "${this.user}"` : 'a login is in progress'}; call logout() first`);
    }
    if (signal?.aborted) throw new CancelledError('login() was cancelled: its AbortSignal was already aborted', { cause: signal.reason });
    const abort = new AbortController();
    this.loginAbort = abort;
    const onSignal = (): void => abort.abort(new CancelledError('login() was cancelled by its AbortSignal', { cause: signal?.reason }));
    signal?.addEventListener('abort', onSignal, { once: true });
    const openedHere = this.link.state !== 'connected';
    let ua: SipUserAgent | null = null;
    try {
      await untilAborted(this.link.connect(), abort.signal);
      ua = this.createUserAgent(user, password);
      await untilAborted(ua.start(), abort.signal);
      await untilAborted(ua.register(), abort.signal);
      this.ua = ua;
      const agent = ua; // what the previous page of this tab left: waiting messages, calls (`callresumed`)
      agent.keepAcrossReloads(this.options, this.logger, (session) => emitSafely(this, 'callresumed', this.wrap(agent, session)));
      ua.messaging.setReady(this.reporter.usable);
      this.logger.info(`logged in as ${user}@${this.options.domain}`);
    } catch (err) {
      // Cleanup must not hold the rejection back (stopping may wait for the network).
      if (ua) void ua.stop().catch(() => undefined);
      if (openedHere && !this.destroyed && this.loginAbort === abort) this.link.disconnect();
      throw abort.signal.aborted ? (abort.signal.reason as CancelledError) : err;
    } finally {
      signal?.removeEventListener('abort', onSignal);
      if (this.loginAbort === abort) this.loginAbort = null;
    }
  }

  /**
   * Sends a text message (SIP MESSAGE). Resolves with its {@link MessageReceipt} (its id) when
   * the server or the recipient accepted it (2xx). While the link is down the message waits in
   * an outbox and is sent, in order, once the link is back. If it is not confirmed within
   * `messageTimeoutMs` the promise rejects with {@link TimeoutError}, which means "not
   * confirmed": a message that never left is not sent later; one whose attempt was cut by a
   * link loss may have arrived. A message whose 2xx arrived always resolves. Every promise
   * settles exactly once; nothing is dropped silently. Each outcome is also reported by a
   * `messagestatus` event carrying the message's id.
   *
   * Delivery is at-least-once: a message whose attempt was cut by a link loss, or by a reload of
   * the page, is sent again, so the recipient may (rarely) get it twice. With `persistOutbox`
   * (the default), what is not yet confirmed survives a reload of the tab: after `login()` on
   * the new page it is sent, in order, before anything new, and its outcome arrives as a
   * `messagestatus` event with `restored: true` (the old page's promise is gone). To follow a
   * message across a reload, give it your own `id` (your app already keeps it), since the
   * receipt arrives only on delivery.
   *
   * @param target - `'bob'`, `'bob@example.com'` or `'sip:bob@example.com'`
   * @param body - the text; must not be empty
   * @param options - `contentType` (default `text/plain;charset=utf-8`) and `id` (default: a random id)
   * @throws `TypeError` naming the bad argument, before anything is sent, or when `id` is
   * already waiting in the outbox.
   * @throws {@link InvalidStateError} when not logged in, or logged out before it was confirmed.
   * @throws {@link LimitError} when `maxQueuedMessages` messages are already waiting.
   * @throws {@link SipError} with the status, e.g. 404 for an unknown user.
   * @throws {@link TimeoutError} when not confirmed within `messageTimeoutMs`.
   * @example
   * ```ts
   * client.on('messagestatus', (s) => chat.mark(s.id, s.status)); // 'delivered' | 'failed' | 'expired'
   * await client.login('alice', password);          // on a reloaded page: restored messages go first
   * const id = chat.add('bob', 'Running late, 5 min');   // your id, shown as "sending"
   * await client.sendMessage('bob', 'Running late, 5 min', { id });
   * ```
   */
  async sendMessage(target: string, body: string, options: SendMessageOptions = {}): Promise<MessageReceipt> {
    this.assertAlive('sendMessage');
    const uri = parseTarget(target, this.options.domain, 'sendMessage(target, body): "target"');
    const { contentType, id } = validateMessage(body, options);
    if (!this.ua) throw new InvalidStateError('sendMessage() called before login(); log in first');
    return this.ua.messaging.send(uri, body, contentType, id);
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
   * call.on('answered', () => showTimer());
   * call.on('ended', ({ reason }) => showEnded(reason));
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

  /**
   * Unregisters and closes the link deliberately (no `disconnected` event). Safe to call when
   * logged out. A `login()` in progress rejects with {@link CancelledError}.
   */
  async logout(): Promise<void> {
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
  }

  /**
   * Frees everything at once: ends calls, closes the link, stops every timer, removes every
   * listener. Idempotent. A `login()` in progress rejects with {@link CancelledError}.
   */
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
    this.audio._dispose();
    clearListeners(this);
  }

  /** @internal For the preflight check: the link's round trip (a keep-alive ping), in ms. */
  _measureRoundTrip(timeoutMs: number): Promise<number> {
    return this.link.measureRoundTrip(timeoutMs);
  }

  private createUserAgent(user: string, password: string): SipUserAgent {
    const ua = new SipUserAgent({ options: this.options, link: this.link, logger: this.logger.child('sip'), user, password });
    ua.calls.inputDeviceId = this.audio.inputDeviceId;
    ua.calls.outputDeviceId = this.audio.outputDeviceId;
    ua.on('registered', () => emitSafely(this, 'registered'));
    ua.on('unregistered', () => emitSafely(this, 'unregistered'));
    ua.on('message', (message) => emitSafely(this, 'message', message));
    ua.messaging.onStatus = (status) => emitSafely(this, 'messagestatus', status);
    ua.calls.on('incoming', (session) => emitSafely(this, 'incomingcall', this.wrap(ua, session)));
    ua.calls.on('transferred', (from, next) => {
      const newCall = this.wrap(ua, next);
      this.liveCalls.get(from)?._transferred(newCall);
    });
    return ua;
  }

  private wrap(ua: SipUserAgent, session: CallSession): Call {
    const call = Call._create(session, ua.calls, this.logger.child('call'), this.options.domain, this.options.qualityThresholds);
    this.liveCalls.set(session, call);
    session.once('ended', () => this.liveCalls.delete(session));
    return call;
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
        emitSafely(this, 'error', err);
        return 'done';
      }
      const retryAfter = err instanceof SipError ? err.retryAfterMs : undefined;
      const reason = err instanceof SipError || err instanceof TimeoutError ? err.message : String(err);
      this.link.retryLater(`re-registration failed (${reason})`, retryAfter);
      return 'retry';
    }
  }

  private assertAlive(method: string): void {
    if (this.destroyed) throw new InvalidStateError(`${method}() called after destroy()`);
  }
}

/**
 * The public {@link Client}: one SIP identity on one signalling link. Connection reporting
 * (`connectionchange`, `connectionState`) lives in {@link ConnectionReporter}.
 */
import { CancelledError, InvalidStateError } from '../errors';
import { createLogger, type Logger } from '../logger';
import type { ClientOptions } from '../options';
import { resolveOptions, type ResolvedClientOptions } from '../resolve-options';
import type { CallSession } from '../sip/call-session';
import type { CallMediaOptions } from '../sip/calls';
import { pageCallMedia } from '../sip/media';
import type { MessageReceipt, SendMessageOptions } from '../sip/messaging';
import { parseTarget } from '../sip/targets';
import type { SipUserAgent } from '../sip/user-agent';
import { untilAborted } from '../engine/engine';
import { PageCalls } from '../engine/media-host';
import { pageCallStore } from '../engine/page-call-store';
import { startEngine, type PageEngine } from '../engine/page-engine';
import { validateHeaders, validateLogin, validateMessage } from './arguments';
import { AudioDevices } from './audio';
import { Call, type AnswerOptions, type CallView } from './call';
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

/** The options as a SharedWorker gets them: plain data (no `logger`, no `sharedWorker`). */
function workerOptions(options: ClientOptions): Record<string, unknown> {
  const { logger: _logger, sharedWorker: _url, ...rest } = options;
  return rest as Record<string, unknown>;
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
  /** Where the engine runs (this page, or a SharedWorker); its proxy carries every command. */
  private readonly engine: PageEngine;
  private readonly liveCalls = new Map<string, Call>();
  /** Shared mode: the engine's calls as this tab sees them, and the media of those it owns. */
  private readonly pageCalls: PageCalls;
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
    this.engine = startEngine(
      resolved,
      workerOptions(options),
      logger,
      { event: (name, payload) => (emitSafely as (emitter: Client, event: string, arg?: unknown) => void)(this, name, payload), calls: (message) => this.pageCalls.receive(message) },
      { userAgent: (ua) => this.attachCalls(ua), callResumed: (ua, session) => emitSafely(this, 'callresumed', this.wrapSession(ua, session)) },
    );
    this.pageCalls = new PageCalls(this.engine.proxy, pageCallMedia(resolved.iceServers, logger.child('media'), resolved.iceTransportPolicy), {
      added: (view, ring) => {
        const call = this.wrap(view, (media) => this.pageCalls.answer(view, media));
        if (ring) emitSafely(this, 'incomingcall', call);
      },
      transferred: (from, next) => this.liveCalls.get(from.id)?._transferred(this.liveCalls.get(next.id)!),
      claimed: (view) => emitSafely(this, 'callresumed', this.liveCalls.get(view.id)!),
    }, resolved.resumeCalls ? pageCallStore(resolved, logger.child('store')) : null);
    const calls = (): { useInput(id: string | null): Promise<void>; useOutput(id: string | null): Promise<void> } | undefined => (this.engine.local ? this.engine.local.userAgent?.calls : this.pageCalls);
    this.audio = new AudioDevices(
      {
        useInput: async (deviceId) => calls()?.useInput(deviceId),
        useOutput: async (deviceId) => calls()?.useOutput(deviceId),
      },
      logger.child('audio'),
    );
  }

  /**
   * State of the connection; agrees with the last `connectionchange` (see {@link ConnectionState}).
   */
  get connectionState(): ConnectionState {
    return this.engine.proxy.snapshot.connectionState;
  }

  /** True while the user is registered with the server. */
  get registered(): boolean {
    return this.engine.proxy.snapshot.registered;
  }

  /** The logged-in user name, or `null`. */
  get user(): string | null {
    return this.engine.proxy.snapshot.user;
  }

  /**
   * True when this client shares its link and registration with the app's other tabs through
   * the `sharedWorker` option's SharedWorker; `false` when its engine runs in the page (no
   * option, no SharedWorker in this browser, or the worker could not be started: see the warning).
   */
  get shared(): boolean {
    return this.engine.shared;
  }

  /**
   * How many tabs of this app share this client's link, this one included: 1 when not
   * {@link Client.shared}, or while this client is not on a link (before `connect()`/`login()`,
   * after `logout()` or `loggedout`). Each change while on a link fires `tabschange`.
   * @example
   * ```ts
   * client.on('tabschange', ({ tabs }) => (indicator.textContent = `Shared across ${tabs} tabs`));
   * ```
   */
  get sharedTabs(): number {
    return this.engine.proxy.snapshot.tabs;
  }

  /** URL of the server in use (or last used). */
  get server(): string {
    return this.engine.proxy.snapshot.server;
  }

  /**
   * Opens the signalling link without logging in. Optional: {@link Client.login} connects when needed.
   * @throws {@link ConnectionError} when no server could be reached.
   * @throws {@link CancelledError} when `logout()` or `destroy()` interrupted it.
   */
  async connect(): Promise<void> {
    this.assertAlive('connect');
    await this.engine.proxy.request({ op: 'connect' });
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
    if (this.user !== null || this.loginAbort) {
      throw new InvalidStateError(`login() called while ${this.user !== null ? `logged in as "${this.user}"` : 'a login is in progress'}; call logout() first`);
    }
    if (signal?.aborted) throw new CancelledError('login() was cancelled: its AbortSignal was already aborted', { cause: signal.reason });
    const abort = new AbortController();
    this.loginAbort = abort;
    const onSignal = (): void => this.cancelLogin(new CancelledError('login() was cancelled by its AbortSignal', { cause: signal?.reason }));
    signal?.addEventListener('abort', onSignal, { once: true });
    try {
      const claims = this.engine.local ? undefined : this.pageCalls.store?.claims(user);
      await untilAborted(this.engine.proxy.request({ op: 'login', user, password, claims }), abort.signal);
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
    if (this.user === null) throw new InvalidStateError('sendMessage() called before login(); log in first');
    return (await this.engine.proxy.request({ op: 'send-message', target: uri.toString(), body, contentType, ...(id !== undefined && { id }) })) as MessageReceipt;
  }

  /**
   * Calls `target`: opens the microphone, then sends the INVITE. Resolves with the {@link Call}
   * once the INVITE is sent; follow it with the call's events (`ringing`, `answered`, `ended`).
   * In shared mode the call's audio lives in this tab, and every tab lists the call.
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
    const ua = this.engine.local?.userAgent;
    if (!ua && (this.engine.local || this.user === null)) throw new InvalidStateError('call() called before login(); log in first');
    const media: CallMediaOptions = { playRemoteAudio: options.playRemoteAudio ?? true };
    if (options.audio !== undefined) media.audio = options.audio;
    if (!ua) {
      const view = await this.pageCalls.place(uri.toString(), headers, media);
      return this.liveCalls.get(view.id) ?? this.wrap(view, (m) => this.pageCalls.answer(view, m));
    }
    return this.wrapSession(ua, await ua.calls.place(uri, headers, media));
  }

  /** Calls in progress (not ended); in shared mode, the live calls of every tab (an incoming call answered in another tab ends here: `answered-elsewhere`). */
  get calls(): Call[] {
    return [...this.liveCalls.values()];
  }

  /**
   * Unregisters and closes the link deliberately (no `disconnected` event). Safe to call when
   * logged out. A `login()` in progress rejects with {@link CancelledError}.
   */
  async logout(): Promise<void> {
    if (this.destroyed) return;
    this.cancelLogin(new CancelledError('login() was cancelled by logout()'));
    await this.engine.proxy.request({ op: 'logout' });
  }

  /**
   * Frees everything at once: ends calls, closes the link, stops every timer, removes every
   * listener. Idempotent. A `login()` in progress rejects with {@link CancelledError}.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.cancelLogin(new CancelledError('login() was cancelled by destroy()'));
    void this.engine.proxy.request({ op: 'destroy' }).catch(() => undefined);
    this.engine.close();
    this.pageCalls.close();
    this.audio._dispose();
    clearListeners(this);
  }

  /** @internal For the preflight check: the link's round trip (a keep-alive ping), in ms. */
  _measureRoundTrip(timeoutMs: number): Promise<number> {
    return this.engine.proxy.request({ op: 'round-trip', timeoutMs }) as Promise<number>;
  }

  /** Cancels a `login()` in progress, here and in the engine. */
  private cancelLogin(reason: CancelledError): void {
    if (!this.loginAbort) return;
    this.loginAbort.abort(reason);
    void this.engine.proxy.request({ op: 'cancel-login', reason: reason.message }).catch(() => undefined);
  }

  /** In-page mode: the page's calls run on the engine's new user agent (before it registers). */
  private attachCalls(ua: SipUserAgent): void {
    ua.calls.inputDeviceId = this.audio.inputDeviceId;
    ua.calls.outputDeviceId = this.audio.outputDeviceId;
    ua.calls.on('incoming', (session) => emitSafely(this, 'incomingcall', this.wrapSession(ua, session)));
    ua.calls.on('transferred', (from, next) => {
      const newCall = this.wrapSession(ua, next);
      this.liveCalls.get(from.id)?._transferred(newCall);
    });
  }

  /** In-page mode: a call of the engine's call layer (its events typed with `referred` too, hence the cast). */
  private wrapSession(ua: SipUserAgent, session: CallSession): Call {
    return this.wrap(session as unknown as CallView, (media) => ua.calls.answer(session, media));
  }

  private wrap(view: CallView, answer: (media: CallMediaOptions) => Promise<void>): Call {
    const call = Call._create(view, answer, this.logger.child('call'), this.options.domain, this.options.qualityThresholds);
    this.liveCalls.set(view.id, call);
    view.once('ended', () => this.liveCalls.delete(view.id));
    return call;
  }

  private assertAlive(method: string): void {
    if (this.destroyed) throw new InvalidStateError(`${method}() called after destroy()`);
  }
}

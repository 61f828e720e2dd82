/**
 * One logged-in SIP identity: a sip.js `UserAgent` running over Voxline's transport, and its
 * `Registerer`. Turns sip.js outcomes into Voxline errors and plain events.
 *
 * Registration states:
 * ```txt
 *   unregistered ──register()──▶ registering ──2xx──▶ registered
 *        ▲                            │ 4xx/5xx/408        │ refresh failed / unregister()
 *        └────────────────────────────┴────────────────────┘
 * ```
 */
import { EventEmitter } from 'eventemitter3';
import { Registerer, RegistererState, UserAgent, type LogLevel as SipLogLevel } from 'sip.js';
import { AuthenticationError, ConfigurationError, SipError, TimeoutError, type VoxlineError } from '../errors';
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import type { WebSocketTransport } from '../transport/websocket-transport';
import { CallManager } from './calls';
import { Messaging, type IncomingTextMessage } from './messaging';
import { SipTransportAdapter, type SipTransportAdapterOptions } from './sipjs-transport';

/** Events of {@link SipUserAgent}. */
export interface SipUserAgentEvents {
  registered: () => void;
  unregistered: () => void;
  message: (message: IncomingTextMessage) => void;
}

/** What {@link SipUserAgent} needs. */
export interface SipUserAgentOptions {
  options: ResolvedClientOptions;
  link: WebSocketTransport;
  logger: Logger;
  user: string;
  password: string;
}

/** Maps a final SIP failure of REGISTER to the Voxline error users should see. */
export function registrationError(status: number, reason: string, retryAfter?: number): VoxlineError {
  if (status === 401 || status === 403 || status === 407) {
    return new AuthenticationError(`the server refused the credentials (SIP ${status} ${reason})`, status);
  }
  if (status === 408) return new TimeoutError('the server did not answer REGISTER in time', 32_000);
  const error = new SipError(status, reason, `registration failed: SIP ${status} ${reason}`);
  if (retryAfter !== undefined) error.retryAfterMs = retryAfter;
  return error;
}

/** sip.js 0.21 internals we rely on (private in its types); pinned by the `~0.21` dependency. */
interface RegistererInternals {
  readonly waiting: boolean;
  clearTimers(): void;
}

/** Parses a `Retry-After` header value (seconds) into ms. */
function retryAfterMs(value: string | undefined): number | undefined {
  const seconds = value ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export class SipUserAgent extends EventEmitter<SipUserAgentEvents> {
  readonly userAgent: UserAgent;
  readonly messaging: Messaging;
  readonly calls: CallManager;
  private registerer: Registerer;
  private readonly expires: number;
  private readonly logger: Logger;
  private _registered = false;
  private readonly onRegistererState = (state: RegistererState): void => this.setRegistered(state === RegistererState.Registered);

  constructor({ options, link, logger, user, password }: SipUserAgentOptions) {
    super();
    this.logger = logger;
    const uri = UserAgent.makeURI(`sip:${user}@${options.domain}`);
    if (!uri) throw new ConfigurationError('domain', `sip:${user}@${options.domain} is not a valid SIP address`);
    const transportOptions: SipTransportAdapterOptions = { link };
    const sipLogger = logger.child('sip.js');
    this.calls = new CallManager(options.iceServers, logger.child('call'), options.maxIncomingCalls);
    this.userAgent = new UserAgent({
      uri,
      authorizationUsername: user,
      authorizationPassword: password,
      displayName: options.displayName,
      userAgentString: options.userAgent,
      transportConstructor: SipTransportAdapter,
      transportOptions,
      logConfiguration: false,
      logBuiltinEnabled: false,
      logLevel: (sipLogger.enabled('debug') ? 'debug' : 'warn') as SipLogLevel,
      logConnector: (level, category, _label, content) => {
        const line = `${category}: ${content}`;
        if (level === 'error') sipLogger.error(line);
        else if (level === 'warn') sipLogger.warn(line);
        else sipLogger.debug(line);
      },
      sessionDescriptionHandlerFactory: this.calls.sdhFactory,
      delegate: {
        onMessage: (message) => this.emit('message', this.messaging.receive(message)),
        onInvite: (invitation) => this.calls.receive(invitation),
      },
    });
    this.calls.attach(this.userAgent);
    this.messaging = new Messaging(this.userAgent, options.domain, () => link.state === 'connected', logger.child('messaging'), { timeoutMs: options.messageTimeoutMs, maxQueued: options.maxQueuedMessages });
    this.expires = options.registerExpiresSec;
    this.registerer = this.createRegisterer();
  }

  private createRegisterer(): Registerer {
    const registerer = new Registerer(this.userAgent, { expires: this.expires, logConfiguration: false });
    registerer.stateChange.addListener(this.onRegistererState);
    return registerer;
  }

  get registered(): boolean {
    return this._registered;
  }

  /** Starts the user agent (connecting the link if needed). */
  async start(): Promise<void> {
    await this.userAgent.start();
  }

  /**
   * Sends REGISTER; resolves on 2xx, rejects with a {@link VoxlineError} otherwise. After a
   * reconnect, a REGISTER lost with the old link may still wait for its (never coming) answer;
   * its registerer is then retired and a fresh one registers, so recovery never waits 32 s.
   */
  register(): Promise<void> {
    const current = this.registerer as unknown as RegistererInternals;
    if (current.waiting) {
      this.logger.info('a REGISTER from the previous link is still pending: registering afresh');
      current.clearTimers();
      this.registerer.stateChange.removeListener(this.onRegistererState);
      this.registerer = this.createRegisterer();
    }
    return new Promise<void>((resolve, reject) => {
      this.registerer
        .register({
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: ({ message }) =>
              reject(registrationError(message.statusCode ?? 0, message.reasonPhrase ?? '', retryAfterMs(message.getHeader('Retry-After')))),
          },
        })
        .catch((cause: unknown) => reject(new SipError(0, 'Not Sent', 'REGISTER could not be sent', { cause })));
    });
  }

  /** Sends REGISTER with expires 0; resolves when the registrar answered (any final response). */
  unregister(): Promise<void> {
    if (this.registerer.state !== RegistererState.Registered) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.registerer
        .unregister({ requestDelegate: { onAccept: () => resolve(), onReject: () => resolve() } })
        .catch((err: unknown) => {
          this.logger.warn(`unregister failed: ${(err as Error).message}`);
          resolve();
        });
    });
  }

  /** Stops the user agent and frees its resources. Does not close the link (its owner does). */
  async stop(): Promise<void> {
    this.messaging.close();
    this.calls.terminateAll();
    this.calls.removeAllListeners();
    this.registerer.stateChange.removeListener(this.onRegistererState);
    await this.registerer.dispose().catch(() => undefined);
    await this.userAgent.stop().catch(() => undefined);
    this.setRegistered(false);
    this.removeAllListeners();
  }

  private setRegistered(registered: boolean): void {
    if (this._registered === registered) return;
    this._registered = registered;
    this.emit(registered ? 'registered' : 'unregistered');
  }
}

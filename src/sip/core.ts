/**
 * The owner of sip.js's `UserAgentCore` (transactions, dialogs, digest), built directly from a
 * `UserAgentCoreConfiguration` over Voxline's transport adapter: no sip.js API-layer `UserAgent`.
 * It configures the core the way sip.js's `UserAgent` does (random `.invalid` Via host and
 * Contact user, `transport=ws` Contact, `outbound` option tag, digest with the user's
 * credentials) and feeds it the frames the link receives, after the sanity checks sip.js's
 * `UserAgent.onTransportMessage` makes.
 *
 * Lifecycle:
 * ```txt
 *   created ──start()──▶ started ──stop()──▶ stopped (transport adapter and core disposed: no timer left)
 *      │                                        ▲
 *      └────────────────stop()──────────────────┘
 * ```
 * Requests that arrive while not started are dropped (as sip.js's stopped `UserAgent` does);
 * responses always reach the core, which drops those no transaction waits for.
 */
import { Core, type URI } from 'sip.js';
import type { Logger } from '../logger';
import type { WebSocketTransport } from '../transport/websocket-transport';
import { SipTransportAdapter } from './sipjs-transport';

/** What the call layer needs from the owner of the core. */
export interface CoreOwner {
  readonly userAgentCore: Core.UserAgentCore;
  readonly contact: Core.Contact;
}

/** What {@link SipCore} needs. */
export interface SipCoreOptions {
  /** Our address of record, `sip:user@domain`. */
  aor: URI;
  /** Digest credentials (never logged). */
  user: string;
  password: string;
  /** Display name, already escaped for a quoted-string (see display-name.ts). */
  displayName: string | undefined;
  /** The `User-Agent` header value. */
  userAgentString: string;
  link: WebSocketTransport;
  /** sip.js's own log lines go here (category `sip.*` in the line). */
  logger: Logger;
  /** INVITE and MESSAGE outside a dialog; other out-of-dialog requests are answered here. */
  delegate: Pick<Core.UserAgentCoreDelegate, 'onInvite' | 'onMessage'>;
}

/** A random token of base-32 digits, as sip.js's `createRandomToken` makes them. */
export function randomToken(size: number): string {
  let token = '';
  for (let i = 0; i < size; i++) token += Math.floor(Math.random() * 32).toString(32);
  return token;
}

/** Length in bytes of `text` as UTF-8 (sip.js's `utf8Length`). */
function utf8Length(text: string): number {
  return encodeURIComponent(text).replace(/%[A-F\d]{2}/g, 'U').length;
}

/** The header fields every request and response must carry (RFC 3261 §8.1.1), as sip.js names them. */
const MANDATORY_HEADERS = ['from', 'to', 'call_id', 'cseq', 'via'];

/** sip.js's core run by Voxline: see the file comment. */
export class SipCore implements CoreOwner {
  readonly userAgentCore: Core.UserAgentCore;
  readonly contact: Core.Contact;
  readonly transport: SipTransportAdapter;
  readonly aor: URI;
  private readonly viaHost = `${randomToken(12)}.invalid`;
  private readonly sipjsId = randomToken(5);
  private readonly loggerFactory = new Core.LoggerFactory();
  private readonly log: Core.Logger;
  private state: 'created' | 'started' | 'stopped' = 'created';

  constructor({ aor, user, password, displayName, userAgentString, link, logger, delegate }: SipCoreOptions) {
    this.aor = aor;
    const factory = this.loggerFactory;
    factory.builtinEnabled = false;
    factory.level = logger.enabled('debug') ? Core.Levels.debug : Core.Levels.warn;
    factory.connector = (level, category, _label, content) => {
      const line = `${category}: ${content}`;
      if (level === 'error') logger.error(line);
      else if (level === 'warn') logger.warn(line);
      else logger.debug(line);
    };
    this.log = factory.getLogger('sip.UserAgent');
    this.transport = new SipTransportAdapter(factory.getLogger('sip.Transport'), { link });
    this.transport.onMessage = (frame) => this.receive(frame);
    const contactUri = new Core.URI('sip', randomToken(8), this.viaHost, undefined, { transport: 'ws' });
    this.contact = {
      pubGruu: undefined,
      tempGruu: undefined,
      uri: contactUri,
      toString: (options = {}) => `<${options.anonymous ? 'sip:anonymous@anonymous.invalid;transport=ws' : contactUri.toString()}${options.outbound ? ';ob' : ''}>`,
    };
    const configuration: Core.UserAgentCoreConfiguration = {
      aor,
      contact: this.contact,
      displayName: displayName ?? '',
      loggerFactory: factory,
      hackViaTcp: false,
      routeSet: [],
      sipjsId: this.sipjsId,
      supportedOptionTags: ['outbound'],
      supportedOptionTagsResponse: ['outbound'],
      userAgentHeaderFieldValue: userAgentString,
      viaForceRport: false,
      viaHost: this.viaHost,
      authenticationFactory: () => new Core.DigestAuthentication(factory, undefined, user, password),
      transportAccessor: () => this.transport,
    };
    this.userAgentCore = new Core.UserAgentCore(configuration, {
      ...delegate,
      // Out of a dialog, as sip.js's UserAgent answers them without an application delegate.
      onNotify: (request) => request.reject({ statusCode: 481 }),
      onRefer: (request) => this.refuse('REFER', request),
      onRegister: (request) => this.refuse('REGISTER', request),
      onSubscribe: (request) => this.refuse('SUBSCRIBE', request),
    });
  }

  /** Starts taking requests and connects the link (resolves once it is connected). */
  start(): Promise<void> {
    if (this.state === 'stopped') return Promise.reject(new Error('the SIP core was stopped'));
    this.state = 'started';
    return this.transport.connect();
  }

  /** Stops for good: the adapter lets go of the link and the core drops every transaction and dialog. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.transport.dispose();
    this.userAgentCore.dispose();
  }

  /** True while the link is connected. */
  isConnected(): boolean {
    return this.transport.isConnected();
  }

  private refuse(method: string, request: { reject(options: { statusCode: number }): unknown }): void {
    this.log.warn(`Received an out of dialog ${method} request`);
    request.reject({ statusCode: 405 });
  }

  /**
   * One frame from the link (the inbound guard contains what throws here): parsed, checked as
   * sip.js's `UserAgent.onTransportMessage` checks it, then handed to the core.
   */
  private receive(frame: string): void {
    const message = Core.Parser.parseMessage(frame, this.loggerFactory.getLogger('sip.Parser'));
    if (!message) return this.log.warn('Failed to parse incoming message. Dropping.');
    const isRequest = message instanceof Core.IncomingRequestMessage;
    if (isRequest && this.state !== 'started') return this.log.warn(`Received ${message.method} request while stopped. Dropping.`);
    const missing = MANDATORY_HEADERS.find((header) => !message.hasHeader(header));
    if (missing) return this.log.warn(`Missing mandatory header field : ${missing}. Dropping.`);
    const contentLength = message.getHeader('content-length');
    const bodyTooShort = contentLength !== undefined && contentLength !== '' && utf8Length(message.body) < Number(contentLength);
    if (isRequest) {
      // A request from ourself (looped back by a proxy): sip.js's rfc3261_16_3_4 check.
      if (!message.toTag && message.callId.substring(0, 5) === this.sipjsId) return void this.userAgentCore.replyStateless(message, { statusCode: 482 });
      if (bodyTooShort) return void this.userAgentCore.replyStateless(message, { statusCode: 400 });
      return this.userAgentCore.receiveIncomingRequestFromTransport(message);
    }
    if (!(message instanceof Core.IncomingResponseMessage)) return;
    if (message.getHeaders('via').length > 1) return this.log.warn('More than one Via header field present in the response. Dropping.');
    if (message.via.host !== this.viaHost || message.via.port !== undefined) return this.log.warn('Via sent-by in the response does not match UA Via host value. Dropping.');
    if (bodyTooShort) return this.log.warn('Message body length is lower than the value in Content-Length header field. Dropping.');
    this.userAgentCore.receiveIncomingResponseFromTransport(message);
  }
}

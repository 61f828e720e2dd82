/**
 * One logged-in SIP identity: sip.js's core run by Voxline over its transport ({@link SipCore}: no
 * sip.js API-layer `UserAgent`), its {@link Registration} (REGISTER and refreshes), its calls
 * and its messages. Turns sip.js outcomes into Voxline errors and plain events.
 *
 * Registration states (drawn in full in registration.ts):
 * ```txt
 *   unregistered ──register()──▶ registering ──2xx with our Contact──▶ registered
 *        ▲                            │ failure / deadline / not confirmed │ refresh failed / unregister()
 *        └────────────────────────────┴────────────────────────────────────┘
 * ```
 */
import { EventEmitter } from '../emitter';
import { Grammar } from 'sip.js';
import { ConfigurationError } from '../errors';
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import type { LinkState } from '../transport/types';
import type { WebSocketTransport } from '../transport/websocket-transport';
import { CallResume } from './call-resume';
import type { CallSession } from './call-session';
import { CallManager, type CallMediaOpener } from './calls';
import { SipCore } from './core';
import { escapeDisplayName } from './display-name';
import { pageCallMedia } from './media';
import { Messaging, type IncomingTextMessage } from './messaging';
import { Registration } from './registration';
import { SessionStore } from './session-store';
import { isStoredCall } from './stored-call';

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
  /** Shared mode: where calls' media is opened (the tabs), instead of this page. */
  openMedia?: CallMediaOpener;
}

export class SipUserAgent extends EventEmitter<SipUserAgentEvents> {
  readonly core: SipCore;
  readonly messaging: Messaging;
  readonly calls: CallManager;
  private readonly registration: Registration;
  private readonly detachLink: () => void;
  private stopped = false;

  constructor({ options, link, logger, user, password, openMedia }: SipUserAgentOptions) {
    super();
    const uri = Grammar.URIParse(`sip:${user}@${options.domain}`);
    if (!uri) throw new ConfigurationError('domain', `sip:${user}@${options.domain} is not a valid SIP address`);
    this.calls = new CallManager(pageCallMedia(options.iceServers, logger.child('media'), options.iceTransportPolicy), logger.child('call'), options.maxIncomingCalls, options.callRecoveryTimeoutMs, openMedia);
    this.core = new SipCore({
      aor: uri,
      user,
      password,
      // sip.js puts the display name between quotes as it is: escape `"` and `\` first.
      displayName: options.displayName === undefined ? undefined : escapeDisplayName(options.displayName),
      userAgentString: options.userAgent,
      link,
      logger: logger.child('sip.js'),
      delegate: {
        // Calls run on the core: its incoming INVITEs come to our call layer.
        onInvite: (request) => this.calls.receive(request),
        onMessage: (request) => this.emit('message', this.messaging.receive(request)),
      },
    });
    this.calls.attach(this.core);
    this.messaging = new Messaging(this.core, options.domain, () => link.state === 'connected', logger.child('messaging'), { timeoutMs: options.messageTimeoutMs, maxQueued: options.maxQueuedMessages });
    this.registration = new Registration(this.core, options.registerExpiresSec, logger.child('registration'));
    this.registration.on('registered', () => this.emit('registered'));
    this.registration.on('unregistered', () => this.emit('unregistered'));
    // A link closed for good (disposed) ends this user agent too, even mid-login.
    const onLinkState = (state: LinkState): void => {
      if (state === 'closed') void this.stop();
    };
    link.on('statechange', onLinkState);
    this.detachLink = () => link.off('statechange', onLinkState);
  }

  /** The user part of our address of record. */
  get user(): string | null {
    return this.core.aor.user ?? null;
  }

  get registered(): boolean {
    return this.registration.registered;
  }

  /**
   * One session store for this login, for the outbox (`persistOutbox`) and the calls
   * (`resumeCalls`): what the previous page of this tab left is taken back now; each resumed call
   * is given to `announce` (call-resume.ts).
   */
  keepAcrossReloads(options: ResolvedClientOptions, logger: Logger, announce: (call: CallSession) => void): void {
    const { persistOutbox, resumeCalls, domain, servers, callResumeWindowMs } = options;
    if (!persistOutbox && !resumeCalls) return;
    const user = this.user ?? '';
    const store = new SessionStore({ user, domain, servers }, logger.child('store'));
    if (persistOutbox) this.messaging.persistTo(store);
    if (resumeCalls) new CallResume(store.slot('calls', isStoredCall), this.calls, this.core.userAgentCore, { windowMs: callResumeWindowMs, logger: logger.child('call') }).start(announce);
  }

  /** Starts the user agent (connecting the link if needed). */
  async start(): Promise<void> {
    await this.core.start();
  }

  /**
   * Sends REGISTER; resolves once the registrar confirmed our binding, rejects with a
   * `VoxlineError` otherwise (at the latest at the REGISTER deadline, see registration.ts). After a
   * reconnect, a REGISTER lost with the old link may still wait for its (never coming) answer;
   * it is dropped and a fresh one registers at once.
   */
  register(): Promise<void> {
    return this.registration.register();
  }

  /** Sends REGISTER with expires 0; resolves when the registrar answered (any final response) or at the deadline. */
  unregister(): Promise<void> {
    return this.registration.unregister();
  }

  /**
   * Stops the user agent and frees its resources: no timer, transaction or call is left behind
   * once this resolves, and the registration's timers are gone as soon as it is called. While
   * registered, a best-effort un-REGISTER is sent (not awaited). Does not close the link (its
   * owner does), but a link disposed by its owner stops this user agent. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.detachLink();
    this.removeAllListeners(); // stopping is not news to the owner: no 'unregistered' from here
    this.registration.dispose();
    this.messaging.close();
    this.calls.terminateAll();
    this.calls.removeAllListeners();
    await this.core.stop().catch(() => undefined);
  }
}

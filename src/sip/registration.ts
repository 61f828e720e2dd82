/**
 * Voxline's REGISTER client (RFC 3261 §10.2), on sip.js's core transactions rather than its
 * `Registerer`, whose answer handling loops on `expires=0`, overflows `setTimeout` on long
 * intervals, and leaves the caller waiting forever on a 200 OK that lists no binding of ours.
 *
 * ```txt
 *            register()                  2xx listing OUR Contact
 *   idle ──────────────▶ registering ───────────────────────────▶ registered
 *    ▲                    │  ▲  │ 423: once more with Min-Expires     │ refresh timer
 *    │                    │  └──┘                                     ▼
 *    │     failure, deadline,│                         2xx ◀──── refreshing
 *    │     binding not confirmed                                      │ failure / deadline
 *    │                    ▼                                           ▼
 *    └──────────────── unregistered ◀─────────────────────── unregistered (retry timer,
 *                                                               unless the credentials were refused)
 *   unregister(): REGISTER with expires=0, then idle      dispose(): any state ─▶ disposed
 * ```
 * Every REGISTER has its own deadline ({@link REGISTER_DEADLINE_MS}). A new REGISTER retires the
 * one still waiting (stranded on a dead link, say): its transaction is dropped and its waiters
 * get the new one's outcome. `dispose()` leaves no timer and no transaction behind.
 */
import { EventEmitter } from '../emitter';
import type { Core, NameAddrHeader } from 'sip.js';
import type { SipCore } from './core';
import { AuthenticationError, InvalidStateError, SipError, TimeoutError, type VoxlineError } from '../errors';
import type { Logger } from '../logger';
import { REGISTER_EXPIRES_MAX_SEC } from '../options';

/**
 * How long one REGISTER may wait for its final answer, digest challenge included. The SIP
 * transaction timeout (Timer F) is 32 s, meant for lossy UDP; over a WebSocket nothing is
 * retransmitted and a live registrar answers within a second, while a dead link is noticed by
 * keep-alive within ~5 s. 10 s keeps `login()` from hanging for half a minute on a server that
 * will never answer, with ample room for a slow authentication backend.
 */
export const REGISTER_DEADLINE_MS = 10_000;
/** Never refresh sooner than this after a 2xx, whatever the registrar granted (0, garbage...). */
export const MIN_REFRESH_SEC = 10;
/** Refresh this long before the binding expires (at the latest halfway through it). */
export const REFRESH_MARGIN_SEC = 30;
/** After a failed refresh, try again after this long (or the server's `Retry-After`, if longer). */
export const REFRESH_RETRY_SEC = 30;

const ALLOW = 'Allow: ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER';

type IncomingResponse = Core.IncomingResponseMessage;

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

/** A whole number of seconds (`delta-seconds`), or undefined. */
function deltaSeconds(value: string | undefined | null): number | undefined {
  return value !== undefined && value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/** Seconds to wait before refreshing a binding granted for `grantedSec`. */
export function refreshDelaySec(grantedSec: number): number {
  const granted = Math.min(Math.max(grantedSec, 0), REGISTER_EXPIRES_MAX_SEC);
  return Math.max(MIN_REFRESH_SEC, granted - Math.min(granted / 2, REFRESH_MARGIN_SEC));
}

/** Events of {@link Registration}; emitted only on a real change. */
export interface RegistrationEvents {
  registered: () => void;
  unregistered: () => void;
}

interface Attempt {
  kind: 'register' | 'unregister';
  request: Core.OutgoingRequest | null;
  deadline: ReturnType<typeof setTimeout> | null;
  waiters: Array<{ resolve: () => void; reject: (error: VoxlineError) => void }>;
  retried423: boolean;
}

/** One address-of-record binding of this user agent's Contact with the registrar. */
export class Registration extends EventEmitter<RegistrationEvents> {
  private readonly message: Core.OutgoingRequestMessage;
  private expiresSec: number;
  private attempt: Attempt | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private _registered = false;
  private disposed = false;

  constructor(
    private readonly userAgent: Pick<SipCore, 'userAgentCore' | 'contact' | 'aor' | 'isConnected'>,
    expiresSec: number,
    private readonly logger: Logger,
    private readonly deadlineMs = REGISTER_DEADLINE_MS,
  ) {
    super();
    this.expiresSec = expiresSec;
    const registrar = userAgent.aor.clone();
    registrar.user = undefined;
    const core = userAgent.userAgentCore;
    this.message = core.makeOutgoingRequestMessage('REGISTER', registrar, core.configuration.aor, userAgent.aor, {});
  }

  get registered(): boolean {
    return this._registered;
  }

  /** Registers (or refreshes) now; resolves once the registrar confirmed our binding. */
  register(): Promise<void> {
    if (this.disposed) return Promise.reject(new InvalidStateError('register() called after the user agent stopped'));
    return new Promise<void>((resolve, reject) => this.start('register', { resolve, reject }));
  }

  /** Removes our binding (expires=0). Resolves on any final answer or at the deadline; never rejects. */
  unregister(): Promise<void> {
    if (this.disposed || !this._registered) return Promise.resolve();
    return new Promise<void>((resolve) => this.start('unregister', { resolve, reject: () => resolve() }));
  }

  /**
   * Stops for good: no timer, no transaction left. While registered, a best-effort
   * REGISTER with expires=0 goes out first (no answer awaited) when the link is up.
   */
  dispose(): void {
    if (this.disposed) return;
    if (this._registered && this.attempt === null && this.userAgent.isConnected()) {
      this.start('unregister', null);
    }
    this.disposed = true;
    this.clearRefresh();
    this.retire(new InvalidStateError('the user agent stopped before the registrar answered REGISTER'));
    this.setRegistered(false);
    this.removeAllListeners();
  }

  private start(kind: Attempt['kind'], waiter: Attempt['waiters'][number] | null): void {
    this.clearRefresh();
    const carried = this.retire(null, kind);
    const attempt: Attempt = { kind, request: null, deadline: null, waiters: [...carried, ...(waiter ? [waiter] : [])], retried423: false };
    this.attempt = attempt;
    this.send(attempt);
  }

  /**
   * Drops the REGISTER still waiting (its transaction and deadline). Its waiters are returned to
   * join a new REGISTER of the same kind; otherwise they settle now (`error` for register waiters).
   */
  private retire(error: VoxlineError | null, nextKind?: Attempt['kind']): Attempt['waiters'] {
    const old = this.attempt;
    if (!old) return [];
    this.attempt = null;
    this.stopWaiting(old);
    if (nextKind) this.logger.info('a REGISTER is still waiting for its answer (lost with a previous link?): dropping it, sending a fresh one');
    if (old.kind === nextKind) return old.waiters;
    const reason = error ?? new InvalidStateError('REGISTER was superseded by an unregister');
    for (const w of old.waiters) (old.kind === 'register' ? w.reject(reason) : w.resolve());
    return [];
  }

  private stopWaiting(attempt: Attempt): void {
    if (attempt.deadline !== null) clearTimeout(attempt.deadline);
    attempt.deadline = null;
    attempt.request?.dispose();
    attempt.request = null;
  }

  private send(attempt: Attempt): void {
    const expires = attempt.kind === 'register' ? this.expiresSec : 0;
    const m = this.message;
    m.cseq++;
    m.setHeader('cseq', `${m.cseq} REGISTER`);
    m.extraHeaders = [`Contact: ${this.userAgent.contact.toString({ register: true })};expires=${expires}`, ALLOW];
    attempt.deadline = setTimeout(() => {
      const ms = this.deadlineMs;
      this.finish(attempt, new TimeoutError(`the server did not answer REGISTER within ${ms} ms`, ms));
    }, this.deadlineMs);
    const answered = (response: Core.IncomingResponse): void => this.onFinal(attempt, response.message);
    attempt.request = this.userAgent.userAgentCore.register(m, { onAccept: answered, onReject: answered, onRedirect: answered });
  }

  private onFinal(attempt: Attempt, response: IncomingResponse): void {
    if (attempt !== this.attempt) return;
    const status = response.statusCode ?? 0;
    const reason = response.reasonPhrase ?? '';
    if (attempt.kind === 'unregister') return this.finish(attempt, null);
    if (status === 423 && this.retryWithMinExpires(attempt, response)) return;
    if (status < 200 || status >= 300) {
      return this.finish(attempt, registrationError(status, reason, this.retryAfterMs(response)));
    }
    const granted = this.grantedSeconds(response);
    if (granted === null) {
      return this.finish(attempt, new SipError(status, reason, `registration not confirmed: the registrar answered ${status} ${reason} but listed no Contact for this client`));
    }
    this.finish(attempt, null, granted);
  }

  /** 423 Interval Too Brief: ask once more with the registrar's Min-Expires, within our bound. */
  private retryWithMinExpires(attempt: Attempt, response: IncomingResponse): boolean {
    const min = deltaSeconds(response.getHeader('min-expires'));
    if (attempt.retried423 || min === undefined || min <= this.expiresSec || min > REGISTER_EXPIRES_MAX_SEC) {
      this.logger.warn(`registrar answered 423 with Min-Expires ${String(min)}: not retrying`);
      return false;
    }
    this.logger.info(`registrar asked for at least ${min} s (423): registering again with that`);
    this.stopWaiting(attempt);
    attempt.retried423 = true;
    this.expiresSec = min;
    this.send(attempt);
    return true;
  }

  /**
   * The interval granted to OUR Contact (RFC 3261 §10.2.4): its `expires` parameter, else the
   * `Expires` header, else what we asked for; `null` when no Contact of ours is listed.
   */
  private grantedSeconds(response: IncomingResponse): number | null {
    const ours = this.userAgent.contact.uri.user;
    const count = response.getHeaders('contact').length;
    let contact: NameAddrHeader | undefined;
    for (let i = 0; i < count && !contact; i++) {
      const parsed = response.parseHeader('contact', i) as NameAddrHeader | undefined;
      if (parsed?.uri?.user === ours) contact = parsed;
    }
    if (!contact) return null;
    const param = contact.getParam('expires');
    const granted = deltaSeconds(param) ?? deltaSeconds(response.getHeader('expires'));
    if (granted === undefined) {
      this.logger.warn(`registrar granted no usable expiry (${String(param)}): assuming the ${this.expiresSec} s asked for`);
      return this.expiresSec;
    }
    return granted;
  }

  private retryAfterMs(response: IncomingResponse): number | undefined {
    const seconds = deltaSeconds(response.getHeader('retry-after')?.split(/[\s;(]/)[0]);
    return seconds === undefined ? undefined : seconds * 1000;
  }

  private finish(attempt: Attempt, error: VoxlineError | null, grantedSec?: number): void {
    if (attempt !== this.attempt) return;
    this.attempt = null;
    this.stopWaiting(attempt);
    if (attempt.kind === 'unregister') {
      this.setRegistered(false);
      for (const w of attempt.waiters) w.resolve();
      return;
    }
    if (error) {
      const refresh = attempt.waiters.length === 0;
      this.setRegistered(false);
      if (refresh && !(error instanceof AuthenticationError)) {
        const retryAfterSec = error instanceof SipError && error.retryAfterMs ? error.retryAfterMs / 1000 : 0;
        this.logger.warn(`refreshing the registration failed (${error.message}); retrying later`);
        this.scheduleRefresh(Math.max(REFRESH_RETRY_SEC, retryAfterSec));
      } else if (refresh) {
        this.logger.error(`refreshing the registration failed: ${error.message}`);
      }
      for (const w of attempt.waiters) w.reject(error);
      return;
    }
    const granted = grantedSec ?? this.expiresSec;
    if (granted < MIN_REFRESH_SEC || granted > REGISTER_EXPIRES_MAX_SEC) this.logger.warn(`registrar granted ${granted} s: refreshing in ${refreshDelaySec(granted)} s`);
    this.scheduleRefresh(refreshDelaySec(granted));
    this.setRegistered(true);
    for (const w of attempt.waiters) w.resolve();
  }

  private scheduleRefresh(delaySec: number): void {
    this.clearRefresh();
    if (this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start('register', null);
    }, delaySec * 1000);
  }

  private clearRefresh(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private setRegistered(registered: boolean): void {
    if (this._registered === registered) return;
    this._registered = registered;
    this.emit(registered ? 'registered' : 'unregistered');
  }
}

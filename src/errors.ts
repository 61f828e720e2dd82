/**
 * Voxline's error catalogue. Every error the SDK raises or emits is a {@link VoxlineError} with a
 * stable `code`, so applications can branch on `err.code` instead of parsing messages.
 *
 * Bad arguments to a method throw a plain `TypeError` naming the argument, as the DOM does.
 *
 * @packageDocumentation
 */

/** Stable, machine-readable error codes. New codes may be added; existing ones never change. */
export type VoxlineErrorCode =
  | 'configuration'
  | 'invalid-state'
  | 'connection'
  | 'authentication'
  | 'timeout'
  | 'sip'
  | 'media'
  | 'cancelled'
  | 'limit';

/** Options accepted by every Voxline error constructor. */
export interface VoxlineErrorOptions {
  /** The underlying error or value that caused this one. */
  cause?: unknown;
}

/**
 * Base class of every error raised by Voxline.
 *
 * @example
 * ```ts
 * try {
 *   await client.login('alice', 'wrong');
 * } catch (err) {
 *   if (err instanceof Voxline.VoxlineError && err.code === 'authentication') showLoginForm();
 * }
 * ```
 */
export class VoxlineError extends Error {
  /** Stable machine-readable code; see {@link VoxlineErrorCode}. */
  readonly code: VoxlineErrorCode;

  constructor(code: VoxlineErrorCode, message: string, options: VoxlineErrorOptions = {}) {
    super(message);
    this.name = 'VoxlineError';
    this.code = code;
    if (options.cause !== undefined) {
      // Set explicitly: `Error(message, { cause })` is not available on every target we support.
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true, configurable: true });
    }
  }
}

/**
 * An option passed to the {@link Client} constructor is missing, unknown or invalid.
 * Cause: a typo in an option name, or a value of the wrong type or form.
 * Solution: the message names the key; fix that option.
 */
export class ConfigurationError extends VoxlineError {
  /** The option key at fault, e.g. `servers[1]`. */
  readonly key: string;

  constructor(key: string, message: string, options?: VoxlineErrorOptions) {
    super('configuration', `Invalid option "${key}": ${message}`, options);
    this.name = 'ConfigurationError';
    this.key = key;
  }
}

/**
 * A method was called in a state that does not allow it, e.g. `call()` before `login()`,
 * or any method after `destroy()`. The message names the method and the current state.
 */
export class InvalidStateError extends VoxlineError {
  constructor(message: string, options?: VoxlineErrorOptions) {
    super('invalid-state', message, options);
    this.name = 'InvalidStateError';
  }
}

/**
 * The signalling server could not be reached, or the link to it was lost.
 * Cause: wrong URL, server down, network down, or a proxy blocking WebSockets.
 * Solution: check the `servers` URLs and that the server accepts the `sip` WebSocket subprotocol.
 */
export class ConnectionError extends VoxlineError {
  /** The server URL involved, when there is one. */
  readonly server: string | undefined;

  constructor(message: string, server?: string, options?: VoxlineErrorOptions) {
    super('connection', message, options);
    this.name = 'ConnectionError';
    this.server = server;
  }
}

/**
 * The server refused the credentials (SIP 401/403/407 after the credentials were sent).
 * Solution: check the user name and password, and the SIP `domain` (digest realm).
 */
export class AuthenticationError extends VoxlineError {
  /** The SIP status code of the final refusal. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: VoxlineErrorOptions) {
    super('authentication', message, options);
    this.name = 'AuthenticationError';
    this.status = status;
  }
}

/** An operation did not complete in time. The message names the operation and the limit. */
export class TimeoutError extends VoxlineError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: VoxlineErrorOptions) {
    super('timeout', message, options);
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The server or the remote party answered a request with a SIP failure response. */
export class SipError extends VoxlineError {
  /** SIP status code, e.g. 404. */
  readonly status: number;
  /** SIP reason phrase, e.g. "Not Found". */
  readonly reason: string;
  /** From a `Retry-After` header: how long the server asked to wait, in ms. */
  retryAfterMs?: number;

  constructor(status: number, reason: string, message?: string, options?: VoxlineErrorOptions) {
    super('sip', message ?? `SIP ${status} ${reason}`, options);
    this.name = 'SipError';
    this.status = status;
    this.reason = reason;
  }
}

/** The microphone or audio device could not be used (permission denied, no device). */
export class MediaError extends VoxlineError {
  constructor(message: string, options?: VoxlineErrorOptions) {
    super('media', message, options);
    this.name = 'MediaError';
  }
}

/**
 * The operation was cancelled on purpose: `logout()` or `destroy()` during `login()`, or the
 * `AbortSignal` passed to it was aborted. Nothing failed; usually there is nothing to show.
 * Cause: in React StrictMode a component mounts twice in development, so a first login is
 * cancelled by the first unmount. Solution: ignore it (`err.code === 'cancelled'`).
 */
export class CancelledError extends VoxlineError {
  constructor(message: string, options?: VoxlineErrorOptions) {
    super('cancelled', message, options);
    this.name = 'CancelledError';
  }
}

/**
 * A configured limit was reached, e.g. the outbox already holds `maxQueuedMessages` messages.
 * Solution: wait for earlier messages to settle, or raise the limit in the options.
 */
export class LimitError extends VoxlineError {
  /** The limit that was reached. */
  readonly limit: number;

  constructor(message: string, limit: number, options?: VoxlineErrorOptions) {
    super('limit', message, options);
    this.name = 'LimitError';
    this.limit = limit;
  }
}

/**
 * Validation of the arguments of the public methods: a plain `TypeError` naming the argument,
 * thrown before anything is sent, as the DOM does.
 */

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const RESERVED_HEADERS = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'content-length', 'content-type', 'route', 'record-route', 'authorization', 'proxy-authorization']);
const USER_NAME = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;

/** Extra SIP headers of `call()`: valid names, not managed by the SDK, single-line string values. */
export function validateHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw new TypeError('call(target, options): "options.headers" must be an object of header names to string values');
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`call(target, options): header name "${name}" is not a valid SIP header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new TypeError(`call(target, options): header "${name}" is managed by the SDK and cannot be set`);
    if (typeof value !== 'string' || /[\u0000-\u001f\u007f]/.test(value)) throw new TypeError(`call(target, options): header "${name}" must be a single-line string without control characters`);
  }
  return headers as Record<string, string>;
}

/** `login(user, password, options)`: a SIP user name, a string password, an optional AbortSignal. */
export function validateLogin(user: unknown, password: unknown, options: unknown): AbortSignal | undefined {
  if (typeof user !== 'string' || !USER_NAME.test(user)) {
    throw new TypeError('login(user, password): "user" must be a non-empty SIP user name such as "alice"');
  }
  if (typeof password !== 'string') {
    throw new TypeError('login(user, password): "password" must be a string (it may be empty for a server that does not authenticate)');
  }
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError('login(user, password, options): "options" must be an object');
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined) return undefined;
  const s = signal as Partial<AbortSignal> | null;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new TypeError('login(user, password, options): "options.signal" must be an AbortSignal');
  }
  return signal as AbortSignal;
}

/** `sendMessage(target, body, options)`: a non-empty body, a media type and an optional id. */
export function validateMessage(body: unknown, options: unknown): { contentType: string; id: string | undefined } {
  if (typeof body !== 'string' || body.length === 0) {
    throw new TypeError('sendMessage(target, body): "body" must be a non-empty string');
  }
  const contentType = (options as { contentType?: unknown } | undefined)?.contentType ?? 'text/plain;charset=utf-8';
  if (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+(\s*;[^\u0000-\u001f\u007f]*)?$/.test(contentType)) {
    throw new TypeError(`sendMessage(target, body, options): "options.contentType" must be a media type such as text/plain, got ${String(contentType)}`);
  }
  const id = (options as { id?: unknown } | undefined)?.id;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > 200 || /[\u0000-\u001f\u007f]/.test(id))) {
    throw new TypeError('sendMessage(target, body, options): "options.id" must be a string of 1 to 200 printable characters');
  }
  return { contentType, id };
}

/**
 * {@link ClientOptions}: the options of the {@link Client} constructor, their defaults (one
 * object, {@link DEFAULT_OPTIONS}), and their validation, which runs in the constructor before
 * any side effect and throws a {@link ConfigurationError} naming the bad key.
 */
import { ConfigurationError } from './errors';
import { LOG_LEVELS, type LogLevel } from './logger';
import { crlfKeepAlive, type KeepAliveStrategy } from './transport/keep-alive';
import { DefaultReconnectPolicy, type DefaultReconnectPolicyOptions, type ReconnectPolicy } from './transport/reconnect-policy';

/** Keep-alive settings: how a silently dead ("blackholed") link is noticed. */
export interface KeepAliveOptions {
  /**
   * Send a keep-alive after this long without receiving anything, in ms.
   * @defaultValue `2000`
   */
  idleMs?: number;
  /**
   * Declare the link dead when nothing arrives this long after a keep-alive, in ms.
   * Worst-case detection time is about `idleMs + timeoutMs + 250`.
   * @defaultValue `2500`
   */
  timeoutMs?: number;
  /**
   * What to send and how to recognise the answer.
   * @defaultValue RFC 5626 CRLF ping/pong
   */
  strategy?: KeepAliveStrategy;
}

/** Reconnection settings; see {@link DefaultReconnectPolicyOptions} for the default policy's knobs. */
export interface ReconnectOptions extends DefaultReconnectPolicyOptions {
  /**
   * Replaces the default policy entirely (the other settings are then ignored).
   * @defaultValue a {@link DefaultReconnectPolicy} built from the other settings
   */
  policy?: ReconnectPolicy;
}

/**
 * Options of the {@link Client} constructor. Only `servers` is required.
 *
 * @example
 * ```ts
 * const client = new Client({ servers: ['wss://sip.example.com'], domain: 'example.com' });
 * ```
 */
export interface ClientOptions {
  /**
   * SIP-over-WebSocket server URLs (`ws://` or `wss://`), tried in order.
   * At least one is required.
   */
  servers: string[];
  /**
   * SIP domain of the user's address (`sip:user@domain`), also the digest realm users expect.
   * @defaultValue the host name of the first server
   */
  domain?: string;
  /**
   * Display name sent with the user's address in requests.
   * @defaultValue none
   */
  displayName?: string;
  /**
   * ICE servers (STUN/TURN) for calls. Empty means host candidates only: no third-party STUN
   * server is contacted unless you configure one.
   * @defaultValue `[]`
   */
  iceServers?: RTCIceServer[];
  /**
   * How chatty the SDK's console output is.
   * @defaultValue `'warn'`
   */
  logLevel?: LogLevel;
  /**
   * Value of the SIP `User-Agent` header.
   * @defaultValue `'Voxline/<version>'`
   */
  userAgent?: string;
  /**
   * How long to wait for the WebSocket to open before trying the next server, in ms.
   * @defaultValue `10000`
   */
  connectTimeoutMs?: number;
  /**
   * Registration lifetime requested from the registrar, in seconds. It is refreshed before expiry.
   * @defaultValue `600`
   */
  registerExpiresSec?: number;
  /**
   * How long `sendMessage()` may take, waiting in the outbox during an outage included, before
   * its promise rejects with `TimeoutError`, in ms.
   * @defaultValue `30000`
   */
  messageTimeoutMs?: number;
  /**
   * Keep-alive settings, or `false` to send none (a blackholed link then goes unnoticed).
   * @defaultValue `{ idleMs: 2000, timeoutMs: 2500, strategy: CRLF }`
   */
  keepAlive?: KeepAliveOptions | false;
  /**
   * Reconnection settings, or `false` to never reconnect after a loss.
   * @defaultValue at once, then every second for 10 s, then exponential backoff with full jitter up to 30 s, forever
   */
  reconnect?: ReconnectOptions | false;
}

/** SDK version, replaced at build time. */
export const VERSION: string = '__VOXLINE_VERSION__';

/** Defaults of every optional option, in one place. */
export const DEFAULT_OPTIONS = Object.freeze({
  iceServers: [] as RTCIceServer[],
  logLevel: 'warn' as LogLevel,
  userAgent: `Voxline/${VERSION}`,
  connectTimeoutMs: 10_000,
  registerExpiresSec: 600,
  messageTimeoutMs: 30_000,
  keepAlive: Object.freeze({ idleMs: 2_000, timeoutMs: 2_500, strategy: crlfKeepAlive }),
});

/** Options after defaults are applied: what the SDK uses internally. */
export interface ResolvedClientOptions {
  servers: string[];
  domain: string;
  displayName: string | undefined;
  iceServers: RTCIceServer[];
  logLevel: LogLevel;
  userAgent: string;
  connectTimeoutMs: number;
  registerExpiresSec: number;
  messageTimeoutMs: number;
  keepAlive: Required<KeepAliveOptions> | null;
  reconnectPolicy: ReconnectPolicy;
}

/** A policy that never reconnects (`reconnect: false`). */
const NEVER_RECONNECT: ReconnectPolicy = Object.freeze({ nextDelayMs: () => null });

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof ClientOptions>([
  'servers',
  'domain',
  'displayName',
  'iceServers',
  'logLevel',
  'userAgent',
  'connectTimeoutMs',
  'registerExpiresSec',
  'messageTimeoutMs',
  'keepAlive',
  'reconnect',
]);

const RECONNECT_NUMBERS = ['fastRetryWindowMs', 'fastRetryDelayMs', 'backoffBaseMs', 'maxDelayMs', 'maxAttempts'] as const;

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$|^\[[0-9A-Fa-f:.]+\]$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateServer(value: unknown, key: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(key, 'must be a non-empty ws:// or wss:// URL string');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigurationError(key, `"${value}" is not a valid URL`, { cause });
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ConfigurationError(key, `"${value}" must use ws:// or wss://, not ${url.protocol}//`);
  }
  return url;
}

function positiveNumber(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(key, `must be a positive number, got ${String(value)}`);
  }
  return value;
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(key, 'must be a non-empty string');
  }
  return value;
}

function nonNegative(value: unknown, key: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ConfigurationError(key, `must be a number ≥ 0, got ${String(value)}`);
  }
}

function checkKeys(value: Record<string, unknown>, prefix: string, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigurationError(`${prefix}.${key}`, `unknown option; known are ${known.join(', ')}`);
  }
}

function validateKeepAlive(value: unknown): Required<KeepAliveOptions> | null {
  if (value === false) return null;
  if (value === undefined) return { ...DEFAULT_OPTIONS.keepAlive };
  if (!isPlainObject(value)) throw new ConfigurationError('keepAlive', 'must be an object or false');
  checkKeys(value, 'keepAlive', ['idleMs', 'timeoutMs', 'strategy']);
  const strategy = value.strategy ?? DEFAULT_OPTIONS.keepAlive.strategy;
  if (!isPlainObject(strategy) || typeof strategy.ping !== 'function' || typeof strategy.isPong !== 'function') {
    throw new ConfigurationError('keepAlive.strategy', 'must be an object with ping() and isPong(frame) methods');
  }
  return {
    idleMs: positiveNumber(value.idleMs, 'keepAlive.idleMs', DEFAULT_OPTIONS.keepAlive.idleMs),
    timeoutMs: positiveNumber(value.timeoutMs, 'keepAlive.timeoutMs', DEFAULT_OPTIONS.keepAlive.timeoutMs),
    strategy: strategy as unknown as KeepAliveStrategy,
  };
}

function validateReconnect(value: unknown): ReconnectPolicy {
  if (value === false) return NEVER_RECONNECT;
  if (value === undefined) return new DefaultReconnectPolicy();
  if (!isPlainObject(value)) throw new ConfigurationError('reconnect', 'must be an object or false');
  checkKeys(value, 'reconnect', ['policy', 'random', ...RECONNECT_NUMBERS]);
  if (value.policy !== undefined) {
    const policy = value.policy;
    if (!isPlainObject(policy) && typeof policy !== 'function') throw new ConfigurationError('reconnect.policy', 'must be an object with nextDelayMs(context)');
    if (typeof (policy as { nextDelayMs?: unknown }).nextDelayMs !== 'function') {
      throw new ConfigurationError('reconnect.policy', 'must have a nextDelayMs(context) method');
    }
    return policy as unknown as ReconnectPolicy;
  }
  for (const key of RECONNECT_NUMBERS) nonNegative(value[key], `reconnect.${key}`);
  if (value.random !== undefined && typeof value.random !== 'function') throw new ConfigurationError('reconnect.random', 'must be a function');
  return new DefaultReconnectPolicy(value as DefaultReconnectPolicyOptions);
}

function validateIceServers(value: unknown): RTCIceServer[] {
  if (value === undefined) return [...DEFAULT_OPTIONS.iceServers];
  if (!Array.isArray(value)) throw new ConfigurationError('iceServers', 'must be an array of RTCIceServer objects');
  value.forEach((server: unknown, i) => {
    const urls = isPlainObject(server) ? server.urls : undefined;
    const ok = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
    if (!ok) throw new ConfigurationError(`iceServers[${i}].urls`, 'must be a URL string or a non-empty array of them');
  });
  return value as RTCIceServer[];
}

/** Largest `registerExpiresSec` (one day); also bounds what a registrar may grant, far below `setTimeout`'s 2^31 ms. */
export const REGISTER_EXPIRES_MAX_SEC = 86_400;

/**
 * Validates user options and merges them over {@link DEFAULT_OPTIONS}.
 * `undefined` values count as absent.
 *
 * @throws {@link ConfigurationError} naming the first bad key.
 */
export function resolveOptions(input: unknown): ResolvedClientOptions {
  if (!isPlainObject(input)) {
    throw new ConfigurationError('options', 'must be an object such as { servers: ["wss://sip.example.com"] }');
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new ConfigurationError(key, `unknown option; known options are ${[...KNOWN_KEYS].join(', ')}`);
    }
  }
  const servers = input.servers;
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new ConfigurationError('servers', 'must be a non-empty array of ws:// or wss:// URLs');
  }
  const urls = servers.map((s, i) => validateServer(s, `servers[${i}]`));

  const domain = optionalString(input.domain, 'domain') ?? urls[0]!.hostname;
  if (!HOST_NAME.test(domain)) {
    throw new ConfigurationError('domain', `"${domain}" is not a valid host name`);
  }
  const logLevel = input.logLevel ?? DEFAULT_OPTIONS.logLevel;
  if (typeof logLevel !== 'string' || !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigurationError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const registerExpiresSec = positiveNumber(input.registerExpiresSec, 'registerExpiresSec', DEFAULT_OPTIONS.registerExpiresSec);
  if (!Number.isInteger(registerExpiresSec) || registerExpiresSec < 30 || registerExpiresSec > REGISTER_EXPIRES_MAX_SEC) {
    throw new ConfigurationError('registerExpiresSec', `must be a whole number of seconds from 30 to ${REGISTER_EXPIRES_MAX_SEC}, got ${registerExpiresSec}`);
  }
  return {
    servers: servers as string[],
    domain,
    displayName: optionalString(input.displayName, 'displayName'),
    iceServers: validateIceServers(input.iceServers),
    logLevel: logLevel as LogLevel,
    userAgent: optionalString(input.userAgent, 'userAgent') ?? DEFAULT_OPTIONS.userAgent,
    connectTimeoutMs: positiveNumber(input.connectTimeoutMs, 'connectTimeoutMs', DEFAULT_OPTIONS.connectTimeoutMs),
    registerExpiresSec,
    messageTimeoutMs: positiveNumber(input.messageTimeoutMs, 'messageTimeoutMs', DEFAULT_OPTIONS.messageTimeoutMs),
    keepAlive: validateKeepAlive(input.keepAlive),
    reconnectPolicy: validateReconnect(input.reconnect),
  };
}

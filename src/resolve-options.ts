/**
 * Validation of the {@link ClientOptions}: runs in the constructor before any side effect, throws
 * a {@link ConfigurationError} naming the bad key, and merges the options over
 * {@link DEFAULT_OPTIONS} into the {@link ResolvedClientOptions} the SDK uses internally.
 */
import { ConfigurationError } from './errors';
import { LOG_LEVELS, toLogSink, type LogLevel, type LogSink } from './logger';
import { DEFAULT_OPTIONS, DEFAULT_QUALITY_THRESHOLDS, REGISTER_EXPIRES_MAX_SEC, type ClientOptions, type KeepAliveOptions, type QualityThresholds } from './options';
import type { KeepAliveStrategy } from './transport/keep-alive';
import { DefaultReconnectPolicy, type DefaultReconnectPolicyOptions, type ReconnectPolicy } from './transport/reconnect-policy';
/** Options after defaults are applied: what the SDK uses internally. */
export interface ResolvedClientOptions {
  servers: readonly string[];
  domain: string;
  displayName: string | undefined;
  iceServers: RTCIceServer[];
  iceTransportPolicy: 'all' | 'relay';
  logLevel: LogLevel;
  logSink: LogSink | undefined;
  userAgent: string;
  connectTimeoutMs: number;
  registerExpiresSec: number;
  messageTimeoutMs: number;
  maxQueuedMessages: number;
  persistOutbox: boolean;
  resumeCalls: boolean;
  callResumeWindowMs: number;
  maxIncomingCalls: number;
  callRecoveryTimeoutMs: number;
  qualityThresholds: Required<QualityThresholds>;
  keepAlive: Required<KeepAliveOptions> | null;
  reconnectPolicy: ReconnectPolicy;
  /** URL of the shared worker script (shared mode), or `null`: the engine runs in the page. */
  sharedWorker: string | null;
  /** Advice found while validating (not errors), for the client to log once. */
  warnings: string[];
}

/** A policy that never reconnects (`reconnect: false`). */
const NEVER_RECONNECT: ReconnectPolicy = Object.freeze({ nextDelayMs: () => null });

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof ClientOptions>([
  'servers',
  'domain',
  'displayName',
  'iceServers',
  'iceTransportPolicy',
  'logLevel',
  'logger',
  'userAgent',
  'connectTimeoutMs',
  'registerExpiresSec',
  'messageTimeoutMs',
  'maxQueuedMessages',
  'persistOutbox',
  'resumeCalls',
  'callResumeWindowMs',
  'maxIncomingCalls',
  'callRecoveryTimeoutMs',
  'qualityThresholds',
  'keepAlive',
  'reconnect',
  'sharedWorker',
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
  if (url.username !== '' || url.password !== '') {
    // Never echo the URL: it holds a credential.
    throw new ConfigurationError(key, 'must not contain a user name or password (ws://user:secret@host); pass credentials to login()');
  }
  return url;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Printable text only: C0 controls (CR, LF, NUL…) and DEL would corrupt or inject SIP headers. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function printableString(value: unknown, key: string): string | undefined {
  const text = optionalString(value, key);
  if (text !== undefined && CONTROL_CHARACTERS.test(text)) {
    throw new ConfigurationError(key, 'must not contain control characters such as CR or LF');
  }
  return text;
}

function wholeNumber(value: unknown, key: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(key, `must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function positiveNumber(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(key, `must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** The options that {@link DEFAULT_OPTIONS} gives a number, or a boolean. */
type DefaultOf<T> = { [K in keyof typeof DEFAULT_OPTIONS]: (typeof DEFAULT_OPTIONS)[K] extends T ? K : never }[keyof typeof DEFAULT_OPTIONS];

/** {@link positiveNumber} of option `key`, defaulting to {@link DEFAULT_OPTIONS}'. */
function positiveOption(input: Record<string, unknown>, key: DefaultOf<number>): number {
  return positiveNumber(input[key], key, DEFAULT_OPTIONS[key]);
}

/** {@link wholeNumber} of option `key`, defaulting to {@link DEFAULT_OPTIONS}'. */
function wholeOption(input: Record<string, unknown>, key: DefaultOf<number>, min: number, max: number): number {
  return wholeNumber(input[key], key, DEFAULT_OPTIONS[key], min, max);
}

/** Boolean option `key`, defaulting to {@link DEFAULT_OPTIONS}'. */
function booleanOption(input: Record<string, unknown>, key: DefaultOf<boolean>): boolean {
  const value = input[key] ?? DEFAULT_OPTIONS[key];
  if (typeof value !== 'boolean') throw new ConfigurationError(key, `must be true or false, got ${String(value)}`);
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
  checkKeys(value, 'keepAlive', ['idleMs', 'timeoutMs', 'strategy', 'worker']);
  if (value.worker !== undefined && typeof value.worker !== 'boolean') throw new ConfigurationError('keepAlive.worker', 'must be true or false');
  const strategy = value.strategy ?? DEFAULT_OPTIONS.keepAlive.strategy;
  if (!isPlainObject(strategy) || typeof strategy.ping !== 'function' || typeof strategy.isPong !== 'function') {
    throw new ConfigurationError('keepAlive.strategy', 'must be an object with ping() and isPong(frame) methods');
  }
  return {
    idleMs: positiveNumber(value.idleMs, 'keepAlive.idleMs', DEFAULT_OPTIONS.keepAlive.idleMs),
    timeoutMs: positiveNumber(value.timeoutMs, 'keepAlive.timeoutMs', DEFAULT_OPTIONS.keepAlive.timeoutMs),
    strategy: strategy as unknown as KeepAliveStrategy,
    worker: value.worker ?? DEFAULT_OPTIONS.keepAlive.worker,
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

/** Validates and copies the ICE servers: later changes to the caller's array do not reach the SDK. */
function validateIceServers(value: unknown): RTCIceServer[] {
  if (value === undefined) return [...DEFAULT_OPTIONS.iceServers];
  if (!Array.isArray(value)) throw new ConfigurationError('iceServers', 'must be an array of RTCIceServer objects');
  return value.map((server: unknown, i) => {
    const urls = isPlainObject(server) ? server.urls : undefined;
    const ok = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
    if (!ok) throw new ConfigurationError(`iceServers[${i}].urls`, 'must be a URL string or a non-empty array of them');
    const copy = { ...(server as RTCIceServer) };
    if (Array.isArray(copy.urls)) copy.urls = Object.freeze([...copy.urls]) as string[];
    return Object.freeze(copy);
  });
}

function validateQualityThresholds(value: unknown): Required<QualityThresholds> {
  if (value === undefined) return { ...DEFAULT_QUALITY_THRESHOLDS };
  if (!isPlainObject(value)) throw new ConfigurationError('qualityThresholds', 'must be an object such as { rttMs: 400 }');
  checkKeys(value, 'qualityThresholds', ['rttMs', 'jitterMs', 'packetLossPercent', 'mos']);
  const out = { ...DEFAULT_QUALITY_THRESHOLDS };
  for (const key of ['rttMs', 'jitterMs', 'packetLossPercent', 'mos'] as const) out[key] = positiveNumber(value[key], `qualityThresholds.${key}`, out[key]);
  if (out.packetLossPercent > 100) throw new ConfigurationError('qualityThresholds.packetLossPercent', 'must be a percentage, at most 100');
  if (out.mos > 4.5) throw new ConfigurationError('qualityThresholds.mos', 'must be a MOS from 1 to 4.5');
  return out;
}

function validateLogger(value: unknown): LogSink | undefined {
  if (value === undefined) return undefined;
  const sink = toLogSink(value);
  if (!sink) throw new ConfigurationError('logger', 'must be a function (level, namespace, message) or an object with debug, info, warn and error methods');
  return sink;
}

/** The worker script's URL; options holding functions cannot go to a worker with it. */
function validateSharedWorker(input: Record<string, unknown>): string | null {
  const value = input.sharedWorker;
  if (value === undefined) return null;
  const href = typeof URL === 'function' && value instanceof URL ? value.href : value;
  if (typeof href !== 'string' || href.trim() === '') throw new ConfigurationError('sharedWorker', 'must be the URL (string or URL) of voxline.worker.js');
  for (const key of ['reconnect.policy', 'reconnect.random', 'keepAlive.strategy']) {
    const [group, field] = key.split('.') as [string, string];
    if ((input[group] as Record<string, unknown> | undefined)?.[field] !== undefined) throw new ConfigurationError(key, 'cannot be used with sharedWorker: functions cannot be sent to a worker');
  }
  return href;
}

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
  const warnings = urls
    .filter((url) => url.protocol === 'ws:' && !LOOPBACK_HOST.test(url.hostname))
    .map((url) => `${url.origin} is not encrypted (ws://): use wss:// outside local development; pages served over https cannot open ws:// at all`);

  const domain = optionalString(input.domain, 'domain') ?? urls[0]!.hostname;
  if (!HOST_NAME.test(domain)) {
    throw new ConfigurationError('domain', `"${domain}" is not a valid host name`);
  }
  const logLevel = input.logLevel ?? DEFAULT_OPTIONS.logLevel;
  if (typeof logLevel !== 'string' || !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigurationError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const iceTransportPolicy: unknown = input.iceTransportPolicy === undefined ? DEFAULT_OPTIONS.iceTransportPolicy : input.iceTransportPolicy;
  if (iceTransportPolicy !== 'all' && iceTransportPolicy !== 'relay') {
    throw new ConfigurationError('iceTransportPolicy', `must be "all" or "relay", got ${JSON.stringify(iceTransportPolicy)}`);
  }
  const persistOutbox = booleanOption(input, 'persistOutbox');
  const resumeCalls = booleanOption(input, 'resumeCalls');
  const registerExpiresSec = positiveOption(input, 'registerExpiresSec');
  if (!Number.isInteger(registerExpiresSec) || registerExpiresSec < 30 || registerExpiresSec > REGISTER_EXPIRES_MAX_SEC) {
    throw new ConfigurationError('registerExpiresSec', `must be a whole number of seconds from 30 to ${REGISTER_EXPIRES_MAX_SEC}, got ${registerExpiresSec}`);
  }
  return {
    // Copied and frozen: changing the caller's array later does not change the client.
    servers: Object.freeze([...(servers as string[])]),
    domain,
    displayName: printableString(input.displayName, 'displayName'),
    iceServers: validateIceServers(input.iceServers),
    iceTransportPolicy,
    logLevel: logLevel as LogLevel,
    logSink: validateLogger(input.logger),
    userAgent: printableString(input.userAgent, 'userAgent') ?? DEFAULT_OPTIONS.userAgent,
    connectTimeoutMs: positiveOption(input, 'connectTimeoutMs'),
    registerExpiresSec,
    messageTimeoutMs: positiveOption(input, 'messageTimeoutMs'),
    maxQueuedMessages: wholeOption(input, 'maxQueuedMessages', 1, 1_000_000),
    persistOutbox,
    resumeCalls,
    callResumeWindowMs: wholeOption(input, 'callResumeWindowMs', 100, 600_000),
    qualityThresholds: validateQualityThresholds(input.qualityThresholds),
    maxIncomingCalls: wholeOption(input, 'maxIncomingCalls', 0, 1_000),
    callRecoveryTimeoutMs: wholeOption(input, 'callRecoveryTimeoutMs', 1_000, 600_000),
    keepAlive: validateKeepAlive(input.keepAlive),
    reconnectPolicy: validateReconnect(input.reconnect),
    sharedWorker: validateSharedWorker(input),
    warnings,
  };
}

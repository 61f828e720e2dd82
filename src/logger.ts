/**
 * A small namespaced logger with levels. All SDK output goes through it; there is no stray
 * `console.*` elsewhere. Lines go to the console by default, or to the application's own logger
 * (the `logger` option). Credentials never reach the sink: {@link redact} masks the places they
 * can appear: SIP `Authorization`/`Proxy-Authorization` header values, digest `response=`
 * values, and `password`/`credential` values in option or object dumps.
 */

/** Verbosity, from most to least chatty. `silent` prints nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A function that receives every log line the level lets through (the `logger` option). */
export type LogSink = (level: Exclude<LogLevel, 'silent'>, namespace: string, message: string) => void;

/** An object logger such as `console` or an app's logger: one method per level. */
export interface LeveledLogger {
  /** Detail for debugging: every SIP message and link event. */
  debug(message: string): void;
  /** Milestones: connected, logged in, call ended. */
  info(message: string): void;
  /** Something went wrong and the SDK is handling it (a lost link, a refused request). */
  warn(message: string): void;
  /** Something failed that the application may need to act on. */
  error(message: string): void;
}

/** What the `logger` option accepts: a {@link LogSink} function or a {@link LeveledLogger}. */
export type VoxlineLogger = LogSink | LeveledLogger;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** The log levels accepted by the `logLevel` option. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error', 'silent']);

const AUTH_HEADER = /^((?:Proxy-)?Authorization\s*:).*$/gim;
const DIGEST_RESPONSE = /(response\s*=\s*)"[^"]*"/gi;
const PASSWORD_VALUE = /(["']?(?:password|authorizationPassword|credential)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;}&]+)/gi;

/** Masks credentials in a log line. Exposed for tests. */
export function redact(text: string): string {
  return text.replace(AUTH_HEADER, '$1 [redacted]').replace(DIGEST_RESPONSE, '$1"[redacted]"').replace(PASSWORD_VALUE, '$1[redacted]');
}

const consoleSink: LogSink = (level, namespace, message) => {
  const line = `[voxline:${namespace}] ${message}`;
  // The only place the SDK touches the console.
  // eslint-disable-next-line no-restricted-properties -- the console sink is the one place the SDK writes to the console
  const con = globalThis.console;
  if (!con) return;
  if (level === 'error') con.error(line);
  else if (level === 'warn') con.warn(line);
  else if (level === 'info') con.info(line);
  else con.debug(line);
};

/** Turns a `logger` option value into a sink; `null` when it is neither form. */
export function toLogSink(value: unknown): LogSink | null {
  if (typeof value === 'function') return value as LogSink;
  if (typeof value !== 'object' || value === null) return null;
  const target = value as Record<string, unknown>;
  if (!(['debug', 'info', 'warn', 'error'] as const).every((level) => typeof target[level] === 'function')) return null;
  const leveled = value as LeveledLogger;
  return (level, namespace, message) => leveled[level](`[voxline:${namespace}] ${message}`);
}

/** Shared state of a logger tree: level and sink. */
interface LoggerRoot {
  level: LogLevel;
  sink: LogSink;
}

/** A namespaced logger. Create one with {@link createLogger}; derive children with {@link Logger.child}. */
export class Logger {
  private readonly root: LoggerRoot;
  readonly namespace: string;

  constructor(root: LoggerRoot, namespace: string) {
    this.root = root;
    this.namespace = namespace;
  }

  /** A logger for a sub-component sharing level and sink, e.g. `client:transport`. */
  child(namespace: string): Logger {
    return new Logger(this.root, `${this.namespace}:${namespace}`);
  }

  /** True when messages of `level` would be printed; use to skip building costly messages. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.root.level];
  }

  debug(message: string): void {
    this.write('debug', message);
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  error(message: string): void {
    this.write('error', message);
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string): void {
    if (!this.enabled(level)) return;
    try {
      this.root.sink(level, this.namespace, redact(message));
    } catch {
      // A broken sink must never break the SDK.
    }
  }
}

/** Creates a root logger writing to `sink` (the console by default). */
export function createLogger(level: LogLevel, namespace = 'voxline', sink: LogSink = consoleSink): Logger {
  return new Logger({ level, sink }, namespace);
}

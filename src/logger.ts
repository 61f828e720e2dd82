/**
 * A small namespaced logger with levels. All SDK output goes through it; there is no stray
 * `console.*` elsewhere. Secrets never reach the sink: {@link redact} masks SIP
 * `Authorization`/`Proxy-Authorization` values, digest `response=` values and any string
 * registered with {@link Logger.addSecret} (the password).
 */

/** Verbosity, from most to least chatty. `silent` prints nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Where log lines go. Defaults to the browser console. */
export type LogSink = (level: Exclude<LogLevel, 'silent'>, namespace: string, message: string) => void;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** The log levels accepted by the `logLevel` option. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error', 'silent']);

const AUTH_HEADER = /^((?:Proxy-)?Authorization\s*:).*$/gim;
const DIGEST_RESPONSE = /(response\s*=\s*)"[^"]*"/gi;

/** Masks credentials in a log line. Exposed for tests. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(AUTH_HEADER, '$1 [redacted]').replace(DIGEST_RESPONSE, '$1"[redacted]"');
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('[redacted]');
  }
  return out;
}

const consoleSink: LogSink = (level, namespace, message) => {
  const line = `[voxline:${namespace}] ${message}`;
  // The only place the SDK touches the console.
  const con = globalThis.console;
  if (!con) return;
  if (level === 'error') con.error(line);
  else if (level === 'warn') con.warn(line);
  else if (level === 'info') con.info(line);
  else con.debug(line);
};

/** Shared state of a logger tree: level, sink and the secrets to mask. */
interface LoggerRoot {
  level: LogLevel;
  sink: LogSink;
  secrets: Set<string>;
}

/** A namespaced logger. Create one with {@link createLogger}; derive children with {@link Logger.child}. */
export class Logger {
  private readonly root: LoggerRoot;
  readonly namespace: string;

  constructor(root: LoggerRoot, namespace: string) {
    this.root = root;
    this.namespace = namespace;
  }

  /** A logger for a sub-component sharing level, sink and secrets, e.g. `client:transport`. */
  child(namespace: string): Logger {
    return new Logger(this.root, `${this.namespace}:${namespace}`);
  }

  /** Registers a value (a password) that must never be printed. */
  addSecret(secret: string): void {
    if (secret) this.root.secrets.add(secret);
  }

  /** Forgets a secret registered with {@link Logger.addSecret}. */
  removeSecret(secret: string): void {
    this.root.secrets.delete(secret);
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
      this.root.sink(level, this.namespace, redact(message, this.root.secrets));
    } catch {
      // A broken sink must never break the SDK.
    }
  }
}

/** Creates a root logger. */
export function createLogger(level: LogLevel, namespace = 'voxline', sink: LogSink = consoleSink): Logger {
  return new Logger({ level, sink, secrets: new Set() }, namespace);
}

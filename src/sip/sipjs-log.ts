/**
 * sip.js's core logging (`Levels`, `Logger`, `LoggerFactory`) as Voxline uses it: every line goes
 * to the factory's `connector` (src/sip/core.ts hands it to Voxline's logger) and sip.js's own
 * console printing stays off (`builtinEnabled = false`, which Voxline always sets). This version
 * has no console printing at all, so `builtinEnabled` is kept only for the callers that set it.
 * rollup.config.mjs puts this module in place of sip.js's `core/log/index.js` (≈ 1.1 KB minified
 * less); sipjs-log.test.ts checks that a connector receives the same calls from both.
 */

/** Log levels, numbered as sip.js's. */
export enum Levels {
  error = 0,
  warn = 1,
  log = 2,
  debug = 3,
}

/** Receives every line: level name, category, label (per-transaction loggers at debug level), text. */
type Connector = (level: string, category: string, label: string | undefined, content: string) => void;

/** The logger sip.js's core objects write to. */
export class Logger {
  constructor(
    private readonly factory: LoggerFactory,
    private readonly category: string,
    private readonly label?: string,
  ) {}

  error(content: string): void {
    this.send(Levels.error, content);
  }

  warn(content: string): void {
    this.send(Levels.warn, content);
  }

  log(content: string): void {
    this.send(Levels.log, content);
  }

  debug(content: string): void {
    this.send(Levels.debug, content);
  }

  private send(level: Levels, content: string): void {
    this.factory.connector?.(Levels[level], this.category, this.label, content);
  }
}

/** Makes the loggers; its `connector` receives every line, whatever the `level`. */
export class LoggerFactory {
  builtinEnabled = true;
  /** At `debug`, a logger asked for with a label (one per transaction) keeps it. */
  level: Levels = Levels.log;
  connector: Connector | undefined;

  getLogger(category: string, label?: string): Logger {
    return new Logger(this, category, this.level === Levels.debug ? label : undefined);
  }
}

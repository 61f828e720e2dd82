// @ts-check
/**
 * Tiny levelled logger for the dev SIP server. All server output goes through
 * here (no scattered console calls), and SIP text is passed through
 * `redactSip()` before it is logged so credentials never reach the log.
 */

/** @typedef {'debug'|'info'|'warn'|'error'|'silent'} LogLevel */
/** @typedef {'debug'|'info'|'warn'|'error'} MessageLevel */
/** @typedef {(level: MessageLevel, line: string) => void} LogSink */

/**
 * @typedef {Object} Logger
 * @property {LogLevel} level
 * @property {(msg: string) => void} debug
 * @property {(msg: string) => void} info
 * @property {(msg: string) => void} warn
 * @property {(msg: string) => void} error
 * @property {(level: MessageLevel) => boolean} enabled
 */

/** @type {Record<LogLevel, number>} */
const RANK = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const LOG_LEVELS = /** @type {LogLevel[]} */ (Object.keys(RANK));

/** @param {unknown} level @returns {level is LogLevel} */
export function isLogLevel(level) {
  return typeof level === 'string' && Object.prototype.hasOwnProperty.call(RANK, level);
}

/** @type {LogSink} */
function defaultSink(level, line) {
  const stream = level === 'warn' || level === 'error' ? process.stderr : process.stdout;
  stream.write(line + '\n');
}

/**
 * @param {LogLevel} [level]
 * @param {LogSink} [sink] receives every line at or above `level`
 * @returns {Logger}
 */
export function createLogger(level = 'info', sink = defaultSink) {
  if (!isLogLevel(level)) throw new TypeError(`invalid log level: ${String(level)}`);
  const threshold = RANK[level];
  /** @param {MessageLevel} lvl */
  const enabled = (lvl) => RANK[lvl] >= threshold;
  /** @param {MessageLevel} lvl @returns {(msg: string) => void} */
  const at = (lvl) => (msg) => {
    if (!enabled(lvl)) return;
    try {
      sink(lvl, `[voxline-sip] ${lvl.toUpperCase().padEnd(5)} ${msg}`);
    } catch {
      // A broken sink must never take the server down.
    }
  };
  return { level, enabled, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const SECRET_HEADER = /^(authorization|proxy-authorization)[ \t]*:.*$/gim;

/**
 * Replace the values of Authorization / Proxy-Authorization header lines.
 * @param {string} text raw SIP message
 */
export function redactSip(text) {
  return text.replace(SECRET_HEADER, (_line, name) => `${name}: <redacted>`);
}

/**
 * Adapter for sip.js's parser, which wants a sip.js-style logger. Its
 * complaints are only interesting when debugging; the server logs its own
 * one-line summary when a frame is rejected.
 * @param {Logger} logger
 */
export function sipJsLoggerAdapter(logger) {
  /** @param {unknown} m */
  const debug = (m) => logger.debug(`sip.js parser: ${redactSip(String(m))}`);
  return { error: debug, warn: debug, log: debug, debug };
}

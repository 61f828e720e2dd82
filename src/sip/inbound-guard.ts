/**
 * The guard every inbound frame passes before sip.js sees it. Nothing a server sends may throw
 * out of the SDK: sip.js 0.21 throws on some frames (a response whose `CSeq` cannot be parsed,
 * an out-of-dialog `PRACK`) and silently drops requests it cannot parse, where SIP wants an
 * answer. Per frame:
 * ```txt
 *   whitespace only (keep-alive) ─▶ ignored
 *   first line is not SIP ────────▶ dropped
 *   request ──sip.js cannot parse it──▶ 400 Bad Request (if it can be answered), dropped
 *      │
 *      └──▶ sip.js ──throws──▶ contained; unless sip.js already answered it:
 *                                481 for PRACK/BYE/CANCEL/UPDATE/INFO or a To tag, else 500
 *   response ──▶ sip.js ──throws──▶ contained, dropped (responses are never answered)
 * ```
 * Every frame dropped, answered or contained is logged at `warn`, throttled: the first
 * {@link STRAY_LOG_LIMIT} per {@link STRAY_LOG_WINDOW_MS}, then one summary line per window.
 */
import { Core } from 'sip.js';

/** What the guard logs through (a sip.js logger or a Voxline one). */
export interface GuardLogger {
  warn(message: string): void;
}

/** Lines logged per window before the rest are only counted. */
export const STRAY_LOG_LIMIT = 5;
/** Length of a log window, in ms. */
export const STRAY_LOG_WINDOW_MS = 10_000;

const STATUS_LINE = /^SIP\/2\.0 \d{3} /;
const REQUEST_LINE = /^[A-Za-z0-9.!%*_+`'~-]+ \S+ SIP\/2\.0\r?\n/;
/** Methods that only make sense inside a dialog or against a transaction. */
const DIALOG_METHODS = new Set(['PRACK', 'BYE', 'CANCEL', 'UPDATE', 'INFO']);
const REASONS: Record<number, string> = { 400: 'Bad Request', 481: 'Call/Transaction Does Not Exist', 500: 'Server Internal Error' };
const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };

/** A sip.js logger that prints nothing: the guard re-parses quietly and reports by itself. */
const quietSipLogger = (() => {
  const factory = new Core.LoggerFactory();
  factory.builtinEnabled = false;
  return factory.getLogger('voxline.guard');
})();

/** A short, printable rendering of a frame's first line for log messages. */
function firstLine(frame: string): string {
  const line = frame.slice(0, 80).split(/\r?\n/, 1)[0] ?? '';
  return JSON.stringify(line.length < frame.length ? `${line}…` : line);
}

/**
 * A stateless response to a request (RFC 3261 §8.2.6), built from the raw frame because sip.js
 * could not handle it. Null when the request cannot be answered: an `ACK`, or one of `Via`,
 * `From`, `To`, `Call-ID` or `CSeq` is missing.
 */
export function statelessReply(frame: string, status: 400 | 481 | 500): string | null {
  const end = frame.indexOf('\r\n\r\n');
  const lines = (end >= 0 ? frame.slice(0, end) : frame).split(/\r?\n/);
  const method = /^(\S+) /.exec(lines[0] ?? '')?.[1];
  if (!method || method === 'ACK' || STATUS_LINE.test(frame)) return null;
  const unfolded: string[] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    else unfolded.push(line);
  }
  const vias: string[] = [];
  const single: Record<string, string> = {};
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    if (name === 'via') vias.push(value);
    else if (['from', 'to', 'call-id', 'cseq'].includes(name)) single[name] ??= value;
  }
  const { from, to, cseq } = single;
  const callId = single['call-id'];
  if (vias.length === 0 || !from || !to || !callId || !cseq) return null;
  const toWithTag = /;\s*tag=/i.test(to) ? to : `${to};tag=${Math.random().toString(36).slice(2, 12)}`;
  return [`SIP/2.0 ${status} ${REASONS[status]}`, ...vias.map((v) => `Via: ${v}`), `From: ${from}`, `To: ${toWithTag}`, `Call-ID: ${callId}`, `CSeq: ${cseq}`, 'Content-Length: 0', '', ''].join('\r\n');
}

/** Topmost Via branch of a frame, if any. */
function topBranch(frame: string): string | undefined {
  return /^(?:Via|v)[ \t]*:[^\r\n]*?;[ \t]*branch=([^;,\s]+)/im.exec(frame)?.[1];
}

/** Logs the first lines of a burst, then counts the rest and sums them up once per window. */
export class WarnThrottle {
  private windowStart = Number.NEGATIVE_INFINITY;
  private shown = 0;
  private suppressed = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly logger: GuardLogger,
    private readonly limit = STRAY_LOG_LIMIT,
    private readonly windowMs = STRAY_LOG_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `message`, or only counts it once this window's quota is used. */
  warn(message: string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.shown = 0;
    }
    if (this.shown < this.limit) {
      this.shown++;
      this.logger.warn(message);
      return;
    }
    this.suppressed++;
    this.timer ??= setTimeout(() => this.flush(), this.windowStart + this.windowMs - now);
  }

  /** Logs the summary of what was suppressed, if anything. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.suppressed === 0) return;
    this.logger.warn(`${this.suppressed} more stray inbound frame(s) in the last ${Math.round(this.windowMs / 1000)} s (not logged one by one)`);
    this.suppressed = 0;
  }

  /** Same as {@link WarnThrottle.flush}: nothing is left pending. */
  dispose(): void {
    this.flush();
  }
}

/** Counts of what the guard did, for tests and diagnostics. */
export interface GuardStats {
  ignored: number;
  dropped: number;
  answered: number;
  contained: number;
}

/** Options of {@link InboundGuard}. */
export interface InboundGuardOptions {
  logger: GuardLogger;
  /** Sends a frame back to the server (the answers the guard gives in sip.js's place). */
  send(frame: string): Promise<void>;
  /** Injected in unit tests. @defaultValue Date.now */
  now?: () => number;
}

/** Passes inbound frames to sip.js and contains whatever goes wrong; see the module comment. */
export class InboundGuard {
  readonly stats: GuardStats = { ignored: 0, dropped: 0, answered: 0, contained: 0 };
  private readonly throttle: WarnThrottle;
  /** Frames sent while sip.js handles an inbound one, to tell whether it already answered. */
  private sentDuring: string[] | null = null;

  constructor(private readonly o: InboundGuardOptions) {
    this.throttle = new WarnThrottle(o.logger, STRAY_LOG_LIMIT, STRAY_LOG_WINDOW_MS, o.now);
  }

  /** Must be told of every frame sent, so an answer given by sip.js is not given twice. */
  noteSent(frame: string): void {
    this.sentDuring?.push(frame);
  }

  /** Hands `frame` to `deliver` (sip.js) unless it is unusable; never throws. */
  handle(frame: string, deliver: (frame: string) => void): void {
    if (frame.trim() === '') {
      this.stats.ignored++;
      return;
    }
    const isResponse = STATUS_LINE.test(frame);
    if (!isResponse && !REQUEST_LINE.test(frame)) {
      this.stats.dropped++;
      this.throttle.warn(`dropped an inbound frame that is not SIP (${frame.length} chars): ${firstLine(frame)}`);
      return;
    }
    if (!isResponse && !this.parses(frame)) {
      this.answerOrDrop(frame, 400, 'a malformed request');
      return;
    }
    const sent: string[] = [];
    this.sentDuring = sent;
    try {
      deliver(frame);
    } catch (err) {
      this.stats.contained++;
      const error = (err as Error | undefined)?.message ?? String(err);
      if (isResponse) this.throttle.warn(`dropped a response sip.js failed on (${error}): ${firstLine(frame)}`);
      else if (this.answered(frame, sent)) this.throttle.warn(`contained an error on a request sip.js had answered (${error}): ${firstLine(frame)}`);
      else this.answerOrDrop(frame, this.statusFor(frame), `a request sip.js failed on (${error})`);
    } finally {
      this.sentDuring = null;
    }
  }

  /** Logs the summary the throttle still holds and stops its timer. */
  dispose(): void {
    this.throttle.dispose();
  }

  /** Whether sip.js's parser accepts the request (it drops the ones it does not, without a word). */
  private parses(frame: string): boolean {
    try {
      return Core.Parser.parseMessage(frame, quietSipLogger) !== undefined;
    } catch {
      return false;
    }
  }

  /** 481 when the request needs a dialog or transaction that sip.js did not find, else 500. */
  private statusFor(frame: string): 481 | 500 {
    const method = frame.slice(0, frame.indexOf(' '));
    const to = /^(?:To|t)[ \t]*:([^\r\n]*)/im.exec(frame)?.[1] ?? '';
    return DIALOG_METHODS.has(method) || /;\s*tag=/i.test(to) ? 481 : 500;
  }

  /** Whether a response to `frame` (same top Via branch) went out while sip.js handled it. */
  private answered(frame: string, sent: string[]): boolean {
    const branch = topBranch(frame);
    return branch !== undefined && sent.some((out) => STATUS_LINE.test(out) && topBranch(out) === branch);
  }

  /** Answers `frame` with `status` if it can be answered, else drops it; `what` describes it. */
  private answerOrDrop(frame: string, status: 400 | 481 | 500, what: string): void {
    const reply = statelessReply(frame, status);
    if (!reply) {
      this.stats.dropped++;
      this.throttle.warn(`dropped ${what}, which cannot be answered: ${firstLine(frame)}`);
      return;
    }
    this.stats.answered++;
    this.throttle.warn(`answered ${status} to ${what}: ${firstLine(frame)}`);
    this.o.send(reply).catch(() => undefined);
  }
}

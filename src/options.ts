/**
 * {@link ClientOptions}: the options of the {@link Client} constructor and their defaults (one
 * object, {@link DEFAULT_OPTIONS}). Their validation lives in `resolve-options.ts`.
 */
import type { LogLevel, VoxlineLogger } from './logger';
import { crlfKeepAlive, type KeepAliveStrategy } from './transport/keep-alive';
import type { DefaultReconnectPolicyOptions, ReconnectPolicy } from './transport/reconnect-policy';

/** Thresholds of the quality warnings (the `qualityThresholds` option). */
export interface QualityThresholds {
  /** `high-rtt` above this round-trip time, in ms. @defaultValue `400` */
  rttMs?: number;
  /** `high-jitter` above this jitter, in ms. @defaultValue `30` */
  jitterMs?: number;
  /** `high-packet-loss` above this share of inbound packets lost, in percent. @defaultValue `3` */
  packetLossPercent?: number;
  /** `low-mos` below this estimated MOS (1–4.5). @defaultValue `3.5` */
  mos?: number;
}

/** Defaults of {@link QualityThresholds}, close to Twilio's. */
export const DEFAULT_QUALITY_THRESHOLDS: Readonly<Required<QualityThresholds>> = Object.freeze({ rttMs: 400, jitterMs: 30, packetLossPercent: 3, mos: 3.5 });

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
  /**
   * Time the keep-alive from a small Blob Worker, whose timers background tabs do not throttle.
   * The page's Content-Security-Policy must then allow `worker-src blob:`; without it the SDK
   * falls back to main-thread timers (after one refused attempt per page). Set `false` to never
   * try the Worker (no CSP report at all; keep-alive in a hidden tab may then be late).
   * @defaultValue `true`
   */
  worker?: boolean;
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
   * Display name sent with the user's address in requests. Any printable text (quotes and
   * backslashes are escaped on the wire); control characters such as CR/LF are refused.
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
   * Which ICE candidates calls may use: `'all'`, or `'relay'` for TURN-relayed candidates only
   * (every call's audio goes through a TURN server of `iceServers`, e.g. to hide the user's
   * addresses or for networks that allow nothing else). Passed to each call's
   * `RTCPeerConnection`.
   * @defaultValue `'all'`
   */
  iceTransportPolicy?: 'all' | 'relay';
  /**
   * How chatty the SDK's log output is.
   * @defaultValue `'warn'`
   */
  logLevel?: LogLevel;
  /**
   * Where log lines go: a function `(level, namespace, message) => void`, or an object with
   * `debug`/`info`/`warn`/`error` methods (e.g. your app's logger, or `console`). Lines are
   * filtered by `logLevel` first, and credentials are masked before they reach it.
   * @defaultValue the browser console, lines prefixed `[voxline:<namespace>]`
   * @example
   * ```ts
   * new Client({ servers, logger: (level, ns, msg) => myLogger.log({ level, ns, msg }) });
   * ```
   */
  logger?: VoxlineLogger;
  /**
   * Value of the SIP `User-Agent` header (printable text; control characters are refused).
   * @defaultValue `'Voxline/<version>'`
   */
  userAgent?: string;
  /**
   * How long to wait for the WebSocket to open before trying the next server, in ms.
   * @defaultValue `10000`
   */
  connectTimeoutMs?: number;
  /**
   * Registration lifetime requested from the registrar, in whole seconds from 30 to 86,400 (one
   * day). It is refreshed 30 s before it expires (at the latest halfway).
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
   * How many messages the outbox may hold (waiting for the link, or in flight). A
   * `sendMessage()` beyond it rejects at once with `LimitError` (code `limit`).
   * @defaultValue `1000`
   */
  maxQueuedMessages?: number;
  /**
   * Keep the messages `sendMessage()` accepted but the server has not yet confirmed in this
   * tab's `sessionStorage` (written on each change and on `pagehide`), and send them, in order,
   * after the next `login()` of the same user on the same servers on the reloaded page; their
   * outcomes arrive as `messagestatus` events with `restored: true`. Only the message (id,
   * recipient, text, content type, deadline) is stored: never a password or a header. Set
   * `false` to keep the outbox in memory only (a reload then loses what waits).
   * @defaultValue `true`
   */
  persistOutbox?: boolean;
  /**
   * Keep each answered call in this tab's `sessionStorage` (its SIP dialog and public facts,
   * written on each change and on `pagehide`; never a password, a header or SDP), so that after
   * a reload of the page and the next `login()` of the same user on the same servers the call
   * is taken back: new audio, a re-INVITE from the new page, a `callresumed` event with the
   * call's original id, direction, remote party and `answeredAt`. Set `false` to store nothing
   * (a reload then leaves the far end with silence until it hangs up).
   * @defaultValue `true`
   */
  resumeCalls?: boolean;
  /**
   * How long after the page went away (its last write) a stored call may still be resumed, in
   * ms (100 to 600000). A page that logs in later ends the call with reason `resume-failed`
   * (a BYE tells the far end).
   * @defaultValue `30000`
   * @example
   * ```ts
   * new Client({ servers, callResumeWindowMs: 10_000 }); // give up on a call 10 s after a reload
   * ```
   */
  callResumeWindowMs?: number;
  /**
   * How many incoming calls may be ringing or live at once. A further INVITE is answered
   * `486 Busy Here` without an `incomingcall` event (and logged), so an INVITE flood cannot
   * exhaust the page.
   * @defaultValue `5`
   */
  maxIncomingCalls?: number;
  /**
   * How long a call's audio path may stay down while the SDK restores it (ICE restart through a
   * re-INVITE, retried with backoff, waiting for the signalling link if it is down too) before
   * it gives up: the call is hung up (BYE) and ends with reason `connection-lost`. In ms, from
   * 1000 to 600000.
   * @defaultValue `30000`
   * @example
   * ```ts
   * new Client({ servers, callRecoveryTimeoutMs: 60_000 }); // a minute of patience on trains
   * ```
   */
  callRecoveryTimeoutMs?: number;
  /**
   * When a call raises quality warnings (`call.on('warning')`): round trip, jitter, packet loss
   * and MOS thresholds. Unset fields keep their defaults.
   * @defaultValue `{ rttMs: 400, jitterMs: 30, packetLossPercent: 3, mos: 3.5 }`
   */
  qualityThresholds?: QualityThresholds;
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
  /**
   * Share one link and one registration among every tab of the app (shared mode): the URL of
   * Voxline's worker script, `dist/voxline.worker.js` (package export `voxline/worker`), which
   * must be served from the page's own origin. Tabs with the same options share the engine in a
   * `SharedWorker`: one WebSocket, one REGISTER binding, each event delivered once per tab.
   * Where `SharedWorker` is missing, or the script cannot be started (wrong URL, other origin,
   * other Voxline release), the client logs one warning and runs its own link in the page
   * (`client.shared` is then `false`). Options that hold functions (`reconnect.policy`,
   * `reconnect.random`, `keepAlive.strategy`) cannot be sent to a worker and are refused with it.
   * Calls: an incoming call rings in every logged-in tab; `answer()` in one tab opens the audio
   * there and ends the call in the others (reason `answered-elsewhere`); a call's audio lives in
   * the tab that placed or answered it, every tab lists it in `client.calls` and may hang it up,
   * and closing that tab ends it (with `resumeCalls`, reloading it does not: the tab takes its
   * calls back, `callresumed`, while the other tabs see `reconnecting`/`reconnected`).
   * @example
   * ```ts
   * // Vite, webpack:
   * new Client({ servers, sharedWorker: new URL('voxline/worker', import.meta.url) });
   * // script tag: copy node_modules/voxline/dist/voxline.worker.js to your site
   * new Voxline.Client({ servers, sharedWorker: '/js/voxline.worker.js' });
   * ```
   * @defaultValue none: the link runs in the page
   */
  sharedWorker?: string | URL;
}

/** SDK version, replaced at build time. */
export const VERSION: string = '__VOXLINE_VERSION__';

/** Largest `registerExpiresSec` (one day); also bounds what a registrar may grant, far below `setTimeout`'s 2^31 ms. */
export const REGISTER_EXPIRES_MAX_SEC = 86_400;

/** Defaults of every optional option, in one place. */
export const DEFAULT_OPTIONS = Object.freeze({
  iceServers: [] as RTCIceServer[],
  iceTransportPolicy: 'all' as 'all' | 'relay',
  logLevel: 'warn' as LogLevel,
  userAgent: `Voxline/${VERSION}`,
  connectTimeoutMs: 10_000,
  registerExpiresSec: 600,
  messageTimeoutMs: 30_000,
  maxQueuedMessages: 1_000,
  persistOutbox: true,
  resumeCalls: true,
  callResumeWindowMs: 30_000,
  maxIncomingCalls: 5,
  callRecoveryTimeoutMs: 30_000,
  keepAlive: Object.freeze({ idleMs: 2_000, timeoutMs: 2_500, strategy: crlfKeepAlive, worker: true }),
});


/**
 * The message protocol between the *page side* (the public `Client`, in a tab) and the *engine*
 * (the WebSocket link, keep-alive, reconnect policy, SIP user agent, registration, outbox).
 * Every message is plain data (structured-clone safe) and carries the protocol version in its
 * `voxline` field; either side ignores a malformed message with one log line, and a message of
 * another version is refused clearly (see {@link readPageMessage} / {@link readEngineMessage}).
 *
 * ```txt
 *   tab (page side)                                   engine (in the page, or a SharedWorker)
 *   Client ── hello ─────────────────────────────────▶ attach the tab      (or: rejected, version)
 *          ── command {seq, op, …} ──────────────────▶ connect / login / logout / send-message …
 *          ◀──────────────────── reply {seq, ok, value | error, state} ──
 *          ◀──────────────── event {name, payload, state} (table below) ──
 *          ◀───────────────────────────────────────── state {state} ──  (link state moved, no event)
 *          ── bye ───────────────────────────────────▶ detach the tab (tab closing / destroy())
 *   calls (shared mode; in the default mode the page reaches the engine's calls directly):
 *          ── command call / call-op {callId, method, args} ▶ place a call / answer, hangup … by name
 *          ◀──────────────── call {callId, event, payload, call snapshot} ── (every tab that lists it)
 *          ◀──────────────── media {seq, callId, op, args} ── (the tab that owns the call's media)
 *          ── media-reply {seq, ok, value | error, state} ──▶   state: the media's mirrored getters
 *          ── media-state {callId, state} ──────────────────▶   (connectivity moved, remote audio came)
 * ```
 * Client events cross by name ({@link FORWARDED_CLIENT_EVENTS}): a new event of the engine is
 * one more name in that table, its payload crosses through {@link encodeValue} (errors inside a
 * payload become {@link WireError}s and come back as the same `VoxlineError` subclass).
 * Each reply and event carries the engine's {@link EngineSnapshot}, so the page's getters
 * (`connectionState`, `registered`, `user`, `server`, `sharedTabs`) agree with the last event it delivered.
 *
 * Calls: in a SharedWorker engine each call's signalling runs in the engine and its media
 * (src/media/call-media.ts's `CallMedia`) in the tab that owns it: the engine's
 * remote-media.ts forwards every media method to that tab as a `media` request, which the tab's
 * media-host.ts answers; the other tabs see the call through `call` messages (remote-call.ts).
 */
import * as Errors from '../errors';
import type { ConnectionState } from '../client/events';
import type { MediaConnectionState } from '../media/call-media';
import type { CallDirection, CallState } from '../sip/call-events';
import type { StoredMessage } from '../sip/messaging';
import type { StoredCall } from '../sip/stored-call';

/** Version of this protocol; page and engine must speak the same one (2: calls in shared mode; 3: messages and calls kept across a reload of a tab). */
export const PROTOCOL_VERSION = 3;

/** Client events the engine forwards to the page as they are (name and payload). */
export const FORWARDED_CLIENT_EVENTS = ['connectionchange', 'reconnecting', 'registered', 'unregistered', 'message', 'messagestatus', 'error', 'loggedout', 'tabschange'] as const;
/** One of {@link FORWARDED_CLIENT_EVENTS}. */
export type ForwardedClientEvent = (typeof FORWARDED_CLIENT_EVENTS)[number];

/** Methods of a call a tab may run by name in the engine (`call-op`). */
export const CALL_METHODS = ['answer', 'reject', 'hangup', 'mute', 'unmute', 'hold', 'unhold', 'sendDtmf', 'transfer'] as const;
/** One of {@link CALL_METHODS}. */
export type CallMethod = (typeof CALL_METHODS)[number];
/**
 * What a `call` message tells a tab: `incoming` (a new call rings), `listed` (a live call to list,
 * silently), `transferred` (payload: the new call's {@link CallSnapshot}), `claimed` (a call this
 * tab owned before its reload is its own again: `callresumed`), or a call event.
 */
export const CALL_EVENTS = ['incoming', 'listed', 'transferred', 'claimed', 'ringing', 'answered', 'held', 'resumed', 'muted', 'unmuted', 'remotehold', 'remoteresume', 'reconnecting', 'reconnected', 'dtmf', 'ended'] as const;
/** One of {@link CALL_EVENTS}. */
export type CallEventName = (typeof CALL_EVENTS)[number];
/** Requests of the engine to the tab that owns a call's media: `open`, or a `CallMedia` method. */
export const MEDIA_OPS = ['open', 'createOffer', 'acceptAnswer', 'createAnswer', 'restartIce', 'renew', 'rollback', 'setMuted', 'sendDtmf', 'getStats', 'close'] as const;
/** One of {@link MEDIA_OPS}. */
export type MediaOp = (typeof MEDIA_OPS)[number];

/** A call as every tab sees it. */
export interface CallSnapshot {
  id: string;
  direction: CallDirection;
  remote: { user: string; displayName?: string; uri: string };
  state: CallState;
  answeredAt: number | null;
  muted: boolean;
}

/** The owning tab's media, as the engine mirrors it (CallMedia's synchronous getters). */
export interface MediaSnapshot {
  signalingState: 'stable' | 'have-local-offer' | 'closed';
  held: boolean;
  muted: boolean;
  connectionState: MediaConnectionState;
}

/** What the page's getters show, as the engine knows it. */
export interface EngineSnapshot {
  connectionState: ConnectionState;
  registered: boolean;
  user: string | null;
  server: string;
  /** How many tabs share this tab's link (1 in the page, or while this tab is not on a link). */
  tabs: number;
}

/** A request of the page to the engine. */
export type EngineCommand =
  | { op: 'connect' }
  /** `claims`, shared mode: the records of the calls this tab owned before it reloaded (call-claims.ts checks them). */
  | { op: 'login'; user: string; password: string; claims?: StoredCall[] }
  | { op: 'cancel-login'; reason: string }
  | { op: 'logout' }
  | { op: 'send-message'; target: string; body: string; contentType: string; id?: string }
  /** Shared mode, after login() on a reloaded tab: the messages its earlier page left unconfirmed (page-outbox.ts). */
  | { op: 'restore-messages'; messages: StoredMessage[] }
  | { op: 'round-trip'; timeoutMs: number }
  | { op: 'destroy' }
  /** Shared mode: places a call whose media this tab makes (`streamId`: the tab's own `audio` stream). */
  | { op: 'call'; target: string; headers: Record<string, string>; playRemoteAudio: boolean; audio?: MediaTrackConstraints; streamId?: string }
  /** Shared mode: runs a method of a live call (`answer` makes this tab the call's media owner). */
  | { op: 'call-op'; callId: string; method: CallMethod; args: unknown[] };

/** Page → engine. */
export type PageMessage =
  | {
      voxline: number;
      kind: 'hello';
      /** Shared mode: the client's options (plain data: no `logger`, no functions). */
      options?: Record<string, unknown>;
      /** Shared mode: the name of the Web Lock this tab holds while it lives. */
      tab?: string;
    }
  | { voxline: number; kind: 'command'; seq: number; command: EngineCommand }
  | { voxline: number; kind: 'bye' }
  | { voxline: number; kind: 'media-reply'; seq: number; ok: true; value: WireValue; state: MediaSnapshot | null }
  | { voxline: number; kind: 'media-reply'; seq: number; ok: false; error: WireError; state: MediaSnapshot | null }
  | { voxline: number; kind: 'media-state'; callId: string; state: MediaSnapshot };

/** An error as it crosses the protocol. */
export interface WireError {
  name: string;
  message: string;
  code?: Errors.VoxlineErrorCode;
  /** The typed fields of the error classes (`status`, `server`, `timeoutMs`, …). */
  fields?: Record<string, string | number | undefined>;
}

/** A payload or a reply value as it crosses the protocol. */
export type WireValue = unknown;

/** Engine → page. */
export type EngineMessage =
  | { voxline: number; kind: 'welcome' }
  | { voxline: number; kind: 'rejected'; reason: string }
  | { voxline: number; kind: 'reply'; seq: number; ok: true; value: WireValue; state: EngineSnapshot }
  | { voxline: number; kind: 'reply'; seq: number; ok: false; error: WireError; state: EngineSnapshot }
  | { voxline: number; kind: 'event'; name: ForwardedClientEvent; payload: WireValue; state: EngineSnapshot }
  | { voxline: number; kind: 'state'; state: EngineSnapshot }
  | { voxline: number; kind: 'call'; callId: string; event: CallEventName; payload: WireValue; call: CallSnapshot }
  | { voxline: number; kind: 'media'; seq: number; callId: string; op: MediaOp; args: WireValue[] }
  /** Shared mode: the records of the calls this tab owns now, to keep across its reload (page-call-store.ts). */
  | { voxline: number; kind: 'stored'; calls: StoredCall[] };

/** A message of another protocol version: the sender is another Voxline release. */
export interface VersionMismatch {
  mismatch: true;
  version: unknown;
}

/** The sentence both sides use to refuse another protocol version. */
export function mismatchReason(theirs: unknown): string {
  return `protocol version ${String(theirs)} met version ${PROTOCOL_VERSION}: serve the voxline.worker.js of this Voxline release`;
}

/** `key` is an own property of `table` (not one of Object.prototype's). */
const own = (table: object, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

const ERROR_FIELDS = ['key', 'server', 'status', 'reason', 'timeoutMs', 'retryAfterMs', 'limit'] as const;

/** An error as plain data: its class name, message, code and typed fields. */
export function encodeError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const wire: WireError = { name: err.name, message: err.message };
  if (err instanceof Errors.VoxlineError) {
    wire.code = err.code;
    const fields: Record<string, string | number | undefined> = {};
    for (const field of ERROR_FIELDS) {
      const value = (err as unknown as Record<string, unknown>)[field];
      if (typeof value === 'string' || typeof value === 'number') fields[field] = value;
    }
    wire.fields = fields;
  }
  return wire;
}

/**
 * The classes an error may come back as, by name: every class of src/errors.ts (each sets its
 * `name` to its own, exported, class name) and TypeError (bad arguments).
 */
const ERROR_CLASSES: Record<string, { prototype: Error }> = { ...Errors, TypeError };

/** The error a {@link WireError} describes, as the same class with the same fields. */
export function decodeError(wire: WireError): Error {
  const known = own(ERROR_CLASSES, wire.name) ? ERROR_CLASSES[wire.name]! : wire.code ? Errors.VoxlineError : Error;
  const err = Object.assign(Object.create(known.prototype) as Error, wire.fields, { name: wire.name, message: wire.message, stack: `${wire.name}: ${wire.message}` });
  if (wire.code) Object.assign(err, { code: wire.code });
  return err;
}

/** Marks an encoded error inside a payload. */
const ERROR_TAG = '$voxlineError';

/** A payload as plain data: errors anywhere inside become tagged {@link WireError}s. */
export function encodeValue(value: unknown): WireValue {
  if (value instanceof Error) return { [ERROR_TAG]: encodeError(value) };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = encodeValue(item);
    return out;
  }
  return value;
}

/** The payload {@link encodeValue} encoded, with its errors rebuilt. */
export function decodeValue(value: WireValue): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const tagged = (value as Record<string, unknown>)[ERROR_TAG];
    if (tagged !== undefined && isWireError(tagged)) return decodeError(tagged);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = decodeValue(item);
    return out;
  }
  return value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isWireError = (v: unknown): v is WireError => isObject(v) && typeof v.name === 'string' && typeof v.message === 'string';
const CONNECTION_STATES: readonly string[] = ['idle', 'connecting', 'connected', 'reconnecting', 'disconnected', 'closed'];
const isSnapshot = (v: unknown): v is EngineSnapshot =>
  isObject(v) && CONNECTION_STATES.includes(v.connectionState as string) && typeof v.registered === 'boolean' && (v.user === null || typeof v.user === 'string') && typeof v.server === 'string' && Number.isInteger(v.tabs) && (v.tabs as number) > 0;

const isMediaSnapshot = (v: unknown): v is MediaSnapshot => isObject(v) && typeof v.signalingState === 'string' && typeof v.held === 'boolean' && typeof v.muted === 'boolean' && typeof v.connectionState === 'string';
const isCallSnapshot = (v: unknown): v is CallSnapshot => isObject(v) && typeof v.id === 'string' && typeof v.state === 'string' && typeof v.direction === 'string' && isObject(v.remote) && typeof v.remote.uri === 'string';
const oneOf = (list: readonly string[], v: unknown): boolean => list.includes(v as string);

/** The string fields each command must carry (other fields are checked in {@link isCommand}). */
const COMMAND_FIELDS: Record<EngineCommand['op'], readonly string[]> = {
  connect: [],
  login: ['user', 'password'],
  'cancel-login': ['reason'],
  logout: [],
  'send-message': ['target', 'body', 'contentType'],
  'restore-messages': [],
  'round-trip': [],
  destroy: [],
  call: ['target'],
  'call-op': ['callId'],
};

function isCommand(v: unknown): v is EngineCommand {
  if (!isObject(v) || typeof v.op !== 'string' || !own(COMMAND_FIELDS, v.op)) return false;
  if (v.op === 'round-trip' && typeof v.timeoutMs !== 'number') return false;
  if (v.op === 'restore-messages' && !Array.isArray(v.messages)) return false;
  if (v.op === 'send-message' && v.id !== undefined && typeof v.id !== 'string') return false;
  if (v.op === 'call' && !(typeof v.playRemoteAudio === 'boolean' && isObject(v.headers) && Object.values(v.headers).every((h) => typeof h === 'string') && (v.audio === undefined || isObject(v.audio)) && (v.streamId === undefined || typeof v.streamId === 'string'))) return false;
  if (v.op === 'call-op' && !(oneOf(CALL_METHODS, v.method) && Array.isArray(v.args))) return false;
  return COMMAND_FIELDS[v.op as EngineCommand['op']].every((field) => typeof v[field] === 'string');
}

/** `data` names this protocol (a `voxline` version field) but another version of it. */
function versionOf(data: unknown): VersionMismatch | null {
  if (!isObject(data) || !('voxline' in data)) return null;
  return data.voxline === PROTOCOL_VERSION ? null : { mismatch: true, version: data.voxline };
}

/** What a reader does with a message it cannot use: one log line. */
export type MalformedSink = (line: string) => void;

/** A malformed message in a log line: its kind, never its content (it may hold a password). */
const describe = (data: unknown): string => (isObject(data) ? `kind ${String(data.kind)}` : typeof data);

/**
 * Reads a message from the page: the message, a {@link VersionMismatch}, or `null` for a
 * malformed one (reported once to `malformed`; passwords are never logged).
 */
export function readPageMessage(data: unknown, malformed: MalformedSink): PageMessage | VersionMismatch | null {
  const mismatch = versionOf(data);
  if (mismatch) return mismatch;
  if (isObject(data) && data.voxline === PROTOCOL_VERSION) {
    if ((data.kind === 'hello' && (data.options === undefined || isObject(data.options)) && (data.tab === undefined || typeof data.tab === 'string')) || data.kind === 'bye') return data as PageMessage;
    if (data.kind === 'command' && typeof data.seq === 'number' && isCommand(data.command)) return data as PageMessage;
    if (data.kind === 'media-reply' && typeof data.seq === 'number' && (data.state === null || isMediaSnapshot(data.state)) && (data.ok === true || (data.ok === false && isWireError(data.error)))) return data as PageMessage;
    if (data.kind === 'media-state' && typeof data.callId === 'string' && isMediaSnapshot(data.state)) return data as PageMessage;
  }
  malformed(`ignored a malformed message from the page (${describe(data)})`);
  return null;
}

/** Reads a message from the engine: the message, a {@link VersionMismatch}, or `null` for a malformed one (reported once). */
export function readEngineMessage(data: unknown, malformed: MalformedSink): EngineMessage | VersionMismatch | null {
  const mismatch = versionOf(data);
  if (mismatch) return mismatch;
  if (isObject(data) && data.voxline === PROTOCOL_VERSION) {
    switch (data.kind) {
      case 'welcome':
        return data as EngineMessage;
      case 'rejected':
        if (typeof data.reason === 'string') return data as EngineMessage;
        break;
      case 'state':
        if (isSnapshot(data.state)) return data as EngineMessage;
        break;
      case 'reply':
        if (typeof data.seq === 'number' && isSnapshot(data.state) && (data.ok === true || (data.ok === false && isWireError(data.error)))) return data as EngineMessage;
        break;
      case 'event':
        if ((FORWARDED_CLIENT_EVENTS as readonly unknown[]).includes(data.name) && isSnapshot(data.state)) return data as EngineMessage;
        break;
      case 'call':
        if (typeof data.callId === 'string' && oneOf(CALL_EVENTS, data.event) && isCallSnapshot(data.call)) return data as EngineMessage;
        break;
      case 'media':
        if (typeof data.seq === 'number' && typeof data.callId === 'string' && oneOf(MEDIA_OPS, data.op) && Array.isArray(data.args)) return data as EngineMessage;
        break;
      case 'stored':
        if (Array.isArray(data.calls)) return data as EngineMessage;
    }
  }
  malformed(`ignored a malformed message from the engine (${describe(data)})`);
  return null;
}

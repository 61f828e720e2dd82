/**
 * Types shared by the transport layer and the layers above it. No sip.js here: the transport
 * speaks WebSocket and text frames only.
 */

/**
 * State of the WebSocket itself (the client derives the public `ConnectionState` from it).
 *
 * - `idle`: never connected, or deliberately disconnected (logout).
 * - `connecting`: opening a WebSocket (first time or after a loss).
 * - `connected`: a WebSocket is open.
 * - `disconnected`: an open link was lost, or connecting failed; not deliberately closed.
 * - `closed`: destroyed; terminal.
 */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * Why a link was lost: the socket `closed` cleanly, failed with an `error` (reset, refused),
 * stopped answering keep-alives (`keepalive-timeout`), the browser went `offline`, or the server
 * said it is going away (`server-shutdown`, close code 1001).
 */
export type DisconnectReason = 'closed' | 'error' | 'keepalive-timeout' | 'offline' | 'server-shutdown';

/** Details of a lost link. */
export interface LinkLoss {
  reason: DisconnectReason;
  /** WebSocket close code, when the socket closed with one. */
  code?: number;
  /** URL of the server the link was to. */
  server: string;
  /** `Date.now()` when the loss was detected. */
  at: number;
}

/** The subset of the DOM `WebSocket` the transport uses; lets unit tests inject a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  binaryType: string;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Creates a WebSocket for `url` with the given subprotocol. */
export type WebSocketFactory = (url: string, protocol: string) => WebSocketLike;

/**
 * The events of one open WebSocket, turned into what the link needs: text frames, and one loss
 * with its reason and close code.
 */
import type { DisconnectReason, WebSocketLike } from './types';

/** What an open socket reports. */
export interface SocketHandlers {
  /** A text frame (binary frames are decoded as UTF-8). */
  frame(text: string): void;
  /** A frame of a type that cannot carry SIP. */
  unsupported(): void;
  /** The socket is gone; reported once. */
  lost(reason: DisconnectReason, code?: number): void;
}

const decoder = typeof TextDecoder === 'function' ? new TextDecoder() : null;

/** Listens to an open socket. Detach with {@link unwireSocket}. */
export function wireSocket(socket: WebSocketLike, handlers: SocketHandlers): void {
  socket.binaryType = 'arraybuffer';
  socket.onmessage = (ev) => {
    if (typeof ev.data === 'string') handlers.frame(ev.data);
    else if (ev.data instanceof ArrayBuffer && decoder) handlers.frame(decoder.decode(ev.data));
    else handlers.unsupported();
  };
  // Browsers fire `error` and then `close` (with the code) for a failed connection; report
  // once, from `close`, so the code is known. Should `close` not follow, report after 50 ms.
  let errored: ReturnType<typeof setTimeout> | null = null;
  socket.onerror = () => {
    errored ??= setTimeout(() => handlers.lost('error'), 50);
  };
  socket.onclose = (ev) => {
    if (errored !== null) clearTimeout(errored);
    handlers.lost(errored !== null || ev.code === 1006 ? 'error' : ev.code === 1001 ? 'server-shutdown' : 'closed', ev.code);
  };
}

/** Stops listening to a socket (its late events are ignored). */
export function unwireSocket(socket: WebSocketLike): void {
  socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
}

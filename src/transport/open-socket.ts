/**
 * Opening one WebSocket, with a timeout and a way to cancel: the building block of connecting
 * and reconnecting.
 */
import { ConnectionError } from '../errors';
import type { WebSocketFactory, WebSocketLike } from './types';

/** The `sip` WebSocket subprotocol of RFC 7118. */
export const SIP_SUBPROTOCOL = 'sip';

/** An attempt to open one socket. */
export interface OpeningSocket {
  /** Resolves with the open socket; rejects on error, close, timeout or {@link OpeningSocket.cancel}. */
  readonly promise: Promise<WebSocketLike>;
  /** Abandons the attempt and closes the socket. */
  cancel(): void;
}

function defaultFactory(url: string, protocol: string): WebSocketLike {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocol: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new ConnectionError('WebSocket is not available in this environment', url);
  return new Ctor(url, protocol);
}

/** Opens a WebSocket to `url` with the `sip` subprotocol. */
export function openSocket(url: string, timeoutMs: number, factory: WebSocketFactory = defaultFactory): OpeningSocket {
  let cancel: () => void = () => undefined;
  const promise = new Promise<WebSocketLike>((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = factory(url, SIP_SUBPROTOCOL);
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
      try {
        socket.close();
      } catch {
        // already closing
      }
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    cancel = () => fail(new Error('cancelled'));
    socket.onopen = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.onopen = socket.onclose = socket.onerror = null;
      resolve(socket);
    };
    socket.onerror = () => fail(new Error('WebSocket error'));
    socket.onclose = (ev) => fail(new Error(`closed with code ${ev.code}`));
  });
  return { promise, cancel: () => cancel() };
}

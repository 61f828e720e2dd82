/**
 * An in-memory WebSocket for unit tests of the transport's state machine. Each created socket is
 * recorded; tests drive it with `open()`, `serverClose()`, `fail()` and `receive()`.
 */
import type { WebSocketFactory, WebSocketLike } from '../src/transport/types';

export class FakeWebSocket implements WebSocketLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = FakeWebSocket.CONNECTING;
  protocol = '';
  binaryType = 'blob';
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: string[] = [];
  closedByClient: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    readonly requestedProtocol: string,
  ) {}

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === FakeWebSocket.CLOSED) return;
    this.closedByClient = { code, reason };
    this.readyState = FakeWebSocket.CLOSED;
  }

  /** The server accepts the connection. */
  open(protocol = 'sip'): void {
    this.readyState = FakeWebSocket.OPEN;
    this.protocol = protocol;
    this.onopen?.({});
  }

  /** The connection fails (refused, reset): error then close, as browsers do. */
  fail(code = 1006): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.onerror?.({});
    this.onclose?.({ code, reason: '', wasClean: false });
  }

  /** The server closes the connection cleanly with `code`. */
  serverClose(code = 1000, reason = ''): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code, reason, wasClean: true });
  }

  /** A frame arrives from the server. */
  receive(data: unknown): void {
    this.onmessage?.({ data });
  }
}

/** A factory that records every socket it creates. */
export function fakeWebSocketFactory(): { factory: WebSocketFactory; sockets: FakeWebSocket[]; last(): FakeWebSocket } {
  const sockets: FakeWebSocket[] = [];
  return {
    sockets,
    factory: (url, protocol) => {
      const socket = new FakeWebSocket(url, protocol);
      sockets.push(socket);
      return socket;
    },
    last() {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error('no socket was created');
      return socket;
    },
  };
}

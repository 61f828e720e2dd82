/**
 * A scripted SIP registrar over {@link FakeWebSocket}s, for unit tests that drive a real
 * `Client` the way a user does. It stubs the global `WebSocket`, opens every socket the client
 * creates, answers keep-alive pings, records every REGISTER, and answers each one with what the
 * test's `script` returns (or not at all). Frames are parsed with the dev server's test parser,
 * not with the SDK's own SIP stack, so these tests hold whatever implements registration.
 *
 * Answers are delivered on a resolved promise, never on a timer, so `vi.getTimerCount()` counts
 * the SDK's timers only.
 */
import { vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildResponseTo, parseSip } from '../server/test-client.js';
import { FakeWebSocket, fakeWebSocketFactory } from './fake-websocket';

/** One frame the client sent, parsed. */
export interface SipFrame {
  text: string;
  startLine: string;
  status: number;
  method: string;
  ruri: string;
  header(name: string): string | undefined;
  headers(name: string): string[];
  body: string;
}

/** What the script answers to a REGISTER; `null` means no answer at all. */
export interface RegisterReply {
  status: number;
  reason?: string;
  /** Extra header lines, e.g. `['Expires: 60']`. Contact lines go here too when `contact` is not used. */
  headers?: string[];
  /**
   * Contact of the answer: `'echo'` repeats the request's Contact with `;expires=<contactExpires>`
   * (default: the requested expiry), a string is used as the whole Contact value, `null` sends none.
   * @defaultValue `'echo'` for 2xx, `null` otherwise
   */
  contact?: 'echo' | string | null;
  /** Value of the `expires` parameter of the echoed Contact; `null` leaves the parameter out. */
  contactExpires?: string | null;
}

export type RegistrarScript = (request: SipFrame, index: number) => RegisterReply | null;

/** The `expires` value a REGISTER asked for (Contact param, else `Expires` header). */
export function requestedExpires(request: SipFrame): number | undefined {
  const param = /;\s*expires=(\d+)/i.exec(request.header('contact') ?? '')?.[1] ?? request.header('expires');
  return param === undefined ? undefined : Number(param);
}

/** The request's Contact without its `expires` parameter. */
function contactWithoutExpires(request: SipFrame): string {
  return (request.header('contact') ?? '').replace(/;\s*expires=[^;]*/i, '');
}

export function buildRegisterReply(request: SipFrame, reply: RegisterReply): string {
  const reason = reply.reason ?? (reply.status === 200 ? 'OK' : 'Whatever');
  const contact = reply.contact !== undefined ? reply.contact : reply.status >= 200 && reply.status < 300 ? 'echo' : null;
  const headers: string[] = [];
  if (contact === 'echo') {
    const expires = reply.contactExpires === undefined ? String(requestedExpires(request) ?? 600) : reply.contactExpires;
    headers.push(`Contact: ${contactWithoutExpires(request)}${expires === null ? '' : `;expires=${expires}`}`);
  } else if (contact !== null) {
    headers.push(`Contact: ${contact}`);
  }
  headers.push(...(reply.headers ?? []));
  return buildResponseTo(request, reply.status, reason, { toTag: 'reg1', headers }) as string;
}

export class FakeRegistrar {
  /** Every REGISTER received, in order. */
  readonly registers: SipFrame[] = [];
  /** Every request received (REGISTER, MESSAGE, ...), in order. */
  readonly requests: SipFrame[] = [];
  /** Every socket the client created. */
  readonly sockets: FakeWebSocket[];
  /** Answers REGISTER; replace it at any time. Default: 200 OK granting what was asked. */
  script: RegistrarScript = () => ({ status: 200 });
  /**
   * REGISTERs past this many are recorded but not answered, so a client stuck in a refresh loop
   * (0 ms timers) shows up as a large count instead of hanging the fake clock.
   */
  answerLimit = 500;
  private readonly ws = fakeWebSocketFactory();

  constructor() {
    this.sockets = this.ws.sockets;
    const registrar = this;
    vi.stubGlobal('WebSocket', function (url: string, protocol: string) {
      const socket = registrar.ws.factory(url, protocol) as FakeWebSocket;
      const send = socket.send.bind(socket);
      socket.send = (data: string) => {
        send(data);
        registrar.onFrame(socket, data);
      };
      void Promise.resolve().then(() => {
        if (socket.readyState === FakeWebSocket.CONNECTING) socket.open();
      });
      return socket;
    } as unknown as typeof WebSocket);
  }

  /** The socket in use (the last one created). */
  get socket(): FakeWebSocket {
    return this.ws.last();
  }

  /** REGISTERs that asked for a binding (expires > 0). */
  get bindingRequests(): SipFrame[] {
    return this.registers.filter((r) => requestedExpires(r) !== 0);
  }

  /** REGISTERs that asked to remove the binding (expires = 0). */
  get removals(): SipFrame[] {
    return this.registers.filter((r) => requestedExpires(r) === 0);
  }

  /** Records a frame at once (even one sent just before the socket closes); answers it a tick later. */
  private onFrame(socket: FakeWebSocket, data: string): void {
    const answer = (reply: string): void => {
      void Promise.resolve().then(() => {
        if (socket.readyState === FakeWebSocket.OPEN) socket.receive(reply);
      });
    };
    if (data.trim() === '') return answer('\r\n');
    const frame = parseSip(data) as SipFrame;
    if (frame.status !== 0) return;
    this.requests.push(frame);
    if (frame.method !== 'REGISTER') return;
    this.registers.push(frame);
    if (this.registers.length > this.answerLimit) return;
    const reply = this.script(frame, this.registers.length - 1);
    if (reply) answer(buildRegisterReply(frame, reply));
  }
}

/**
 * SIP MESSAGE (RFC 3428): sending through the {@link Outbox} and receiving from the user agent.
 */
import { Messager, type Message, type URI, type UserAgent } from 'sip.js';
import { SipError } from '../errors';
import type { Logger } from '../logger';
import { unescapeDisplayName } from './display-name';
import { Outbox, type AttemptOutcome, type OutboxLimits } from './outbox';
import { shortAddress } from './targets';

/** A received text message, as the `message` event delivers it. */
export interface IncomingTextMessage {
  /** The sender in the short form you would pass to `sendMessage()`: `alice`, or `alice@other.example`. */
  from: string;
  /** The sender's full SIP URI. */
  fromUri: string;
  /** The sender's display name, if any. */
  displayName?: string;
  /** The message text (the MESSAGE body). */
  body: string;
  /** The body's media type, e.g. `text/plain;charset=utf-8`. */
  contentType: string;
  /** `Date.now()` when it arrived. */
  at: number;
}

interface OutgoingMessage {
  target: URI;
  /** The message text (the MESSAGE body). */
  body: string;
  /** The body's media type, e.g. `text/plain;charset=utf-8`. */
  contentType: string;
}

export class Messaging {
  private readonly outbox: Outbox<OutgoingMessage>;

  constructor(
    private readonly userAgent: UserAgent,
    private readonly domain: string,
    private readonly isLinkUp: () => boolean,
    private readonly logger: Logger,
    limits: OutboxLimits,
  ) {
    this.outbox = new Outbox((m) => this.deliver(m), limits, (m) => `message to ${m.target.toString()}`);
  }

  send(target: URI, body: string, contentType: string): Promise<void> {
    return this.outbox.send({ target, body, contentType });
  }

  setReady(ready: boolean): void {
    this.outbox.setReady(ready);
  }

  close(reason?: string): void {
    this.outbox.close(reason);
  }

  /** Accepts an incoming MESSAGE (200) and turns it into an {@link IncomingTextMessage}. */
  receive(message: Message): IncomingTextMessage {
    const request = message.request;
    message.accept().catch((err: unknown) => this.logger.warn(`could not answer a MESSAGE: ${(err as Error).message}`));
    const text: IncomingTextMessage = {
      from: shortAddress(request.from.uri, this.domain),
      fromUri: request.from.uri.toString(),
      body: request.body ?? '',
      contentType: request.getHeader('Content-Type') ?? 'text/plain',
      at: Date.now(),
    };
    if (request.from.displayName) text.displayName = unescapeDisplayName(request.from.displayName);
    return text;
  }

  private deliver({ target, body, contentType }: OutgoingMessage): Promise<AttemptOutcome> {
    return new Promise<AttemptOutcome>((resolve) => {
      const messager = new Messager(this.userAgent, target, body, contentType);
      messager
        .message({
          requestDelegate: {
            onAccept: () => resolve({ ok: true }),
            onReject: ({ message }) => {
              const status = message.statusCode ?? 0;
              // sip.js answers 503/408 itself when the link failed under the request: send again later.
              const linkFailed = !this.isLinkUp() && (status === 503 || status === 408);
              resolve(linkFailed ? { ok: false, retry: true, error: new SipError(status, message.reasonPhrase ?? '') } : { ok: false, retry: false, error: new SipError(status, message.reasonPhrase ?? '', `message to ${target.toString()} failed: SIP ${status} ${message.reasonPhrase ?? ''}`) });
            },
          },
        })
        .catch(() => resolve({ ok: false, retry: true, error: new SipError(503, 'Not Sent') }));
    });
  }
}

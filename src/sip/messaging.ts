/**
 * SIP MESSAGE (RFC 3428): sending through the {@link Outbox} and receiving from the user agent.
 */
import type { Core, URI } from 'sip.js';
import type { CoreOwner } from './core';
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
    private readonly userAgent: Pick<CoreOwner, 'userAgentCore'>,
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
  receive(incoming: Core.IncomingMessageRequest): IncomingTextMessage {
    const request = incoming.message;
    try {
      incoming.accept();
    } catch (err) {
      this.logger.warn(`could not answer a MESSAGE: ${(err as Error).message}`);
    }
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

  /** Sends one MESSAGE through sip.js's core (no API-layer `Messager`); resolves with its outcome. */
  private deliver({ target, body, contentType }: OutgoingMessage): Promise<AttemptOutcome> {
    return new Promise<AttemptOutcome>((resolve) => {
      const core = this.userAgent.userAgentCore;
      const failed = (status: number, reason: string): void => {
        // sip.js answers 503/408 itself when the link failed under the request: send again later.
        const linkFailed = !this.isLinkUp() && (status === 503 || status === 408);
        resolve(linkFailed ? { ok: false, retry: true, error: new SipError(status, reason) } : { ok: false, retry: false, error: new SipError(status, reason, `message to ${target.toString()} failed: SIP ${status} ${reason}`) });
      };
      try {
        const request = core.makeOutgoingRequestMessage('MESSAGE', target, core.configuration.aor, target, {}, [], { contentDisposition: 'render', contentType, content: body });
        core.request(request, {
          onAccept: () => resolve({ ok: true }),
          onReject: ({ message }) => failed(message.statusCode ?? 0, message.reasonPhrase ?? ''),
        });
      } catch (cause) {
        this.logger.debug(`MESSAGE not sent: ${(cause as Error).message}`);
        resolve({ ok: false, retry: true, error: new SipError(503, 'Not Sent') });
      }
    });
  }
}

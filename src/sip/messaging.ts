/**
 * SIP MESSAGE (RFC 3428): sending through the {@link Outbox} and receiving from the user agent.
 * Every message sent has an id and one outcome, reported as a {@link MessageStatus}. With a
 * {@link SessionStore} ({@link Messaging.persistTo}), what is not yet confirmed is kept in this
 * tab's `sessionStorage` (slot `outbox`) and sent again, in order, after the next login on the
 * reloaded page.
 */
import { Grammar, type Core, type URI } from 'sip.js';
import type { CoreOwner } from './core';
import { InvalidStateError, SipError, TimeoutError, VoxlineError } from '../errors';
import type { Logger } from '../logger';
import { unescapeDisplayName } from './display-name';
import { Outbox, type AttemptOutcome, type OutboxLimits, type PendingEntry } from './outbox';
import type { SessionStore, StoredEntry, StoreSlot } from './session-store';
import { shortAddress } from './targets';

/** Options of `client.sendMessage()`. */
export interface SendMessageOptions {
  /** The body's media type. @defaultValue `'text/plain;charset=utf-8'` */
  contentType?: string;
  /**
   * Your id for this message (1–200 printable characters, unique among the messages not yet
   * settled), e.g. the id your chat UI already gives it: its `messagestatus` events carry it,
   * on this page and, after a reload, on the next one. @defaultValue a random id, returned in
   * the {@link MessageReceipt}
   */
  id?: string;
}

/** What `sendMessage()` resolves to once the message is confirmed (2xx). */
export interface MessageReceipt {
  /** The message's id: the `id` option, or the one the SDK chose. */
  id: string;
}

/**
 * How a message ended: `delivered` (answered 2xx), `failed` (refused with a final SIP status,
 * or dropped by `logout()`), `expired` (not confirmed within `messageTimeoutMs` of its
 * `sendMessage()`; a message cut by a link loss may still have arrived).
 */
export type MessageStatusKind = 'delivered' | 'failed' | 'expired';

/**
 * Payload of the `messagestatus` event: the outcome of one sent message, reported exactly once
 * per message and page, whether the message was sent from this page or restored from an
 * earlier page of this tab (`restored`).
 */
export interface MessageStatus {
  /** The message's id (see {@link SendMessageOptions.id}). */
  id: string;
  /** How it ended. */
  status: MessageStatusKind;
  /** The recipient in short form, as for `sendMessage()`: `bob`, or `bob@other.example`. */
  to: string;
  /** The message text. */
  body: string;
  /** Why it was not delivered: `SipError` (with `status`), `TimeoutError` (expired) or `InvalidStateError` (logged out). */
  error?: VoxlineError;
  /** True when an earlier page of this tab sent it and this page sent it again after `login()`. */
  restored: boolean;
  /** `Date.now()` when the outcome was known. */
  at: number;
}

/**
 * How an unconfirmed message is kept in `sessionStorage` (nothing else: no credential, no
 * header); in shared mode the page side keeps the same records (page-outbox.ts) and hands them
 * back to the worker after a reload.
 */
export interface StoredMessage extends StoredEntry {
  id: string;
  /** The target's SIP URI. */
  to: string;
  body: string;
  contentType: string;
}

export function isStoredMessage(value: unknown): value is StoredMessage {
  const m = value as Partial<StoredMessage> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.to === 'string' && Grammar.URIParse(m.to) !== undefined && typeof m.body === 'string' && typeof m.contentType === 'string' && typeof m.deadline === 'number';
}

/** A random id: 128 bits in hex (`crypto.getRandomValues` works on http pages too). */
export function newMessageId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

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
  private slot: StoreSlot<StoredMessage> | null = null;
  /** Hears the outcome of every message (set by the client). */
  onStatus: ((status: MessageStatus) => void) | null = null;

  constructor(
    private readonly userAgent: Pick<CoreOwner, 'userAgentCore'>,
    private readonly domain: string,
    private readonly isLinkUp: () => boolean,
    private readonly logger: Logger,
    limits: OutboxLimits,
  ) {
    this.outbox = new Outbox((m) => this.deliver(m), limits, (m) => `message to ${m.target.toString()}`, {
      changed: () => this.slot?.changed(),
      settled: (entry, error, restored) => this.report(entry, error, restored),
    });
  }

  /** Queues a message; resolves with its receipt on 2xx. @throws `TypeError` when `id` is already held. */
  send(target: URI, body: string, contentType: string, id = newMessageId()): Promise<MessageReceipt> {
    if (this.outbox.has(id)) return Promise.reject(new TypeError(`sendMessage(target, body, options): "options.id" ${JSON.stringify(id)} is already in the outbox`));
    return this.outbox.send({ target, body, contentType }, id).then(() => ({ id }));
  }

  /**
   * Keeps the unconfirmed messages in `store` from now on, after queueing, ahead of anything
   * else, those an earlier page of this tab left there (reported `expired` at once when past
   * their deadline).
   */
  persistTo(store: SessionStore): void {
    const slot = store.slot('outbox', isStoredMessage);
    const { live, expired } = slot.load();
    this.slot = slot;
    slot.track(() => this.pending());
    this.restore([...expired, ...live]);
  }

  /** The messages not yet settled, in order, as they are stored. */
  pending(): StoredMessage[] {
    return this.outbox.pending().map(({ id, item, deadline }) => ({ id, to: item.target.toString(), body: item.body, contentType: item.contentType, deadline }));
  }

  /**
   * Queues messages an earlier page of this tab left unconfirmed ahead of everything else, with
   * their deadlines (past it: reported `expired`); their outcomes are reported `restored`.
   */
  restore(messages: readonly StoredMessage[]): void {
    const restore = (m: StoredMessage): PendingEntry<OutgoingMessage> => ({ id: m.id, deadline: m.deadline, item: { target: Grammar.URIParse(m.to)!, body: m.body, contentType: m.contentType } });
    this.outbox.restore(messages.map(restore));
  }

  /**
   * The page goes away but the tab's next page should still send what waits (`destroy()`):
   * the store keeps it, and this page's promises reject with {@link InvalidStateError}, with no
   * `messagestatus`.
   */
  release(): void {
    this.detach();
    this.onStatus = null;
    this.outbox.close('the client was destroyed; it is kept for the next login() in this tab (persistOutbox)');
  }

  setReady(ready: boolean): void {
    this.outbox.setReady(ready);
  }

  /** Rejects what waits (logout); the store, if any, is emptied too. */
  close(reason?: string): void {
    this.outbox.close(reason);
    this.detach();
  }

  /** Writes what waits one last time and stops persisting (the store may serve others). */
  private detach(): void {
    this.slot?.flush();
    this.slot?.track(null);
    this.slot = null;
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

  private report({ id, item }: PendingEntry<OutgoingMessage>, error: Error | null, restored: boolean): void {
    const status: MessageStatus = { id, status: error === null ? 'delivered' : error instanceof TimeoutError ? 'expired' : 'failed', to: shortAddress(item.target, this.domain), body: item.body, restored, at: Date.now() };
    if (error) status.error = error instanceof VoxlineError ? error : new InvalidStateError(`message to ${status.to} failed: ${error.message}`, { cause: error });
    this.onStatus?.(status);
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

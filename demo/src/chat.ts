/**
 * Text chat: one conversation per contact, over `client.sendMessage()` and the `message` event.
 * An outgoing message is `queued` (link down, waiting in the SDK's outbox) or `sent` (in flight)
 * until `sendMessage()` settles: `delivered` when it resolves, `failed` (with the reason and a
 * Retry) when it rejects. Unread counts grow for messages that arrive out of sight. Messages a
 * previous load of this tab left unconfirmed are sent by the SDK after login (`persistOutbox`)
 * and shown here when their `messagestatus` arrives (`restored`).
 */
import { ChatView } from './chat-view';
import { describeError, type Client, type IncomingTextMessage, type SentMessageStatus } from './sdk';

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'failed' | 'received';

export interface ChatMessage {
  id: number;
  direction: 'in' | 'out';
  body: string;
  at: number;
  status: MessageStatus;
  error?: string;
}

export interface Conversation {
  contact: string;
  name: string;
  messages: ChatMessage[];
  unread: number;
  lastAt: number;
}

export interface ChatDeps {
  client: Client;
  /** The SIP domain the user is in; `bob@<domain>` and `bob` are the same contact. */
  domain: string;
  isOnline(): boolean;
  /** True when the chat panel is on screen (always on desktop; the Messages tab on phones). */
  isVisible(): boolean;
  onUnreadChange(total: number): void;
  onCall(contact: string): void;
  /** Aborted at sign-out: removes the page listeners. */
  signal: AbortSignal;
}

const MAX_MESSAGES = 500;
let nextId = 1;

export class Chat {
  private readonly conversations = new Map<string, Conversation>();
  private readonly view: ChatView;
  private openContact: string | null = null;

  private readonly signal: AbortSignal;

  constructor(private readonly deps: ChatDeps) {
    this.signal = deps.signal;
    this.view = new ChatView({
      start: (contact) => this.start(contact),
      open: (contact) => this.open(contact),
      close: () => this.close(),
      send: (body) => this.send(body),
      retry: (id) => this.retry(id),
      call: () => this.openContact && deps.onCall(this.openContact),
    }, deps.signal);
    deps.client.on('message', (message) => this.receive(message));
    deps.client.on('messagestatus', (status) => status.restored && this.restored(status));
    deps.client.on('connectionchange', (change) => {
      if (change.state === 'disconnected') return;
      for (const conversation of this.conversations.values()) {
        for (const m of conversation.messages) if (m.status === 'queued') this.setStatus(conversation, m, 'sent');
      }
    });
    document.addEventListener('visibilitychange', () => this.markRead(), { signal: this.signal });
    this.view.hideThread();
    this.view.renderList([], null);
  }

  /** Call when the chat panel becomes visible (tab switch): the open conversation is read. */
  markRead(): void {
    const conversation = this.openContact ? this.conversations.get(this.openContact) : undefined;
    if (!conversation || conversation.unread === 0 || !this.seen()) return;
    conversation.unread = 0;
    this.changed();
  }

  private seen(): boolean {
    return this.deps.isVisible() && document.visibilityState === 'visible';
  }

  /** `sip:bob@example.com`, `bob@example.com` (our domain) and `bob` are one contact: `bob`. */
  private normalise(target: string): string {
    let contact = target.trim().replace(/^sips?:/i, '');
    const at = contact.lastIndexOf('@');
    if (at > 0 && contact.slice(at + 1).toLowerCase() === this.deps.domain.toLowerCase()) contact = contact.slice(0, at);
    return contact;
  }

  private conversation(contact: string, name = contact): Conversation {
    let conversation = this.conversations.get(contact);
    if (!conversation) {
      conversation = { contact, name, messages: [], unread: 0, lastAt: Date.now() };
      this.conversations.set(contact, conversation);
    }
    return conversation;
  }

  private start(target: string): void {
    const contact = this.normalise(target);
    if (!/^[^\s@]+(@[^\s@]+)?$/.test(contact)) {
      this.view.showStartError('Enter a user name such as bob, or bob@example.com.');
      return;
    }
    this.conversation(contact);
    this.view.clearStart();
    this.open(contact);
  }

  private open(contact: string): void {
    const conversation = this.conversations.get(contact);
    if (!conversation) return;
    this.openContact = contact;
    this.view.showThread(conversation);
    this.markRead();
    this.changed();
  }

  private close(): void {
    this.openContact = null;
    this.view.hideThread();
    this.changed();
  }

  private send(body: string): void {
    const conversation = this.openContact ? this.conversations.get(this.openContact) : undefined;
    const text = body.trim();
    if (!conversation || !text) return;
    const message: ChatMessage = { id: nextId++, direction: 'out', body: text, at: Date.now(), status: this.deps.isOnline() ? 'sent' : 'queued' };
    this.append(conversation, message);
    this.deliver(conversation, message);
  }

  private retry(id: number): void {
    for (const conversation of this.conversations.values()) {
      const message = conversation.messages.find((m) => m.id === id && m.status === 'failed');
      if (!message) continue;
      delete message.error;
      this.setStatus(conversation, message, this.deps.isOnline() ? 'sent' : 'queued');
      this.deliver(conversation, message);
    }
  }

  private deliver(conversation: Conversation, message: ChatMessage): void {
    this.deps.client.sendMessage(conversation.contact, message.body).then(
      () => this.setStatus(conversation, message, 'delivered'),
      (err: unknown) => {
        message.error = describeError(err);
        this.setStatus(conversation, message, 'failed');
      },
    );
  }

  /** A message sent before the page was reloaded: the SDK sent it again after login. */
  private restored(status: SentMessageStatus): void {
    const message: ChatMessage = { id: nextId++, direction: 'out', body: status.body, at: status.at, status: status.status === 'delivered' ? 'delivered' : 'failed' };
    if (status.error) message.error = describeError(status.error);
    this.append(this.conversation(this.normalise(status.to)), message);
  }

  private receive(incoming: IncomingTextMessage): void {
    const contact = this.normalise(incoming.from);
    const conversation = this.conversation(contact, incoming.displayName || contact);
    if (incoming.displayName && conversation.name !== incoming.displayName) {
      conversation.name = incoming.displayName;
      if (this.openContact === contact) this.view.updateHeader(conversation);
    }
    this.append(conversation, { id: nextId++, direction: 'in', body: incoming.body, at: incoming.at, status: 'received' });
    if (!(this.openContact === contact && this.seen())) conversation.unread++;
    this.changed();
  }

  private append(conversation: Conversation, message: ChatMessage): void {
    conversation.messages.push(message);
    if (conversation.messages.length > MAX_MESSAGES) conversation.messages.shift();
    conversation.lastAt = message.at;
    if (this.openContact === conversation.contact) this.view.appendMessage(message);
    this.changed();
  }

  private setStatus(conversation: Conversation, message: ChatMessage, status: MessageStatus): void {
    message.status = status;
    if (this.openContact === conversation.contact) this.view.updateMessage(message);
  }

  private changed(): void {
    const list = [...this.conversations.values()].sort((a, b) => b.lastAt - a.lastAt);
    this.view.renderList(list, this.openContact);
    this.deps.onUnreadChange(list.reduce((sum, c) => sum + c.unread, 0));
  }
}

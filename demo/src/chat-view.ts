/**
 * The chat's DOM: conversation list, thread, composer. Message bodies and names are only ever
 * set with `textContent`, so `<img src=x onerror=…>` in a message is shown, never parsed.
 */
import type { ChatMessage, Conversation } from './chat';
import { byId, el, formatTime, paintAvatar } from './dom';

export interface ChatActions {
  start(contact: string): void;
  open(contact: string): void;
  close(): void;
  send(body: string): void;
  retry(id: number): void;
  call(): void;
}

const STATUS_TEXT: Record<ChatMessage['status'], { glyph: string; label: string }> = {
  queued: { glyph: '◷', label: 'Queued: waiting for the connection' },
  sent: { glyph: '✓', label: 'Sent' },
  delivered: { glyph: '✓✓', label: 'Delivered' },
  failed: { glyph: '!', label: 'Not delivered' },
  received: { glyph: '', label: '' },
};

export class ChatView {
  private readonly pane = byId('panel-chat');
  private readonly list = byId<HTMLUListElement>('conversations');
  private readonly listEmpty = byId('conversations-empty');
  private readonly startForm = byId<HTMLFormElement>('new-chat');
  private readonly startInput = byId<HTMLInputElement>('new-chat-to');
  private readonly startError = byId('new-chat-error');
  private readonly thread = byId<HTMLOListElement>('thread');
  private readonly threadEmpty = byId('thread-empty');
  private readonly threadBox = byId('thread-box');
  private readonly title = byId('thread-title');
  private readonly subtitle = byId('thread-subtitle');
  private readonly avatar = byId('thread-avatar');
  private readonly composer = byId<HTMLFormElement>('composer');
  private readonly input = byId<HTMLTextAreaElement>('message-input');
  private readonly items = new Map<number, HTMLLIElement>();

  constructor(
    actions: ChatActions,
    private readonly signal: AbortSignal,
  ) {
    this.startForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.startError.textContent = '';
      if (this.startInput.value.trim()) actions.start(this.startInput.value);
    }, { signal: this.signal });
    this.list.addEventListener('click', (ev) => {
      const contact = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-contact]')?.dataset.contact;
      if (contact !== undefined) actions.open(contact);
    }, { signal: this.signal });
    byId('thread-back').addEventListener('click', () => actions.close(), { signal: this.signal });
    byId('thread-call').addEventListener('click', () => actions.call(), { signal: this.signal });
    this.thread.addEventListener('click', (ev) => {
      const id = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-retry]')?.dataset.retry;
      if (id) actions.retry(Number(id));
    }, { signal: this.signal });
    this.composer.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit(actions);
    }, { signal: this.signal });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit(actions);
      }
    }, { signal: this.signal });
    this.input.addEventListener('input', () => this.fitInput(), { signal: this.signal });
  }

  /** The conversation was opened: empty the "new chat" field. */
  clearStart(): void {
    this.startInput.value = '';
    this.startError.textContent = '';
  }

  /** Name or address of the open conversation changed (a display name arrived). */
  updateHeader(conversation: Conversation): void {
    this.title.textContent = conversation.name;
    this.subtitle.textContent = conversation.contact === conversation.name ? 'Text messages' : conversation.contact;
    paintAvatar(this.avatar, conversation.name);
  }

  showStartError(text: string): void {
    this.startError.textContent = text;
  }

  renderList(conversations: readonly Conversation[], open: string | null): void {
    this.listEmpty.hidden = conversations.length > 0;
    this.list.replaceChildren(
      ...conversations.map((c) => {
        const item = el('li');
        const button = el('button', 'conversation');
        button.type = 'button';
        button.dataset.contact = c.contact;
        if (c.contact === open) button.setAttribute('aria-current', 'true');
        const avatar = el('span', 'avatar sm');
        avatar.setAttribute('aria-hidden', 'true');
        paintAvatar(avatar, c.name);
        const last = c.messages[c.messages.length - 1];
        const text = el('span', 'conversation-text');
        text.append(el('span', 'conversation-name', c.name), el('span', 'conversation-preview', last ? `${last.direction === 'out' ? 'You: ' : ''}${[...last.body].slice(0, 80).join('')}` : 'No messages yet'));
        const side = el('span', 'conversation-side');
        side.append(el('time', 'conversation-time', last ? formatTime(last.at) : ''));
        if (c.unread > 0) {
          const pill = el('span', 'unread', String(c.unread));
          pill.setAttribute('aria-label', `${c.unread} unread`);
          side.append(pill);
        }
        button.append(avatar, text, side);
        item.append(button);
        return item;
      }),
    );
  }

  showThread(conversation: Conversation): void {
    this.pane.dataset.thread = 'open';
    this.threadEmpty.hidden = true;
    this.threadBox.hidden = false;
    this.updateHeader(conversation);
    this.items.clear();
    this.thread.replaceChildren();
    for (const message of conversation.messages) this.appendMessage(message);
    this.input.focus();
  }

  hideThread(): void {
    this.pane.dataset.thread = 'closed';
    this.threadBox.hidden = true;
    this.threadEmpty.hidden = false;
  }

  appendMessage(message: ChatMessage): void {
    const nearBottom = this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 80;
    const item = el('li', `message ${message.direction}`);
    item.append(el('div', 'bubble', message.body), el('div', 'message-meta'));
    this.items.set(message.id, item);
    this.updateMessage(message);
    this.thread.append(item);
    if (nearBottom || message.direction === 'out') this.thread.scrollTop = this.thread.scrollHeight;
  }

  updateMessage(message: ChatMessage): void {
    const item = this.items.get(message.id);
    if (!item) return;
    item.dataset.status = message.status;
    const meta = item.querySelector('.message-meta');
    if (!meta) return;
    const status = STATUS_TEXT[message.status];
    const parts: Node[] = [el('time', undefined, formatTime(message.at))];
    if (status.glyph) {
      const tick = el('span', `tick ${message.status}`, status.glyph);
      tick.setAttribute('role', 'img');
      tick.setAttribute('aria-label', status.label);
      tick.title = status.label;
      parts.push(tick);
    }
    if (message.status === 'failed') {
      parts.push(el('span', 'message-error', `Not delivered: ${message.error ?? 'unknown error'}`));
      const retry = el('button', 'link-button', 'Retry');
      retry.type = 'button';
      retry.dataset.retry = String(message.id);
      parts.push(retry);
    }
    meta.replaceChildren(...parts);
  }

  private submit(actions: ChatActions): void {
    const body = this.input.value;
    if (!body.trim()) return;
    actions.send(body);
    this.input.value = '';
    this.fitInput();
  }

  /** Grows the composer with its text, up to the CSS max-height (CSSOM, so CSP-safe). */
  private fitInput(): void {
    if (this.input.value === '') {
      this.input.style.removeProperty('height');
      return;
    }
    this.input.style.height = 'auto';
    this.input.style.height = `${this.input.scrollHeight}px`;
  }
}

/**
 * The idle phone screen: destination field, dialpad, call button and the recent calls list.
 */
import { byId, el, formatDuration, formatTime, paintAvatar } from './dom';
import type { RecentCall } from './storage';

const OUTCOMES: Record<string, string> = {
  answered: '',
  missed: 'Missed',
  declined: 'Declined',
  busy: 'Busy',
  'not-found': 'No such user',
  canceled: 'Cancelled',
  unavailable: 'Unavailable',
  rejected: 'Declined',
  failed: 'Failed',
};

export class Dialer {
  private readonly form = byId<HTMLFormElement>('dial-form');
  private readonly destination = byId<HTMLInputElement>('destination');
  private readonly backspace = byId<HTMLButtonElement>('backspace');
  private readonly pad = byId('dialpad');
  private readonly recents = byId<HTMLOListElement>('recents');
  private readonly recentsEmpty = byId('recents-empty');

  constructor(
    actions: { call(target: string): void; key(key: string): void },
    private readonly signal: AbortSignal,
  ) {
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const target = this.destination.value.trim();
      if (target) actions.call(target);
      else this.destination.focus();
    }, { signal: this.signal });
    this.pad.addEventListener('click', (ev) => {
      const key = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-key]')?.dataset.key;
      if (!key) return;
      actions.key(key);
      this.destination.value += key;
    }, { signal: this.signal });
    this.backspace.addEventListener('click', () => {
      this.destination.value = [...this.destination.value].slice(0, -1).join('');
      this.destination.focus();
    }, { signal: this.signal });
    this.recents.addEventListener('click', (ev) => {
      const remote = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-remote]')?.dataset.remote;
      if (!remote) return;
      this.destination.value = remote;
      this.destination.focus();
    }, { signal: this.signal });
  }

  renderRecents(calls: readonly RecentCall[]): void {
    this.recentsEmpty.hidden = calls.length > 0;
    this.recents.replaceChildren(
      ...calls.map((call) => {
        const item = el('li');
        const button = el('button', `recent ${call.outcome === 'answered' ? '' : 'unanswered'}`);
        button.type = 'button';
        button.dataset.remote = call.remote;
        const avatar = el('span', 'avatar sm');
        paintAvatar(avatar, call.remote);
        avatar.setAttribute('aria-hidden', 'true');
        const text = el('span', 'recent-text');
        const detail = call.outcome === 'answered' ? formatDuration(call.durationMs ?? 0) : (OUTCOMES[call.outcome] ?? call.outcome);
        const arrow = el('span', undefined, call.direction === 'incoming' ? '↙ ' : '↗ ');
        arrow.setAttribute('aria-hidden', 'true');
        const line = el('span', 'recent-detail');
        line.append(arrow, `${call.direction === 'incoming' ? 'Incoming' : 'Outgoing'} · ${detail}`);
        text.append(el('span', 'recent-name', call.remote), line);
        button.append(avatar, text, el('time', 'recent-time', formatTime(call.at)));
        // The name is the visible text (WCAG 2.5.3, label in name); what a press does is the description.
        button.setAttribute('aria-describedby', 'recent-hint');
        item.append(button);
        return item;
      }),
    );
  }
}

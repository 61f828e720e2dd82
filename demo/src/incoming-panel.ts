/** The incoming-call panel: caller, Answer and Decline. Floats above every tab, on any screen size. */
import { byId, paintAvatar } from './dom';

export class IncomingPanel {
  private readonly root = byId('incoming');
  private readonly avatar = byId('incoming-avatar');
  private readonly name = byId('incoming-name');
  private readonly uri = byId('incoming-uri');
  private readonly answerButton = byId<HTMLButtonElement>('answer');
  private readonly declineButton = byId<HTMLButtonElement>('decline');
  private returnFocus: HTMLElement | null = null;

  constructor(
    actions: { answer(): void; decline(): void },
    private readonly signal: AbortSignal,
  ) {
    this.answerButton.addEventListener('click', () => actions.answer(), { signal: this.signal });
    this.declineButton.addEventListener('click', () => actions.decline(), { signal: this.signal });
  }

  show(name: string, uri: string, ringing: boolean): void {
    paintAvatar(this.avatar, name);
    this.name.textContent = name;
    this.uri.textContent = uri;
    this.root.dataset.ringtone = ringing ? 'playing' : 'silent';
    this.returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.root.hidden = false;
    this.answerButton.focus();
  }

  hide(): void {
    if (this.root.hidden) return;
    this.root.hidden = true;
    this.root.dataset.ringtone = 'silent';
    if (this.root.contains(document.activeElement)) this.returnFocus?.focus();
  }
}

/**
 * Phone / Messages / Status tabs for small screens. On wide screens every panel is visible and
 * the tab bar is hidden by CSS; the selected tab is `body[data-tab]`.
 */
import { byId } from './dom';

export type TabName = 'phone' | 'chat' | 'status';

const NARROW = window.matchMedia('(max-width: 759px)');

export class Tabs {
  private readonly buttons = [...document.querySelectorAll<HTMLButtonElement>('.tabbar [role="tab"]')];
  private readonly unread = byId('tab-unread');
  private listeners: Array<(tab: TabName) => void> = [];

  constructor() {
    for (const button of this.buttons) {
      button.addEventListener('click', () => this.select(button.dataset.tab as TabName));
      button.addEventListener('keydown', (ev) => this.onKey(ev, button));
    }
    NARROW.addEventListener('change', () => this.notify());
    this.select('phone');
  }

  get current(): TabName {
    return (document.body.dataset.tab as TabName | undefined) ?? 'phone';
  }

  /** True when `tab`'s panel is on screen (always, on wide screens). */
  visible(tab: TabName): boolean {
    return !NARROW.matches || this.current === tab;
  }

  /** Calls `listener` on every tab change until `signal` is aborted. */
  onChange(listener: (tab: TabName) => void, signal: AbortSignal): void {
    this.listeners.push(listener);
    signal.addEventListener('abort', () => (this.listeners = this.listeners.filter((l) => l !== listener)));
  }

  select(tab: TabName): void {
    document.body.dataset.tab = tab;
    for (const button of this.buttons) {
      const selected = button.dataset.tab === tab;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    this.notify();
  }

  setUnread(count: number): void {
    this.unread.textContent = count > 99 ? '99+' : String(count);
    this.unread.hidden = count === 0;
    document.title = count > 0 ? `(${count}) Voxline softphone` : 'Voxline softphone';
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.current);
  }

  /** Arrow keys move between tabs, as the ARIA tabs pattern expects. */
  private onKey(ev: KeyboardEvent, button: HTMLButtonElement): void {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    const i = this.buttons.indexOf(button);
    const next = this.buttons[(i + (ev.key === 'ArrowRight' ? 1 : this.buttons.length - 1)) % this.buttons.length]!;
    this.select(next.dataset.tab as TabName);
    next.focus();
  }
}

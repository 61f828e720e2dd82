/** Short notifications in a polite live region; they leave on their own after a few seconds. */
import { byId, el } from './dom';

export type ToastKind = 'info' | 'success' | 'error';

const region = (): HTMLElement => byId('toasts');

export function toast(text: string, kind: ToastKind = 'info', ms = 5000): void {
  const item = el('div', `toast ${kind}`, text);
  item.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const list = region();
  list.append(item);
  while (list.children.length > 3) list.firstElementChild?.remove();
  setTimeout(() => item.remove(), ms);
}

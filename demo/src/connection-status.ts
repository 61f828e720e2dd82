/**
 * The connection badge and its timeline, driven only by the client's `connectionchange` and
 * `reconnecting` events (never by polling `connectionState`), and in shared mode the "Shared
 * across N tabs" line (`client.sharedTabs`, then each `tabschange`):
 *
 * ```txt
 *   signed out ──connected──▶ connected (green) ──disconnected──▶ disconnected (red, reason)
 *                                  ▲                                   │ reconnecting
 *                                  │ reconnected                       ▼
 *                                  └──────────────────────── reconnecting (amber, attempt N, countdown)
 * ```
 * The timeline keeps the last 20 `connectionchange` events with their time and the downtime, and
 * the calls' own incidents (`reconnecting`/`reconnected`, from {@link Phone}) next to them.
 */
import { byId, el, formatClock, formatSpan } from './dom';
import type { Client, ConnectionChange, ReconnectAttempt } from './sdk';

export type BadgeState = 'signed-out' | 'connected' | 'reconnecting' | 'disconnected';

const TIMELINE_LENGTH = 20;

const REASONS: Record<string, string> = {
  closed: 'the server closed the connection',
  error: 'the server could not be reached',
  'keepalive-timeout': 'the server stopped answering',
  offline: 'this device went offline',
  'server-shutdown': 'the server is shutting down',
};

export class ConnectionStatus {
  private readonly badge = byId('badge');
  private readonly badgeText = byId('badge-text');
  private readonly detail = byId('connection-detail');
  private readonly timeline = byId<HTMLOListElement>('timeline');
  private readonly timelineEmpty = byId('timeline-empty');
  private readonly sharedTabs = byId('shared-tabs');
  private readonly sharedTabsText = byId('shared-tabs-text');
  private countdown: ReturnType<typeof setInterval> | undefined;
  private lastReason = '';
  /** True while the link is up; the chat uses it to tell "sent" from "queued". */
  online = false;

  /** Listens to `client`; call before `login()` so the first `connected` is seen. */
  attach(client: Client): void {
    client.on('connectionchange', (change) => this.onChange(change));
    client.on('reconnecting', (attempt) => this.onReconnecting(attempt));
    client.on('tabschange', ({ tabs }) => this.showTabs(tabs));
  }

  /** Once signed in: in shared mode, shows how many tabs share the link (hidden otherwise). */
  showShared(client: Client): void {
    this.sharedTabs.hidden = !client.shared;
    this.showTabs(client.sharedTabs);
  }

  private showTabs(tabs: number): void {
    this.sharedTabs.dataset.tabs = String(tabs);
    this.sharedTabsText.textContent = `Shared across ${tabs} ${tabs === 1 ? 'tab' : 'tabs'}`;
  }

  /** Back to "signed out" with an empty timeline (after logout or a failed login). */
  reset(): void {
    this.stopCountdown();
    this.online = false;
    this.setBadge('signed-out', 'Signed out');
    this.sharedTabs.hidden = true;
    this.detail.textContent = '';
    this.timeline.replaceChildren();
    this.timelineEmpty.hidden = false;
  }

  private onChange(change: ConnectionChange): void {
    this.stopCountdown();
    if (change.state === 'disconnected') {
      this.online = false;
      this.lastReason = REASONS[change.reason ?? ''] ?? change.reason ?? 'unknown reason';
      this.setBadge('disconnected', 'Disconnected');
      this.detail.textContent = `Lost at ${formatClock(change.at)}: ${this.lastReason}.`;
      const code = change.code !== undefined ? `, code ${change.code}` : '';
      this.addEntry('disconnected', 'Disconnected', `${this.lastReason} (${change.reason ?? '?'}${code})`, change.at);
      return;
    }
    this.online = true;
    this.setBadge('connected', 'Connected');
    this.detail.textContent = `Connected to ${change.server}`;
    if (change.state === 'reconnected') {
      const down = formatSpan(change.downtimeMs ?? 0);
      this.detail.textContent += ` · back after ${down} offline`;
      this.addEntry('connected', 'Reconnected', `after ${down} down · ${change.server}`, change.at);
    } else {
      this.addEntry('connected', 'Connected', change.server, change.at);
    }
  }

  private onReconnecting(attempt: ReconnectAttempt): void {
    this.stopCountdown();
    const due = Date.now() + attempt.delayMs;
    const render = (): void => {
      const left = due - Date.now();
      const when = left > 500 ? `in ${Math.ceil(left / 1000)} s` : 'now';
      this.setBadge('reconnecting', `Reconnecting · attempt ${attempt.attempt} · ${when}`);
    };
    render();
    this.detail.textContent = `Connection lost: ${this.lastReason || 'no link'}. Retrying ${attempt.server}.`;
    this.countdown = setInterval(render, 250);
  }

  private setBadge(state: BadgeState, text: string): void {
    if (this.badge.dataset.state !== state) this.badge.dataset.state = state;
    if (this.badgeText.textContent !== text) this.badgeText.textContent = text;
  }

  /** A call's media incident, on the same timeline: `down` at `reconnecting`, back at `reconnected`. */
  callIncident(down: boolean, label: string, detail: string, at: number): void {
    this.addEntry(down ? 'call-down' : 'call-back', label, detail, at);
  }

  private addEntry(kind: 'connected' | 'disconnected' | 'call-down' | 'call-back', label: string, detail: string, at: number): void {
    const item = el('li', `timeline-item ${kind}`);
    const head = el('div', 'timeline-head');
    head.append(el('span', 'timeline-label', label), el('time', 'timeline-time', formatClock(at)));
    (head.lastChild as HTMLTimeElement).dateTime = new Date(at).toISOString();
    item.append(head, el('div', 'timeline-detail', detail));
    this.timeline.prepend(item);
    while (this.timeline.children.length > TIMELINE_LENGTH) this.timeline.lastElementChild?.remove();
    this.timelineEmpty.hidden = true;
  }

  private stopCountdown(): void {
    if (this.countdown !== undefined) clearInterval(this.countdown);
    this.countdown = undefined;
  }
}

/** Recent calls of one user: kept in localStorage, shown under the dial pad. */
import type { Dialer } from './dialer';
import { storage, type RecentCall } from './storage';

const MAX_RECENTS = 10;

export class CallLog {
  private calls: RecentCall[];

  constructor(
    private readonly user: string,
    private readonly dialer: Dialer,
  ) {
    this.calls = storage.loadRecents(user);
    dialer.renderRecents(this.calls);
  }

  add(call: RecentCall): void {
    this.calls = [call, ...this.calls].slice(0, MAX_RECENTS);
    storage.saveRecents(this.user, this.calls);
    this.dialer.renderRecents(this.calls);
  }
}

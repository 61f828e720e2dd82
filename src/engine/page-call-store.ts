/**
 * Shared mode, page side: the records of the calls this tab owns (their dialogs and public facts,
 * as stored-call.ts describes them; nothing secret), kept in the tab's `sessionStorage` so that
 * the tab takes its calls back after a reload of itself (#15 × #16, see call-claims.ts). The
 * engine sends them (`stored`) on each change; they are written under the same key and format as
 * in-page mode's (session-store.ts's `calls` slot), each with a deadline `callResumeWindowMs`
 * from the write, and on `pagehide`. `login()` reads what the previous page left: its claims.
 * Nothing is written before the engine sent a list, so an in-page fallback's own writes stand.
 */
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import { SessionStore, type StoreSlot } from '../sip/session-store';
import { isStoredCall, type StoredCall } from '../sip/stored-call';

/** One tab's store of its calls' records. */
export interface PageCallStore {
  /** Logging in as `user`: the records the previous page of this tab left, to claim. */
  claims(user: string): StoredCall[];
  /** The engine's list of the calls this tab owns now. */
  keep(calls: StoredCall[]): void;
}

/** The {@link PageCallStore} of a tab with these options. */
export function pageCallStore({ domain, servers, callResumeWindowMs }: ResolvedClientOptions, logger: Logger): PageCallStore {
  let slot: StoreSlot<StoredCall> | null = null;
  let owned: StoredCall[] = [];
  return {
    claims(user) {
      slot = new SessionStore({ user, domain, servers }, logger).slot('calls', isStoredCall);
      const { live, expired } = slot.load();
      return [...live, ...expired];
    },
    keep(calls) {
      owned = calls;
      slot?.track(() => owned.map((call) => ({ ...call, deadline: Date.now() + callResumeWindowMs })));
      slot?.changed();
    },
  };
}

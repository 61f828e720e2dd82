/**
 * Shared mode, the page's side of the outbox across a reload (#15 × #16, `persistOutbox`). The
 * outbox itself runs in the worker, which has no `sessionStorage`; so the tab keeps its own
 * unconfirmed messages in its `sessionStorage`, in the slot and schema in-page mode uses
 * (session-store.ts, `voxline:outbox:<user>@<domain>:<hash>`, records of messaging.ts's
 * `StoredMessage`: nothing secret), each removed when its `messagestatus` arrives:
 *
 * ```txt
 *   sendMessage() ──▶ stored (id given here when the app gave none) ──messagestatus / refused──▶ removed
 *   pagehide ──▶ written at once      logout() ──▶ all removed      destroy() ──▶ kept
 *   (a logout in another tab fails every message of the engine: their messagestatus removes them)
 *   login() on the reloaded page ──▶ the stored messages go to the worker (restore-messages) before
 *                                    login() resolves, so ahead of anything new; see worker-outbox.ts
 * ```
 * It wraps the {@link EngineProxy}: only the commands above are looked at, and nothing happens
 * while the engine runs in the page (a worker that failed to start: the in-page engine keeps
 * the same slot itself).
 */
import type { Logger } from '../logger';
import type { ResolvedClientOptions } from '../resolve-options';
import { isStoredMessage, newMessageId, type MessageStatus, type StoredMessage } from '../sip/messaging';
import { SessionStore, type StoreSlot } from '../sip/session-store';
import type { EngineProxy, EngineProxyHooks } from './engine-proxy';
import type { EngineCommand } from './protocol';

type Send = (command: EngineCommand) => Promise<unknown>;

/** A tab's unconfirmed messages in shared mode, kept in its `sessionStorage` (see the file's doc comment). */
export class PageOutbox {
  private slot: StoreSlot<StoredMessage> | null = null;
  /** This tab's unconfirmed messages, in order. */
  private entries: StoredMessage[] = [];

  constructor(
    private readonly options: Pick<ResolvedClientOptions, 'domain' | 'servers' | 'messageTimeoutMs'>,
    private readonly logger: Logger,
    /** True while the engine runs in a SharedWorker. */
    private readonly shared: () => boolean,
  ) {}

  /** `hooks`, hearing `messagestatus` first. */
  hooks(hooks: EngineProxyHooks): EngineProxyHooks {
    return {
      ...hooks,
      event: (name, payload) => {
        if (name === 'messagestatus') this.drop((payload as MessageStatus).id);
        hooks.event(name, payload);
      },
    };
  }

  /** Routes `proxy`'s requests through this outbox. */
  wrap(proxy: EngineProxy): void {
    const send: Send = proxy.request.bind(proxy);
    proxy.request = (command) => (this.shared() ? this.request(send, command) : send(command));
  }

  /** The page goes away (destroy()): what waits stays stored for the tab's next login(). */
  release(): void {
    this.stop(null);
  }

  private async request(send: Send, command: EngineCommand): Promise<unknown> {
    if (command.op === 'logout') this.stop([]);
    if (command.op === 'send-message' && this.slot) {
      const id = command.id ?? newMessageId();
      const { target: to, body, contentType } = command;
      // An id already held is refused by the worker: the message stored under it stays.
      const entry = this.entries.some((e) => e.id === id) ? null : { id, to, body, contentType, deadline: Date.now() + this.options.messageTimeoutMs };
      if (entry) this.entries.push(entry);
      this.slot.changed();
      // Settled (its messagestatus came first) or refused: no longer waits.
      return send({ ...command, id }).finally(() => this.drop(id, entry));
    }
    const value = await send(command);
    if (command.op === 'login') await this.restore(command.user, send);
    return value;
  }

  /** After login(): keeps this user's messages from now on, handing the worker those an earlier page left. */
  private async restore(user: string, send: Send): Promise<void> {
    const slot = new SessionStore({ user, domain: this.options.domain, servers: this.options.servers }, this.logger).slot('outbox', isStoredMessage);
    const { live, expired } = slot.load();
    this.stop(null);
    this.slot = slot;
    this.entries = [...expired, ...live];
    slot.track(() => this.entries);
    if (this.entries.length === 0) return;
    try {
      await send({ op: 'restore-messages', messages: this.entries });
    } catch (err) {
      this.logger.warn(`messages kept for the next login(): ${(err as Error).message}`);
    }
  }

  /** Removes the message `id` (only `entry`, when given); a no-op when it is not held. */
  private drop(id: string, entry?: StoredMessage | null): void {
    const index = this.entries.findIndex((e) => e.id === id && (entry === undefined || e === entry));
    if (index === -1) return;
    this.entries.splice(index, 1);
    this.slot?.changed();
  }

  /** Stops storing: `entries` replaces what is stored first (`[]` empties it), `null` keeps it. */
  private stop(entries: StoredMessage[] | null): void {
    if (entries) this.entries = entries;
    this.slot?.flush();
    this.slot?.track(null);
    this.slot = null;
  }
}

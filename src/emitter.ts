/**
 * The typed event emitter of the SDK's internal objects (the link, the SIP user agent, its
 * registration and calls): `on`, `once`, `off`, `emit`, `removeAllListeners` and
 * `listenerCount`, with eventemitter3's semantics for exactly these, in a fraction of its code
 * (its ≈ 2.7 KB minified were the only runtime dependency left in the bundles).
 *
 * - `emit` calls the listeners registered when it starts, in registration order: one added or
 *   removed by a listener during the emit takes effect from the next emit; a `once` listener is
 *   removed before it runs. A listener that throws stops the emit (the public objects isolate
 *   their listeners in src/client/safe-emitter.ts; these are the SDK's own).
 * - `off(event, listener)` removes every registration of `listener`; `off(event)` all of `event`.
 *
 * Internal: nothing in the public API (dist/voxline.d.ts) extends it or exposes `emit`.
 */

/** An event map: event name → listener signature. */
type EventMap<T> = { [K in keyof T]: (...args: never[]) => unknown };

/** Any listener: what tests' untyped fakes (`new EventEmitter()`) accept. */
type AnyEvents = Record<string | symbol, (...args: any[]) => unknown>;

interface Registration {
  fn: (...args: unknown[]) => unknown;
  once: boolean;
}

/** A typed event emitter; see the module comment for its exact semantics. */
export class EventEmitter<Events extends EventMap<Events> = AnyEvents> {
  private readonly registrations = new Map<keyof Events, Registration[]>();

  /** Adds `listener` for `event`. */
  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.add(event, listener, false);
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.add(event, listener, true);
  }

  /** Removes every registration of `listener` for `event`, or all of `event`'s without one. */
  off<E extends keyof Events>(event: E, listener?: Events[E]): this {
    const left = listener ? this.registrations.get(event)?.filter((r) => r.fn !== (listener as unknown)) : [];
    if (left?.length) this.registrations.set(event, left);
    else this.registrations.delete(event);
    return this;
  }

  /** Calls `event`'s listeners with `args`; `true` when it had any. */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): boolean {
    const list = this.registrations.get(event);
    if (!list) return false;
    for (const r of list) {
      if (r.once) this.removeOnce(event, r);
      r.fn(...args);
    }
    return true;
  }

  /** Removes the listeners of `event`, or of every event without one. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.registrations.clear();
    else this.registrations.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.registrations.get(event)?.length ?? 0;
  }

  private add(event: keyof Events, listener: unknown, once: boolean): this {
    // A new array each time: an emit under way keeps iterating the one it started with.
    this.registrations.set(event, [...(this.registrations.get(event) ?? []), { fn: listener as Registration['fn'], once }]);
    return this;
  }

  private removeOnce(event: keyof Events, registration: Registration): void {
    const left = this.registrations.get(event)?.filter((r) => r !== registration);
    if (left?.length) this.registrations.set(event, left);
    else this.registrations.delete(event);
  }
}

/**
 * The typed event emitter behind the public classes ({@link Client}, {@link Call}).
 *
 * Applications get `on`, `once`, `off` and `listenerCount`; only the SDK can emit (through
 * {@link emitSafely}, a module function, so no `emit` method appears on the public types).
 * Each listener runs in isolation: one that throws, or returns a promise that rejects, is logged
 * and the others still run, as in mediasoup-client's `safeEmit`, but per listener.
 */

/** An event map: event name → listener signature. */
export type EventMap<T> = { [K in keyof T]: (...args: never[]) => unknown };

interface Registration {
  listener: (...args: unknown[]) => unknown;
  once: boolean;
}

/** Where listener failures are reported (the SDK's logger). */
export interface ListenerErrorSink {
  error(message: string): void;
}

const registries = new WeakMap<object, Map<PropertyKey, Registration[]>>();
const sinks = new WeakMap<object, ListenerErrorSink>();

function registry(emitter: object): Map<PropertyKey, Registration[]> {
  let map = registries.get(emitter);
  if (!map) {
    map = new Map();
    registries.set(emitter, map);
  }
  return map;
}

/**
 * A typed event emitter: subscribe with `on`/`once`, unsubscribe with `off`. A listener that
 * throws (or whose promise rejects) is logged and never stops the other listeners or the SDK.
 */
export class SafeEmitter<Events extends EventMap<Events>> {
  /** @internal */
  constructor(sink: ListenerErrorSink) {
    sinks.set(this, sink);
  }

  /**
   * Adds `listener` for `event`.
   * @example
   * ```ts
   * client.on('connectionchange', (e) => render(e.state));
   * ```
   */
  on<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return this.add(event, listener, false);
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return this.add(event, listener, true);
  }

  /** Removes `listener` from `event` (one registration of it, as the DOM does). */
  off<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    const list = registries.get(this)?.get(event);
    const index = list?.findIndex((r) => r.listener === (listener as unknown)) ?? -1;
    if (list && index !== -1) list.splice(index, 1);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events & string): number {
    return registries.get(this)?.get(event)?.length ?? 0;
  }

  private add(event: string, listener: unknown, once: boolean): this {
    if (typeof listener !== 'function') throw new TypeError(`on(event, listener): "listener" must be a function, got ${typeof listener}`);
    const map = registry(this);
    const list = map.get(event) ?? [];
    list.push({ listener: listener as Registration['listener'], once });
    map.set(event, list);
    return this;
  }
}

/**
 * Delivers `event` to each listener of `emitter` in the order they were added. Every listener
 * runs even when an earlier one throws; a throw or a rejected promise is logged as an error.

 */
export function emitSafely<Events extends EventMap<Events>, E extends keyof Events & string>(
  emitter: SafeEmitter<Events>,
  event: E,
  ...args: Parameters<Events[E]>
): void {
  const list = registries.get(emitter)?.get(event);
  if (!list || list.length === 0) return;
  const sink = sinks.get(emitter);
  const report = (err: unknown): void => sink?.error(`a "${event}" listener threw: ${err instanceof Error ? err.message : String(err)}`);
  for (const registration of [...list]) {
    if (registration.once) {
      const index = list.indexOf(registration);
      if (index === -1) continue; // removed by an earlier listener
      list.splice(index, 1);
    } else if (!list.includes(registration)) continue;
    try {
      const result = registration.listener(...(args as unknown[]));
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') (result as PromiseLike<unknown>).then(undefined, report);
    } catch (err) {
      report(err);
    }
  }
}

/** Removes every listener of `emitter` (destroy, call ended). */
export function clearListeners(emitter: object): void {
  registries.delete(emitter);
}

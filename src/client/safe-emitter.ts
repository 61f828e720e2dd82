/**
 * The typed event emitter behind the public classes: `safeEmit` delivers an event without
 * letting a listener's exception escape into the SDK (it is logged instead), as in
 * mediasoup-client.
 */
import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../logger';

export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  /** @internal */
  protected readonly emitterLogger: Logger;

  /** @internal */
  constructor(logger: Logger) {
    super();
    this.emitterLogger = logger;
  }

  /** @internal Emits `event`; a throwing listener is logged, never rethrown. */
  protected safeEmit<E extends EventEmitter.EventNames<Events>>(event: E, ...args: EventEmitter.EventArgs<Events, E>): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      this.emitterLogger.error(`a "${String(event)}" listener threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

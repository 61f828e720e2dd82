/**
 * Adapter that presents Voxline's {@link WebSocketTransport} to sip.js as its `Transport`.
 * Connection management (which server, when to reconnect) stays in the transport layer; sip.js
 * only sends and receives messages through it and is told when the link goes up or down.
 *
 * States, link → sip.js:
 * ```txt
 *   connecting ───────────────────▶ Connecting
 *   connected ────────────────────▶ Connected     (onConnect, once per entry)
 *   idle / disconnected / closed ─▶ Disconnected  (onDisconnect, once per exit from Connected:
 *                                                   with an Error when the link was lost,
 *                                                   without one when it was closed on purpose)
 * ```
 * `stateChange` fires only when the sip.js state changes (idle → disconnected is no change).
 * Inbound frames pass through an {@link InboundGuard}, so nothing a server sends throws out of
 * the SDK; callbacks set by sip.js that throw are contained and logged.
 */
import { EmitterImpl, TransportState, type Transport } from 'sip.js';
import type { WebSocketTransport } from '../transport/websocket-transport';
import type { LinkState } from '../transport/types';
import { InboundGuard, type GuardLogger } from './inbound-guard';

/** Options handed to sip.js as `transportOptions`, passed back to our constructor. */
export interface SipTransportAdapterOptions {
  link: WebSocketTransport;
}

function toSipState(state: LinkState): TransportState {
  switch (state) {
    case 'connected':
      return TransportState.Connected;
    case 'connecting':
      return TransportState.Connecting;
    default:
      return TransportState.Disconnected;
  }
}

/**
 * The `Via` sent-protocol for a server URL (RFC 7118 §5.2): `WSS` for `wss://`, `WS` for
 * `ws://`, as sip.js's own web transport derives it.
 */
export function viaProtocol(url: string): 'WS' | 'WSS' {
  return /^wss:/i.test(url) ? 'WSS' : 'WS';
}

/** The sip.js `Transport` view of a {@link WebSocketTransport}. */
export class SipTransportAdapter implements Transport {
  readonly stateChange = new EmitterImpl<TransportState>();
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  private readonly link: WebSocketTransport;
  private readonly logger: GuardLogger;
  private readonly guard: InboundGuard;
  private readonly unsubscribe: () => void;
  /** The sip.js state last announced, so `stateChange` fires on real changes only. */
  private announced: TransportState;

  /** sip.js calls this with its own logger (category `sip.Transport`) and `transportOptions`. */
  constructor(logger: GuardLogger, options: SipTransportAdapterOptions) {
    this.link = options.link;
    this.logger = logger;
    this.announced = toSipState(this.link.state);
    this.guard = new InboundGuard({ logger, send: (frame) => this.link.send(frame) });
    const onState = (state: LinkState): void => {
      const next = toSipState(state);
      const previous = this.announced;
      if (next === previous) return;
      this.announced = next;
      this.contain('a stateChange listener', () => this.stateChange.emit(next));
      if (next === TransportState.Connected) this.contain('onConnect', () => this.onConnect?.());
      else if (previous === TransportState.Connected) {
        const error = state === 'disconnected' ? new Error('link lost') : undefined;
        this.contain('onDisconnect', () => this.onDisconnect?.(error));
      }
    };
    const onMessage = (message: string): void => this.guard.handle(message, (frame) => this.onMessage?.(frame));
    this.link.on('statechange', onState);
    this.link.on('message', onMessage);
    this.unsubscribe = () => {
      this.link.off('statechange', onState);
      this.link.off('message', onMessage);
    };
  }

  /** `WS` or `WSS`, from the URL of the server in use: it can change on fail-over. */
  get protocol(): string {
    return viaProtocol(this.link.server);
  }

  get state(): TransportState {
    return toSipState(this.link.state);
  }

  connect(): Promise<void> {
    return this.link.connect();
  }

  /** sip.js calls this when the user agent stops; the link's owner decides, so it is a no-op here. */
  disconnect(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): Promise<void> {
    this.unsubscribe();
    this.guard.dispose();
    this.stateChange.removeAllListeners();
    return Promise.resolve();
  }

  isConnected(): boolean {
    return this.link.state === 'connected';
  }

  /** Rejects with the link's `ConnectionError` when it is not connected. */
  send(message: string): Promise<void> {
    this.guard.noteSent(message);
    return this.link.send(message);
  }

  private contain(what: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.logger.warn(`${what} threw: ${(err as Error | undefined)?.message ?? String(err)}`);
    }
  }
}

/**
 * Adapter that presents Voxline's {@link WebSocketTransport} to sip.js as its `Transport`.
 * Connection management (which server, when to reconnect) stays in the transport layer; sip.js
 * only sends and receives messages through it and is told when the link goes up or down.
 */
import { EmitterImpl, TransportState, type Transport } from 'sip.js';
import type { WebSocketTransport } from '../transport/websocket-transport';
import type { LinkState } from '../transport/types';

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

/** The sip.js `Transport` view of a {@link WebSocketTransport}. */
export class SipTransportAdapter implements Transport {
  readonly protocol = 'WSS';
  readonly stateChange = new EmitterImpl<TransportState>();
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  private readonly link: WebSocketTransport;
  private readonly unsubscribe: () => void;

  constructor(_logger: unknown, options: SipTransportAdapterOptions) {
    this.link = options.link;
    const onState = (state: LinkState, previous: LinkState): void => {
      this.stateChange.emit(toSipState(state));
      if (state === 'connected') this.onConnect?.();
      else if (previous === 'connected') this.onDisconnect?.(state === 'disconnected' ? new Error('link lost') : undefined);
    };
    const onMessage = (message: string): void => this.onMessage?.(message);
    this.link.on('statechange', onState);
    this.link.on('message', onMessage);
    this.unsubscribe = () => {
      this.link.off('statechange', onState);
      this.link.off('message', onMessage);
    };
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
    this.stateChange.removeAllListeners();
    return Promise.resolve();
  }

  isConnected(): boolean {
    return this.link.state === 'connected';
  }

  send(message: string): Promise<void> {
    return this.link.send(message);
  }
}

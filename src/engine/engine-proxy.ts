/**
 * The page's end of the protocol: sends {@link EngineCommand}s and settles each with its reply,
 * keeps the engine's {@link EngineSnapshot} for the page's getters, and hands forwarded client
 * events to the page. Malformed messages are ignored with one log line; an engine of another
 * protocol version (a worker script of another release) fails every request with a
 * `ConfigurationError` naming `sharedWorker`, and is reported once through `onRejected`.
 */
import { ConfigurationError } from '../errors';
import type { Logger } from '../logger';
import type { ChannelPort } from './direct-channel';
import { decodeError, decodeValue, mismatchReason, PROTOCOL_VERSION, readEngineMessage, type EngineCommand, type EngineMessage, type EngineSnapshot, type ForwardedClientEvent, type PageMessage } from './protocol';

/** What the proxy tells the page. */
export interface EngineProxyHooks {
  /** A forwarded client event, payload decoded; the snapshot is already up to date. */
  event(name: ForwardedClientEvent, payload: unknown): void;
  /** The engine refused this page (another protocol version): `error` says why. */
  rejected?(error: Error): void;
  /** Shared mode: a `call` message (a call this tab sees), a `media` request or the `stored` records (the calls this tab owns). */
  calls?(message: Extract<EngineMessage, { kind: 'call' | 'media' | 'stored' }>): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class EngineProxy {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private refusal: Error | null = null;
  /** The engine's state as of the last message that arrived. */
  snapshot: EngineSnapshot;

  constructor(
    private readonly port: ChannelPort,
    private readonly hooks: EngineProxyHooks,
    private readonly logger: Logger,
    initial: EngineSnapshot,
  ) {
    this.snapshot = initial;
    port.onmessage = ({ data }) => this.receive(data);
    this.post({ voxline: PROTOCOL_VERSION, kind: 'hello' });
  }

  /** Runs `command` in the engine; settles as its reply says. */
  request(command: EngineCommand): Promise<unknown> {
    if (this.refusal) return Promise.reject(this.refusal);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.post({ voxline: PROTOCOL_VERSION, kind: 'command', seq, command });
    });
  }

  /** Tells the engine this page is gone. */
  close(): void {
    this.post({ voxline: PROTOCOL_VERSION, kind: 'bye' });
  }

  /** Sends a message that needs no reply (shared mode: media replies and pushes). */
  post(message: PageMessage): void {
    this.port.postMessage(message);
  }

  private receive(data: unknown): void {
    const message = readEngineMessage(data, (line) => this.logger.warn(line));
    if (!message) return;
    if ('mismatch' in message) return this.refuse(mismatchReason(message.version));
    switch (message.kind) {
      case 'welcome':
        return;
      case 'call':
      case 'media':
      case 'stored':
        return this.hooks.calls?.(message);
      case 'rejected':
        return this.refuse(message.reason);
      case 'state':
        this.snapshot = message.state;
        return;
      case 'event':
        this.snapshot = message.state;
        this.hooks.event(message.name, decodeValue(message.payload));
        return;
      case 'reply': {
        this.snapshot = message.state;
        const pending = this.pending.get(message.seq);
        if (!pending) return this.logger.warn(`ignored a reply to no request (#${message.seq})`);
        this.pending.delete(message.seq);
        if (message.ok) pending.resolve(decodeValue(message.value));
        else pending.reject(decodeError(message.error));
      }
    }
  }

  /** Fails every request, now and later: with a `ConfigurationError` naming `sharedWorker` (another protocol version), or `kind`. */
  refuse(reason: string, kind?: new (message: string) => Error): void {
    if (this.refusal) return;
    this.refusal = kind ? new kind(reason) : new ConfigurationError('sharedWorker', reason);
    if (!kind) this.logger.error(this.refusal.message);
    for (const pending of this.pending.values()) pending.reject(this.refusal);
    this.pending.clear();
    this.hooks.rejected?.(this.refusal);
  }
}

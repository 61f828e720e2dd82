/**
 * The engine's end of the protocol for one page: reads the page's messages (protocol.ts), runs
 * its commands on the {@link Engine} and answers each with a reply, and forwards the engine's
 * events and state changes to the page. A malformed message is ignored with one log line; a
 * message of another protocol version is answered `rejected` (the page then says so clearly).
 */
import type { Logger } from '../logger';
import type { ChannelPort } from './direct-channel';
import type { Engine, EngineListener } from './engine';
import { encodeError, encodeValue, mismatchReason, PROTOCOL_VERSION, readPageMessage, type EngineMessage } from './protocol';

/** Serves `engine` to the page at the other end of `port`; returns the detach function. */
export function serveEngine(engine: Engine, port: ChannelPort, logger: Logger, extra: Partial<EngineListener> = {}): () => void {
  const post = (message: EngineMessage): void => port.postMessage(message);
  const stopListening = engine.listen({
    ...extra,
    event: (name, payload) => post({ voxline: PROTOCOL_VERSION, kind: 'event', name, payload: encodeValue(payload), state: engine.snapshot }),
    changed: () => post({ voxline: PROTOCOL_VERSION, kind: 'state', state: engine.snapshot }),
  });
  port.onmessage = ({ data }) => {
    const message = readPageMessage(data, (line) => logger.warn(line));
    if (!message) return;
    if ('mismatch' in message) {
      logger.error(mismatchReason(message.version));
      post({ voxline: PROTOCOL_VERSION, kind: 'rejected', reason: mismatchReason(message.version) });
      return;
    }
    switch (message.kind) {
      case 'hello':
        post({ voxline: PROTOCOL_VERSION, kind: 'welcome' });
        return;
      case 'bye':
        stopListening();
        return;
      case 'media-reply':
      case 'media-state':
        return; // calls' media crosses only in shared mode (worker-calls.ts)
      case 'command': {
        const { seq, command } = message;
        engine.run(command).then(
          (value) => post({ voxline: PROTOCOL_VERSION, kind: 'reply', seq, ok: true, value: encodeValue(value), state: engine.snapshot }),
          (err: unknown) => post({ voxline: PROTOCOL_VERSION, kind: 'reply', seq, ok: false, error: encodeError(err), state: engine.snapshot }),
        );
      }
    }
  };
  return stopListening;
}

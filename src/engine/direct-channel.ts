/**
 * The channel between the page side and the engine: a pair of message ports. In shared mode the
 * ports are a `SharedWorker`'s `MessagePort`s; in the default mode {@link directChannel} joins
 * the page to an engine in the same page. Both carry the same plain-data messages
 * (protocol.ts): the direct channel clones each one as `postMessage` would, so the in-page mode
 * exercises exactly what crosses to a worker.
 */

/** One end of a channel: what a `MessagePort` offers and Voxline uses. */
export interface ChannelPort {
  postMessage(data: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close?(): void;
}

/** A copy of `data` as `postMessage` would deliver it (plain data only). */
function cloned(data: unknown): unknown {
  return typeof structuredClone === 'function' ? structuredClone(data) : data;
}

/**
 * Two joined ports: what one posts, the other receives at once (synchronously, in order, as a
 * clone). A closed port drops what it would send or receive.
 */
export function directChannel(): [ChannelPort, ChannelPort] {
  let open = true;
  const make = (): ChannelPort => ({ postMessage: () => undefined, onmessage: null, close: () => (open = false) });
  const a = make();
  const b = make();
  const wire = (from: ChannelPort, to: ChannelPort): void => {
    from.postMessage = (data) => {
      if (open) to.onmessage?.({ data: cloned(data) });
    };
  };
  wire(a, b);
  wire(b, a);
  return [a, b];
}

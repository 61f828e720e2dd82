// @ts-check
/**
 * A loopback WebSocket proxy that plays a hostile server: the page connects to it, it relays
 * every frame both ways to the real SIP server (so the page registers for real), and a test can
 * push extra frames of its own towards the page at any time (`inject`). Frames the page sends
 * can be inspected on their way up and held back (`intercept`), so the page's answers to
 * injected requests never reach the real server.
 *
 * Unlike fault-proxy.mjs (raw TCP), this one terminates the WebSocket on both sides (package
 * `ws`, no compression), so injected frames are whole WebSocket messages, text or binary.
 * Binds 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { listenOnLoopback } from './free-port.mjs';

/**
 * @typedef {{ page: WebSocket, upstream: WebSocket, pending: Array<{ data: import('ws').RawData, binary: boolean }> }} Link
 * @typedef {(text: string) => boolean} Interceptor  returns true to hold the frame back
 */

/**
 * @param {{ target: string, intercept?: Interceptor }} opts  target: ws:// URL of the real server
 */
export async function startInjectProxy({ target, intercept }) {
  /** @type {Set<Link>} */
  const links = new Set();
  /** @type {string[]} every text frame the page sent, in order */
  const fromPage = [];
  let intercepted = 0;
  const http = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false) });

  wss.on('connection', (page) => {
    const upstream = new WebSocket(target, 'sip', { perMessageDeflate: false });
    /** @type {Link} */
    const link = { page, upstream, pending: [] };
    links.add(link);
    upstream.on('open', () => {
      for (const { data, binary } of link.pending) upstream.send(data, { binary });
      link.pending = [];
    });
    page.on('message', (data, binary) => {
      if (!binary) {
        const text = data.toString();
        fromPage.push(text);
        if (intercept?.(text)) {
          intercepted++;
          return;
        }
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      else link.pending.push({ data, binary });
    });
    upstream.on('message', (data, binary) => {
      if (page.readyState === WebSocket.OPEN) page.send(data, { binary });
    });
    const teardown = (/** @type {number} */ code) => {
      links.delete(link);
      const safe = code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000;
      for (const ws of [page, upstream]) if (ws.readyState === WebSocket.OPEN) ws.close(safe);
      for (const ws of [page, upstream]) if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    };
    page.on('close', teardown);
    upstream.on('close', teardown);
    page.on('error', () => undefined);
    upstream.on('error', () => teardown(1011));
  });

  const port = await listenOnLoopback(http, 0);

  /** The newest link whose both sides are open, or null. */
  function current() {
    const open = [...links].filter((l) => l.page.readyState === WebSocket.OPEN && l.upstream.readyState === WebSocket.OPEN);
    return open[open.length - 1] ?? null;
  }

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    /** Text frames the page sent so far (relayed or intercepted). */
    fromPage,
    /** How many page frames the interceptor held back. */
    get intercepted() {
      return intercepted;
    },
    /** Number of links currently carried. */
    get connections() {
      return links.size;
    },
    /**
     * Sends one frame to the page on the newest open link, as if the server had sent it.
     * Strings go as text frames, Buffers as binary frames. Resolves when written.
     * @param {string | Buffer} frame
     * @returns {Promise<void>}
     */
    inject(frame) {
      const link = current();
      if (!link) return Promise.reject(new Error('inject: no open link to the page'));
      return new Promise((resolve, reject) => link.page.send(frame, { binary: typeof frame !== 'string' }, (err) => (err ? reject(err) : resolve())));
    },
    /** Resolves when a link is open both ways (the page has connected through the proxy). */
    async ready(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!current()) {
        if (Date.now() > until) throw new Error('inject proxy: no link opened in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop() {
      return new Promise((resolve) => {
        for (const l of links) {
          l.page.terminate();
          l.upstream.terminate();
        }
        links.clear();
        wss.close();
        http.close(() => resolve(undefined));
      });
    },
  };
}

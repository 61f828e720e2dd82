// @ts-check
/**
 * A loopback TCP proxy that breaks the network on purpose, between a browser and a SIP server.
 * Modes for the connections it carries:
 *   - `close(code)`: close every connection the way a server does: a WebSocket close frame
 *                    with `code` (default 1000), then a TCP FIN.
 *   - `reset()`:     destroy every connection with a TCP RST (a crashed middlebox).
 *   - `blackhole()`: keep every connection open but silently drop all bytes both ways
 *                    (a dead NAT or Wi-Fi: nothing closes, nothing arrives).
 *   - `refuse(true)`: refuse new connections (accept, then reset at once) until `refuse(false)`.
 * Binds 127.0.0.1 only.
 */
import net from 'node:net';
import { listenOnLoopback } from './free-port.mjs';

/**
 * @param {{ targetPort: number, targetHost?: string, port?: number }} opts
 */
export async function startFaultProxy({ targetPort, targetHost = '127.0.0.1', port = 0 }) {
  /** @type {Set<{ client: net.Socket, upstream: net.Socket, dropping: boolean }>} */
  const links = new Set();
  let refusing = false;
  let blackholeNew = false;
  let accepted = 0;

  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const link = { client, upstream, dropping: blackholeNew };
    links.add(link);
    client.on('data', (chunk) => {
      if (!link.dropping) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!link.dropping) client.write(chunk);
    });
    const teardown = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', teardown);
    upstream.on('close', () => {
      if (!link.dropping) teardown();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  const actualPort = await listenOnLoopback(server, port);

  return {
    port: actualPort,
    url: `ws://127.0.0.1:${actualPort}`,
    /** Number of connections currently carried. */
    get connections() {
      return links.size;
    },
    /** Number of connections carried so far (refused ones aside). */
    get accepted() {
      return accepted;
    },
    /** @param {number} [code] */
    close(code = 1000) {
      for (const l of links) {
        l.dropping = true;
        // An unmasked server-to-client close frame carrying `code`.
        l.client.end(Buffer.from([0x88, 0x02, code >> 8, code & 0xff]));
        l.upstream.end();
      }
    },
    reset() {
      for (const l of links) {
        l.client.resetAndDestroy();
        l.upstream.destroy();
      }
      links.clear();
    },
    /** Silently drop everything on current connections (and on new ones while `all` is true). */
    blackhole(all = false) {
      for (const l of links) l.dropping = true;
      blackholeNew = all;
    },
    /** Stop dropping on new connections. */
    heal() {
      blackholeNew = false;
    },
    /** @param {boolean} on */
    refuse(on) {
      refusing = on;
    },
    stop() {
      return new Promise((resolve) => {
        for (const l of links) {
          l.client.destroy();
          l.upstream.destroy();
        }
        links.clear();
        server.close(() => resolve(undefined));
      });
    },
  };
}

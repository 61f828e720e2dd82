// @ts-check
/**
 * Find a free TCP port on 127.0.0.1 by letting the OS pick one.
 *
 * The port is released again before this resolves, so another process could
 * in theory grab it in between; on a test machine that window is harmless.
 */
import net from 'node:net';

/**
 * @returns {Promise<number>} a TCP port that was free on 127.0.0.1 a moment ago
 */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: could not read the bound port'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * Whether nothing listens on 127.0.0.1:port (a bind attempt succeeds).
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export async function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Starts `server` listening on 127.0.0.1 (port 0 = any free port) and resolves with the port.
 * @param {import('node:net').Server} server
 * @param {number} port
 * @returns {Promise<number>}
 */
export async function listenOnLoopback(server, port) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

// @ts-check
/**
 * A minimal raw SIP client for checking what the server sees, independently of the SDK:
 * sends one request over its own WebSocket and returns the final response status.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

const token = () => randomBytes(6).toString('hex');

/**
 * Sends `OPTIONS sip:user@domain` through the server. A registered browser answers 200;
 * an unknown or unregistered user gets 404 from the server.
 * @param {string} url WebSocket URL of the server
 * @param {string} domain SIP domain
 * @param {string} user target user
 * @param {number} [timeoutMs]
 * @returns {Promise<number>} final status code
 */
export function probeUser(url, domain, user, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'sip');
    const callId = token();
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no final answer to OPTIONS ${user} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('open', () => {
      const host = `${token()}.invalid`;
      ws.send(
        [
          `OPTIONS sip:${user}@${domain} SIP/2.0`,
          `Via: SIP/2.0/WS ${host};branch=z9hG4bK${token()}`,
          'Max-Forwards: 70',
          `To: <sip:${user}@${domain}>`,
          `From: <sip:probe@${domain}>;tag=${token()}`,
          `Call-ID: ${callId}`,
          'CSeq: 1 OPTIONS',
          `Contact: <sip:probe@${host};transport=ws>`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    });
    ws.on('message', (data) => {
      const text = data.toString();
      const m = /^SIP\/2\.0 (\d{3})/.exec(text);
      if (!m || !text.includes(callId)) return;
      const status = Number(m[1]);
      if (status < 200) return;
      clearTimeout(timer);
      ws.close();
      resolve(status);
    });
  });
}

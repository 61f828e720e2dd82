// @ts-check
/**
 * A baresip desk phone for the gateway topology: one process per account, configured from
 * e2e/gateway/baresip/{config,accounts}, driven and watched through its ctrl_tcp socket
 * (netstrings of JSON), recording what it hears into WAV files.
 *
 *   const phone = await startBaresip({ kind: 'opus', user: 'desk', ... });
 *   await phone.command('dial', 'sip:alice@voxline.test');
 *   await phone.waitEvent((e) => e.type === 'CALL_ESTABLISHED');
 *   phone.recordings(); // [{ file, heard: true|false, ... }]
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';
import { startProcess } from './managed-process.mjs';

const CONFIG_TEMPLATE = fileURLToPath(new URL('../gateway/baresip/config', import.meta.url));
const ACCOUNTS_TEMPLATE = fileURLToPath(new URL('../gateway/baresip/accounts', import.meta.url));

/**
 * @typedef {object} BaresipOptions
 * @property {'opus' | 'pcmu'} kind which account line of e2e/gateway/baresip/accounts
 * @property {string} user
 * @property {string} password
 * @property {string} registrar host:port of Kamailio's UDP listener
 * @property {string} address SIP and RTP address (a namespace veth address, not loopback)
 * @property {string} netInterface the interface holding `address`
 * @property {number} sipPort
 * @property {[number, number]} rtpPorts
 * @property {string} toneFile WAV played as the microphone
 * @property {string} runDir
 */

/**
 * @typedef {{ event?: boolean, response?: boolean, type?: string, class?: string, param?: string,
 *   peeruri?: string, direction?: string, id?: string, ok?: boolean, data?: string, token?: string, at: number }} BaresipMessage
 */

/**
 * Fills `${NAME}` placeholders; an unknown name is an error (a typo must not reach baresip).
 * @param {string} text
 * @param {Record<string, string | number>} values
 */
export function fillTemplate(text, values) {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`template value missing: ${name}`);
    return String(values[name]);
  });
}

/** @param {'opus' | 'pcmu'} kind */
function accountLine(kind) {
  const lines = fs.readFileSync(ACCOUNTS_TEMPLATE, 'utf8').split('\n');
  const line = lines.find((l) => l.startsWith(`${kind}\t`));
  if (!line) throw new Error(`no "${kind}" account in ${ACCOUNTS_TEMPLATE}`);
  return line.slice(kind.length + 1);
}

/** @param {BaresipOptions} opts */
export async function startBaresip(opts) {
  const dir = path.join(opts.runDir, `baresip-${opts.user}`);
  const recordDir = path.join(dir, 'recordings');
  fs.mkdirSync(recordDir, { recursive: true });
  const ctrlPort = await freePort();
  const values = {
    SIP_ADDRESS: opts.address,
    SIP_PORT: opts.sipPort,
    NET_INTERFACE: opts.netInterface,
    TONE_FILE: opts.toneFile,
    RECORD_DIR: recordDir,
    CTRL_PORT: ctrlPort,
    RTP_PORT_MIN: opts.rtpPorts[0],
    RTP_PORT_MAX: opts.rtpPorts[1],
    USER: opts.user,
    PASSWORD: opts.password,
    REGISTRAR: opts.registrar,
  };
  fs.writeFileSync(path.join(dir, 'config'), fillTemplate(fs.readFileSync(CONFIG_TEMPLATE, 'utf8'), values));
  fs.writeFileSync(path.join(dir, 'accounts'), `${fillTemplate(accountLine(opts.kind), values)}\n`);
  fs.writeFileSync(path.join(dir, 'contacts'), '');

  const proc = await startProcess({
    name: `baresip-${opts.user}`,
    bin: 'baresip',
    args: ['-f', dir],
    cwd: dir,
    logFile: path.join(dir, 'baresip.log'),
    // registered: "<sip:user@voxline.test>: {0/UDP/v4} 200 OK () [1 binding]"
    ready: { line: /200 OK.*binding/, timeoutMs: 10_000 },
  });

  /** @type {BaresipMessage[]} */
  const messages = [];
  /** @type {Set<() => void>} */
  const listeners = new Set();
  const socket = await new Promise((resolve, reject) => {
    const s = net.connect(ctrlPort, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => undefined);
  let pending = Buffer.alloc(0);
  socket.on('data', (/** @type {Buffer} */ chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const colon = pending.indexOf(0x3a); // netstring: LENGTH ":" DATA ","
      if (colon < 0) break;
      const length = Number(pending.subarray(0, colon).toString('ascii'));
      if (pending.length < colon + 1 + length + 1) break;
      const body = pending.subarray(colon + 1, colon + 1 + length).toString('utf8');
      pending = pending.subarray(colon + 1 + length + 1);
      try {
        messages.push({ ...JSON.parse(body), at: Date.now() });
      } catch {
        messages.push({ type: 'UNPARSABLE', data: body, at: Date.now() });
      }
      for (const l of listeners) l();
    }
  });

  let token = 0;
  /**
   * @param {(m: BaresipMessage) => boolean} pred
   * @param {number} [timeoutMs]
   * @param {number} [since] only messages received at or after this index
   * @returns {Promise<BaresipMessage>}
   */
  const waitMessage = (pred, timeoutMs = 10_000, since = 0) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.slice(since).find(pred);
        if (!found) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`baresip-${opts.user}: no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(since).map((m) => m.type ?? m.data))} (log: ${proc.logFile})`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });

  /**
   * Runs a ctrl_tcp command ("dial", "hangup", "accept", ...) and resolves with its response.
   * @param {string} command
   * @param {string} [params]
   */
  const command = async (command, params) => {
    const t = String(++token);
    const body = Buffer.from(JSON.stringify({ command, ...(params === undefined ? {} : { params }), token: t }), 'utf8');
    socket.write(Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]));
    return waitMessage((m) => m.response === true && m.token === t, 5000);
  };

  return {
    ...proc,
    user: opts.user,
    kind: opts.kind,
    aor: `sip:${opts.user}@voxline.test`,
    recordDir,
    messages,
    command,
    /** Events (not command responses) received so far. */
    events: () => messages.filter((m) => m.event === true),
    /**
     * @param {(m: BaresipMessage) => boolean} pred
     * @param {{ timeoutMs?: number, since?: number }} [o]
     */
    waitEvent: (pred, o = {}) => waitMessage((m) => m.event === true && pred(m), o.timeoutMs, o.since),
    /** Index to pass as `since` to wait only for what happens from now on. */
    mark: () => messages.length,
    /**
     * The WAV file of what the phone received ("-dec") in a call that started at or after
     * `since` (ms since the epoch), or null. sndfile names files by the second a call starts.
     * @param {number} since
     */
    recordingSince: (since) => {
      const files = fs
        .readdirSync(recordDir)
        .filter((f) => f.endsWith('-dec.wav'))
        .map((f) => ({ file: path.join(recordDir, f), at: fs.statSync(path.join(recordDir, f)).birthtimeMs || fs.statSync(path.join(recordDir, f)).ctimeMs }))
        .filter((f) => f.at >= since - 1000)
        .sort((a, b) => a.at - b.at);
      return files.at(-1)?.file ?? null;
    },
    /**
     * The phone's current audio bitrates in bit/s, from the call status line its menu module
     * keeps printing during a call (" audio=TX/RX (bit/s)"), or null when no call is up.
     * baresip 1.0's sndfile stops recording after a re-INVITE, so this is how a test sees
     * what the phone receives after hold/unhold.
     */
    bitrates: () => {
      const last = [...proc.logs(3).matchAll(/audio=(\d+)\/(\d+) \(bit\/s\)/g)].at(-1);
      return last ? { tx: Number(last[1]), rx: Number(last[2]) } : null;
    },
    /**
     * The DTMF digits the phone reported (RFC 4733 or SIP INFO), in order.
     * @param {number} [since] a `mark()`
     */
    dtmfDigits: (since = 0) => messages.slice(since).filter((m) => m.event === true && m.type === 'CALL_DTMF_START').map((m) => m.param ?? '?'),
    /** Ends every call and closes the control connection, then stops baresip. */
    stop: async () => {
      socket.destroy();
      await proc.stop();
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startBaresip>>} Baresip */

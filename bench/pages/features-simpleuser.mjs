// @ts-check
// Feature adapter for sip.js 0.21's own high-level helper, `Web.SimpleUser` (ESM from node_modules
// via the import map), used the way its docs show: connect() + register(), call() / answer() /
// hangup(), message(), with its delegate for the outcomes. Options as close to the raw sip.js
// adapter as SimpleUser lets them be: `peerConnectionConfiguration: { iceServers: [] }`,
// `traceSip: false`, log level error; the remote audio plays in an <audio> element (`media.remote`),
// as in a SimpleUser app. Everything else is SimpleUser's default (its session description handler
// waits for ICE gathering to complete, or 5 s).
//
// SimpleUser.message() resolves once the MESSAGE is *sent*: SimpleUser reports no delivery result
// (no callback for the final response, a 408 is silently dropped). So "→ 2xx" is taken when the
// final response to that MESSAGE reaches this page's WebSocket (matched by Call-ID, the MESSAGE
// found by its body), which leaves out sip.js's own parsing of the 2xx (≈ 2 ms for raw sip.js).
import { Web } from 'sip.js';

const w = /** @type {any} */ (window);
/** @typedef {{ resolve: (v?: unknown) => void, reject: (e: Error) => void, challenges: number, callId: string }} Waiter */

// --- final responses to MESSAGEs, seen on the WebSocket (SimpleUser does not report them) -------
/** @type {Map<string, Waiter[]>} body → waiters in send order, until the MESSAGE is on the wire */
const byBody = new Map();
/** @type {Map<string, Waiter>} Call-ID → waiter */
const byCallId = new Map();
const callIdOf = (/** @type {string} */ msg) => /\r\n(?:Call-ID|i)\s*:\s*([^\r\n]+)/i.exec(msg)?.[1]?.trim() ?? '';
const isMessageTx = (/** @type {string} */ msg) => /\r\n(?:CSeq)\s*:\s*\d+\s+MESSAGE\r\n/i.test(msg);
const PageWebSocket = window.WebSocket; // probe.js's wrapper, itself around the native one
w.WebSocket = class extends PageWebSocket {
  /** @param {any[]} args */
  constructor(...args) {
    super(.../** @type {[string]} */ (args));
    this.addEventListener('message', (e) => {
      const data = e.data;
      if (typeof data !== 'string' || !data.startsWith('SIP/2.0 ') || !isMessageTx(data)) return;
      const id = callIdOf(data);
      const waiter = byCallId.get(id);
      const status = Number(data.slice(8, 11));
      if (!waiter || status < 200) return;
      if ((status === 401 || status === 407) && waiter.challenges++ === 0) return; // sip.js answers the challenge
      byCallId.delete(id);
      if (status < 300) waiter.resolve();
      else waiter.reject(new Error(`MESSAGE rejected: ${status}`));
    });
  }
  /** @param {any} data */
  send(data) {
    if (typeof data === 'string' && data.startsWith('MESSAGE ')) {
      const id = callIdOf(data);
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      const queue = byBody.get(body);
      const waiter = byCallId.has(id) ? undefined : queue?.shift();
      if (queue && queue.length === 0) byBody.delete(body);
      if (waiter) {
        waiter.callId = id;
        byCallId.set(id, waiter);
      }
    }
    super.send(data);
  }
};

/** @type {any} SimpleUser */
let user = null;
let domain = '';
let active = 0;
let received = 0;
/** Outcomes of the page's one SimpleUser (it handles one call at a time). */
const hooks = {
  /** @type {(() => void) | null} */ registered: null,
  /** @type {(() => void) | null} */ unregistered: null,
  /** @type {{ answer: () => void, fail: (e: Error) => void, end: () => void } | null} */ outgoing: null,
  incoming: false,
};
/** @type {HTMLAudioElement | null} */
let remoteAudio = null;
const aor = (/** @type {string} */ name) => `sip:${name}@${domain}`;

w.featureAdapter = {
  library: 'simpleuser',
  /** @param {{ url: string, domain: string, user: string, password: string }} o */
  prepare(o) {
    domain = o.domain;
    remoteAudio ??= document.body.appendChild(document.createElement('audio'));
    user = new Web.SimpleUser(o.url, {
      aor: aor(o.user),
      media: { constraints: { audio: true, video: false }, remote: { audio: remoteAudio } },
      userAgentOptions: {
        authorizationUsername: o.user,
        authorizationPassword: o.password,
        logConfiguration: false,
        logLevel: 'error',
        transportOptions: { server: o.url, traceSip: false },
        sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
      },
      delegate: {
        onRegistered: () => hooks.registered?.(),
        onUnregistered: () => hooks.unregistered?.(),
        onCallReceived() {
          active++;
          hooks.incoming = true;
          user.answer().catch(() => undefined);
        },
        onCallAnswered: () => hooks.outgoing?.answer(),
        onCallHangup() {
          if (hooks.incoming) {
            hooks.incoming = false;
            active--;
            return;
          }
          const out = hooks.outgoing;
          hooks.outgoing = null;
          out?.fail(new Error('call ended before it was answered'));
          out?.end();
        },
        onMessageReceived: () => received++,
      },
    });
  },
  /** connect() + register() until the delegate's onRegistered (register() resolves when the REGISTER is sent). */
  async register() {
    const registered = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SimpleUser: not registered within 10 s')), 10_000);
      hooks.registered = () => {
        clearTimeout(timer);
        hooks.registered = null;
        resolve(undefined);
      };
    });
    await user.connect();
    await user.register();
    await registered;
  },
  /** unregister() until onUnregistered (or 3 s), then disconnect(). */
  async unregister() {
    const u = user;
    user = null;
    await new Promise((resolve) => {
      hooks.unregistered = () => resolve(undefined);
      u.unregister().catch(resolve);
      setTimeout(resolve, 3000);
    });
    hooks.unregistered = null;
    await u.disconnect();
  },
  /** @param {string} target */
  async call(target) {
    /** @type {(v?: unknown) => void} */
    let answer = () => undefined;
    /** @type {(e: Error) => void} */
    let fail = () => undefined;
    /** @type {(v?: unknown) => void} */
    let end = () => undefined;
    let over = false;
    const answered = new Promise((resolve, reject) => ((answer = resolve), (fail = reject)));
    answered.catch(() => undefined); // awaited by probe.js; no unhandled rejection if call() itself throws
    const ended = new Promise((resolve) => (end = resolve)).then(() => void (over = true));
    hooks.outgoing = { answer: () => answer(), fail, end: () => end() };
    await user.call(aor(target));
    return {
      answered,
      ended,
      hangup: () => (over ? Promise.resolve() : user.hangup()),
    };
  },
  active: () => active,
  /** @param {string} target @param {string} body */
  send(target, body) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.reject(new Error('MESSAGE: no final response within 32 s')), 32_000);
      const forget = () => {
        clearTimeout(timer);
        if (waiter.callId) byCallId.delete(waiter.callId);
        const queue = byBody.get(body)?.filter((x) => x !== waiter);
        if (queue?.length) byBody.set(body, queue);
        else byBody.delete(body);
      };
      /** @type {Waiter} */
      const waiter = {
        resolve: (v) => (forget(), resolve(v)),
        reject: (e) => (forget(), reject(e)),
        challenges: 0,
        callId: '',
      };
      const queue = byBody.get(body);
      if (queue) queue.push(waiter);
      else byBody.set(body, [waiter]);
      user.message(aor(target), body).catch(waiter.reject);
    });
  },
  received: () => received,
};

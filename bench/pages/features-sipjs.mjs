// @ts-check
// Feature adapter for raw sip.js 0.21 (ESM from node_modules via the import map): UserAgent +
// Registerer, Inviter / Invitation with sip.js's default session description handler (iceServers [],
// everything else default: it waits for ICE gathering to complete, or 5 s), Messager.
import { Inviter, Messager, Registerer, RegistererState, SessionState, UserAgent } from 'sip.js';

const w = /** @type {any} */ (window);
/** @type {UserAgent | null} */
let ua = null;
/** @type {Registerer | null} */
let registerer = null;
let domain = '';
let active = 0;
let received = 0;
const sdh = { sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } };
/** @param {string} user */
const uriOf = (user) => /** @type {import('sip.js').URI} */ (UserAgent.makeURI(`sip:${user}@${domain}`));

w.featureAdapter = {
  library: 'sipjs',
  /** @param {{ url: string, domain: string, user: string, password: string }} o */
  prepare(o) {
    domain = o.domain;
    ua = new UserAgent({
      uri: uriOf(o.user),
      transportOptions: { server: o.url, traceSip: false },
      authorizationUsername: o.user,
      authorizationPassword: o.password,
      logLevel: 'error',
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
      delegate: {
        onInvite(invitation) {
          active++;
          invitation.stateChange.addListener((s) => s === SessionState.Terminated && active--);
          invitation.accept(sdh).catch(() => undefined);
        },
        onMessage(message) {
          received++;
          message.accept().catch(() => undefined);
        },
      },
    });
    registerer = new Registerer(ua);
  },
  /** UserAgent.start() + Registerer.register() until the registerer is Registered. */
  async register() {
    const r = /** @type {Registerer} */ (registerer);
    await /** @type {UserAgent} */ (ua).start();
    await new Promise((resolve, reject) => {
      const onState = (/** @type {RegistererState} */ s) => {
        if (s !== RegistererState.Registered) return;
        r.stateChange.removeListener(onState);
        resolve(undefined);
      };
      r.stateChange.addListener(onState);
      r.register({ requestDelegate: { onReject: (res) => reject(new Error(`REGISTER rejected: ${res.message.statusCode}`)) } }).catch(reject);
    });
  },
  async unregister() {
    const u = /** @type {UserAgent} */ (ua);
    const r = /** @type {Registerer} */ (registerer);
    ua = null;
    registerer = null;
    await new Promise((resolve) => {
      r.unregister({ requestDelegate: { onAccept: resolve, onReject: resolve } }).catch(resolve);
      setTimeout(resolve, 3000);
    });
    await u.stop();
  },
  /** @param {string} target */
  async call(target) {
    const inviter = new Inviter(/** @type {UserAgent} */ (ua), uriOf(target), sdh);
    /** @type {(v?: unknown) => void} */
    let answer = () => undefined;
    /** @type {(e: Error) => void} */
    let fail = () => undefined;
    /** @type {(v?: unknown) => void} */
    let end = () => undefined;
    const answered = new Promise((resolve, reject) => ((answer = resolve), (fail = reject)));
    const ended = new Promise((resolve) => (end = resolve));
    inviter.stateChange.addListener((s) => {
      if (s === SessionState.Established) answer();
      if (s === SessionState.Terminated) {
        fail(new Error('call terminated before it was answered'));
        end();
      }
    });
    await inviter.invite();
    return {
      answered,
      ended,
      async hangup() {
        if (inviter.state === SessionState.Established) await inviter.bye();
        else if (inviter.state !== SessionState.Terminated) await inviter.cancel();
      },
    };
  },
  active: () => active,
  /** @param {string} target @param {string} body */
  send(target, body) {
    return new Promise((resolve, reject) => {
      new Messager(/** @type {UserAgent} */ (ua), uriOf(target), body)
        .message({
          requestDelegate: {
            onAccept: () => resolve(undefined),
            onReject: (res) => reject(new Error(`MESSAGE rejected: ${res.message.statusCode}`)),
          },
        })
        .catch(reject);
    });
  },
  received: () => received,
};

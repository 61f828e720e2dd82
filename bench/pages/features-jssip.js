// @ts-check
// Feature adapter for JsSIP 3.13 (bundle built by bench/lib/jssip-bundle.mjs, global `JsSIP`):
// `JsSIP.UA` + `WebSocketInterface`, `ua.call()` / `session.answer()` with pcConfig iceServers [],
// `ua.sendMessage()`. Incoming MESSAGEs get JsSIP's automatic 200.
(function () {
  const w = /** @type {any} */ (window);
  /** @type {any} */
  let ua = null;
  let domain = '';
  let active = 0;
  let received = 0;
  const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };
  w.featureAdapter = {
    library: 'jssip',
    /** @param {{ url: string, domain: string, user: string, password: string }} o */
    prepare(o) {
      domain = o.domain;
      ua = new w.JsSIP.UA({
        sockets: [new w.JsSIP.WebSocketInterface(o.url)],
        uri: `sip:${o.user}@${o.domain}`,
        password: o.password,
        register: true,
        session_timers: false,
      });
      ua.on('newRTCSession', (/** @type {any} */ e) => {
        if (e.originator !== 'remote') return;
        active++;
        let done = false;
        const end = () => done || ((done = true), active--);
        e.session.on('ended', end);
        e.session.on('failed', end);
        e.session.answer(media);
      });
      ua.on('newMessage', (/** @type {any} */ e) => e.originator === 'remote' && received++);
    },
    register() {
      return new Promise((resolve, reject) => {
        ua.once('registered', resolve);
        ua.once('registrationFailed', (/** @type {any} */ e) => reject(new Error(`registration failed: ${e.cause}`)));
        ua.start();
      });
    },
    async unregister() {
      const u = ua;
      ua = null;
      await new Promise((resolve) => {
        u.once('unregistered', resolve);
        u.once('registrationFailed', resolve);
        u.unregister();
        setTimeout(resolve, 3000);
      });
      u.stop();
      // ua.stop() keeps the socket until Timer K; close it so nothing lingers (hygiene, not measured).
      setTimeout(() => u._transport && u._transport.disconnect(), 200);
    },
    /** @param {string} target */
    async call(target) {
      const session = ua.call(`sip:${target}@${domain}`, media);
      const ended = new Promise((resolve) => {
        session.once('ended', resolve);
        session.once('failed', resolve);
      });
      return {
        answered: new Promise((resolve, reject) => {
          session.once('accepted', resolve);
          session.once('failed', (/** @type {any} */ e) => reject(new Error(`call failed: ${e.cause}`)));
        }),
        ended,
        hangup: async () => session.isEnded() || session.terminate(),
      };
    },
    active: () => active,
    /** @param {string} target @param {string} body */
    send(target, body) {
      return new Promise((resolve, reject) => {
        ua.sendMessage(`sip:${target}@${domain}`, body, {
          eventHandlers: {
            succeeded: () => resolve(undefined),
            failed: (/** @type {any} */ e) => reject(new Error(`MESSAGE failed: ${e.cause} ${e.response ? e.response.status_code : ''}`)),
          },
        });
      });
    },
    received: () => received,
  };
})();

// @ts-check
// Feature adapter for Voxline (script-tag build, global `Voxline`), default options. One client per
// page; the callee side answers every incoming call at once; incoming MESSAGEs are accepted by the SDK.
(function () {
  const w = /** @type {any} */ (window);
  /** @type {any} */
  let client = null;
  let credentials = { user: '', password: '' };
  let active = 0;
  let received = 0;
  w.featureAdapter = {
    library: 'voxline',
    /** @param {{ url: string, domain: string, user: string, password: string }} o */
    prepare(o) {
      client = new w.Voxline.Client({ servers: [o.url], domain: o.domain, logLevel: 'error' });
      credentials = { user: o.user, password: o.password };
      client.on('incomingcall', (/** @type {any} */ call) => {
        active++;
        call.once('ended', () => active--);
        call.answer().catch(() => undefined);
      });
      client.on('message', () => received++);
    },
    register: () => client.login(credentials.user, credentials.password),
    async unregister() {
      const c = client;
      client = null;
      await c.logout();
      c.destroy();
    },
    /** @param {string} target */
    async call(target) {
      const call = await client.call(target);
      return {
        answered: new Promise((resolve, reject) => {
          if (call.state === 'answered') return resolve(undefined);
          call.once('answered', resolve);
          call.once('ended', (/** @type {any} */ e) => reject(new Error(`call ended: ${e.reason} ${e.status ?? ''}`)));
        }),
        ended: new Promise((resolve) => (call.state === 'ended' ? resolve(undefined) : call.once('ended', resolve))),
        hangup: () => call.hangup(),
      };
    },
    active: () => active,
    /** @param {string} target @param {string} body */
    send: (target, body) => client.sendMessage(target, body),
    received: () => received,
  };
})();

// @ts-check
// Connection-module adapter for sip.js 0.21's `Web.SimpleUser`: it reconnects and re-registers
// by itself (its SessionManager: on a transport loss with an error it retries at once, then every
// `reconnectionDelay` s, up to `reconnectionAttempts`; on reconnect it registers again). Given the
// same fastest settings as the raw sip.js peer (1000 attempts, 1 s; its defaults are 3 and 4 s).
// disconnect = delegate onServerDisconnect (it carries no error: SimpleUser drops it); recovery =
// onRegistered after the link came back (onServerConnect).
// No keep-alive: SimpleUser does not expose the SessionManager's OPTIONS ping.
import { Web } from 'sip.js';

export const SIMPLEUSER_SETTINGS = Object.freeze({ reconnectionAttempts: 1000, reconnectionDelay: 1 });

/** @type {any} */ (window).benchAdapter = {
  library: 'simpleuser',
  version: () => '0.21',
  /**
   * @param {string} id
   * @param {{ url: string, domain: string, user: string, password: string }} o
   * @param {(type: string, detail?: unknown) => void} emit
   */
  async create(id, o, emit) {
    let down = false;
    let linkUp = false;
    let closing = false;
    /** @type {(() => void) | null} */
    let firstRegistration = null;
    const user = new Web.SimpleUser(o.url, {
      aor: `sip:${o.user}@${o.domain}`,
      ...SIMPLEUSER_SETTINGS,
      userAgentOptions: {
        authorizationUsername: o.user,
        authorizationPassword: o.password,
        logConfiguration: false,
        logLevel: 'error',
        transportOptions: { server: o.url, traceSip: false },
      },
      delegate: {
        // SimpleUser passes no error here (its wrapper drops the SessionManager's), so a loss is
        // any disconnect the page did not ask for.
        onServerDisconnect() {
          emit('disconnected', {});
          if (closing) return;
          down = true;
          linkUp = false;
        },
        onServerConnect() {
          if (!down) return;
          linkUp = true;
          emit('link-up');
        },
        onRegistered() {
          if (firstRegistration) return firstRegistration();
          if (down && linkUp) {
            down = false;
            emit('recovered');
          } else emit('raw:registered');
        },
        onUnregistered: () => emit('raw:unregistered'),
      },
    });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SimpleUser: not registered within 10 s')), 10_000);
      firstRegistration = () => {
        clearTimeout(timer);
        firstRegistration = null;
        resolve(undefined);
      };
      user.connect().then(() => user.register()).catch(reject);
    });
    return {
      destroy() {
        closing = true;
        return user.disconnect();
      },
    };
  },
};

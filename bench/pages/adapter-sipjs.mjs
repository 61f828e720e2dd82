// @ts-check
// Raw sip.js 0.21 adapter: UserAgent + Registerer with sip.js's own WebSocket transport.
// sip.js neither reconnects nor re-registers by default; this uses its fastest settings
// (reconnectionAttempts high, reconnectionDelay 1 s: the first attempt is immediate, then one per
// second) and re-registers from the `onConnect` delegate, as its docs suggest.
import { UserAgent, Registerer } from 'sip.js';

export const SIPJS_SETTINGS = Object.freeze({ reconnectionAttempts: 1000, reconnectionDelay: 1 });

/** @type {any} */ (window).benchAdapter = {
  library: 'sipjs',
  version: () => '0.21',
  /**
   * @param {string} id
   * @param {{ url: string, domain: string, user: string, password: string }} o
   * @param {(type: string, detail?: unknown) => void} emit
   */
  async create(id, o, emit) {
    let down = false;
    /** @type {Registerer | null} */
    let registerer = null;
    const reRegister = () => {
      if (!registerer) return;
      registerer
        .register({
          requestDelegate: {
            onAccept: () => {
              if (!down) return;
              down = false;
              emit('recovered');
            },
            onReject: (r) => emit('raw:register-rejected', { status: r.message.statusCode }),
          },
        })
        .catch((err) => emit('raw:register-error', { message: err.message }));
    };
    const ua = new UserAgent({
      uri: UserAgent.makeURI(`sip:${o.user}@${o.domain}`),
      transportOptions: { server: o.url, traceSip: false },
      authorizationUsername: o.user,
      authorizationPassword: o.password,
      logLevel: 'error',
      ...SIPJS_SETTINGS,
      delegate: {
        /** @param {Error | undefined} error */
        onDisconnect(error) {
          emit('disconnected', { error: error ? error.message : undefined });
          if (error) down = true;
        },
        onConnect() {
          if (!down || !registerer) return;
          emit('link-up');
          reRegister();
        },
      },
    });
    ua.transport.stateChange.addListener((s) => emit(`raw:transport:${s}`));
    registerer = new Registerer(ua);
    registerer.stateChange.addListener((s) => emit(`raw:registerer:${s}`));
    await ua.start();
    const first = registerer;
    await new Promise((resolve, reject) => {
      first
        .register({
          requestDelegate: {
            onAccept: () => resolve(undefined),
            onReject: (r) => reject(new Error(`REGISTER rejected: ${r.message.statusCode}`)),
          },
        })
        .catch(reject);
    });
    return { destroy: () => ua.stop() };
  },
};

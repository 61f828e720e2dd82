// JsSIP adapter (browser bundle built from node_modules/jssip by bench/lib/jssip-bundle.mjs,
// global `JsSIP`). JsSIP reconnects and re-registers on its own; it is given its fastest
// recovery interval (connection_recovery_min_interval = max_interval = 1 s).
window.JSSIP_SETTINGS = Object.freeze({ connection_recovery_min_interval: 1, connection_recovery_max_interval: 1 });

window.benchAdapter = {
  library: 'jssip',
  version: () => window.JsSIP.version,
  async create(id, o, emit) {
    const JsSIP = window.JsSIP;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(o.url)],
      uri: `sip:${o.user}@${o.domain}`,
      password: o.password,
      register: true,
      session_timers: false,
      ...window.JSSIP_SETTINGS,
    });
    let down = false;
    let linkUp = false;
    ua.on('disconnected', (e) => {
      emit('disconnected', { code: e.code, error: e.error });
      down = true;
      linkUp = false;
    });
    ua.on('connected', () => {
      if (!down) return emit('raw:connected');
      linkUp = true;
      emit('link-up');
    });
    ua.on('registered', () => {
      if (down && linkUp) {
        down = false;
        emit('recovered');
      } else emit('raw:registered');
    });
    ua.on('unregistered', () => emit('raw:unregistered'));
    ua.on('registrationFailed', (e) => emit('raw:registrationFailed', { cause: e.cause }));
    await new Promise((resolve, reject) => {
      ua.once('registered', resolve);
      ua.once('registrationFailed', (e) => reject(new Error(`registration failed: ${e.cause}`)));
      ua.start();
    });
    return {
      destroy() {
        // ua.stop() sends the un-REGISTER but keeps the socket (and reconnects it) until the
        // transaction's Timer K (5 s) ends; close the transport soon after so a finished client
        // does not keep retrying in the background (bench hygiene only, not measured).
        ua.stop();
        setTimeout(() => ua._transport && ua._transport.disconnect(), 200);
      },
    };
  },
};

// @ts-check
// Minimal app for the bundle-size figure: register, then place a call, with JsSIP 3.13 (UA).
// Built by bench/size/build.mjs (JsSIP is CommonJS: nothing can be tree-shaken).
// @ts-ignore JsSIP's typings are not resolved here
import JsSIP from 'jssip';

const cfg = /** @type {any} */ (window).APP_CONFIG;
const ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(cfg.server)], uri: `sip:${cfg.user}@${cfg.domain}`, password: cfg.password });
ua.on('registered', () => {
  const session = ua.call(`sip:${cfg.target}@${cfg.domain}`, { mediaConstraints: { audio: true, video: false } });
  session.on('accepted', () => console.log('answered'));
});
ua.start();

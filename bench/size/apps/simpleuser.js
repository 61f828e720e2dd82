// @ts-check
// Minimal app for the bundle-size figure: register, then place a call, with sip.js 0.21's own
// high-level helper `Web.SimpleUser` (connect, register, call). Built by bench/size/build.mjs.
import { Web } from 'sip.js';

const cfg = /** @type {any} */ (window).APP_CONFIG;
const user = new Web.SimpleUser(cfg.server, {
  aor: `sip:${cfg.user}@${cfg.domain}`,
  media: { constraints: { audio: true, video: false }, remote: { audio: /** @type {HTMLAudioElement} */ (document.getElementById('remote')) } },
  userAgentOptions: { authorizationUsername: cfg.user, authorizationPassword: cfg.password },
  delegate: { onCallAnswered: () => console.log('answered') },
});
user
  .connect()
  .then(() => user.register())
  .then(() => user.call(`sip:${cfg.target}@${cfg.domain}`));

// @ts-check
// Minimal app for the bundle-size figure: register, then place a call, with raw sip.js 0.21
// (UserAgent, Registerer, Inviter). Built by bench/size/build.mjs.
import { Inviter, Registerer, UserAgent } from 'sip.js';

const cfg = /** @type {any} */ (window).APP_CONFIG;
const ua = new UserAgent({
  uri: UserAgent.makeURI(`sip:${cfg.user}@${cfg.domain}`),
  transportOptions: { server: cfg.server },
  authorizationUsername: cfg.user,
  authorizationPassword: cfg.password,
});
ua.start()
  .then(() => new Registerer(ua).register())
  .then(() => {
    const target = /** @type {import('sip.js').URI} */ (UserAgent.makeURI(`sip:${cfg.target}@${cfg.domain}`));
    const inviter = new Inviter(ua, target, { sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
    inviter.stateChange.addListener((s) => console.log(s));
    return inviter.invite();
  });

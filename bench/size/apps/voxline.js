// @ts-check
// Minimal app for the bundle-size figure: register, then place a call, with the Voxline ESM build
// (dist/voxline.mjs) as an application would import it. Built by bench/size/build.mjs.
import { Client } from '../../../dist/voxline.mjs';

const cfg = /** @type {any} */ (window).APP_CONFIG;
const client = new Client({ servers: [cfg.server], domain: cfg.domain });
client
  .login(cfg.user, cfg.password)
  .then(() => client.call(cfg.target))
  .then((call) => call.on('answered', () => console.log('answered')));

// `node --import ./test/node/register-ts.mjs script.mjs`: lets the script import src/*.ts.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);

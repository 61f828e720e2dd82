// Child process of test/lifecycle-exit.test.ts: logs a Client in against the dev server at
// argv[2], then ends it with argv[3] ('destroy' or 'logout') and does nothing else. The parent
// checks that this process then exits by itself: nothing (timer, socket) may keep it alive.
import { WebSocket } from 'ws';

globalThis.WebSocket = WebSocket;
const { Client } = await import('../../src/index.ts');
const [url, how] = process.argv.slice(2);
const client = new Client({ servers: [url], domain: 'voxline.test', logLevel: 'warn' });
await client.login('alice', 'alice-pw');
process.stdout.write(`registered=${client.registered}\n`);
if (how === 'logout') await client.logout();
client.destroy();
process.stdout.write(`${how} done\n`);

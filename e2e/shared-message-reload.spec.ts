/**
 * The outbox survives a reload of its tab in shared mode (#15 × #16), against Kamailio and the
 * dev server: Alice's tabs share one link through a SharedWorker (and a loopback fault proxy);
 * with the link down, tab 1 queues three messages, which its page keeps in its own
 * sessionStorage; tab 1 is reloaded, with a second tab keeping the worker's engine alive or as
 * the only tab (the worker's engine is gone); the link comes back and the reloaded page logs in
 * as it always does. Bob (in-page, his own context) receives each message exactly once, in order,
 * and the reloaded tab gets `messagestatus` delivered with `restored: true` for each.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startFaultProxy } from './harness/fault-proxy.mjs';
import type { SipServer } from './harness/sip-servers.mjs';

const WORKER_URL = '/dist/voxline.worker.js';
type Statuses = Array<{ id: string; status: string; to: string; restored: boolean }>;

async function openTab(context: BrowserContext, webUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${webUrl}/e2e/pages/iife.html`);
  await page.waitForFunction(() => 'vx' in window);
  return page;
}

/** A shared-mode client `alice` on `server`, its statuses recorded, logged in. */
async function loginAlice(page: Page, server: string, sip: SipServer): Promise<void> {
  await page.evaluate(
    async ({ server, domain, password, sharedWorker }) => {
      const client = window.vx.create('alice', { servers: [server], domain, logLevel: 'warn', sharedWorker, reconnect: { fastRetryDelayMs: 500, fastRetryWindowMs: 60_000 } });
      const w = window as unknown as { statuses: unknown[] };
      w.statuses = [];
      client.on('messagestatus', (s) => w.statuses.push({ id: s.id, status: s.status, to: s.to, restored: s.restored }));
      await client.login('alice', password);
    },
    { server, domain: sip.domain, password: sip.users.alice!, sharedWorker: WORKER_URL },
  );
}

const statuses = (page: Page): Promise<Statuses> => page.evaluate(() => (window as unknown as { statuses: Statuses }).statuses);
const bodiesReceived = (page: Page): Promise<string[]> => page.evaluate(() => window.vx.of('bob', 'message').map((e) => (e.payload as { body: string }).body));

function voxlineStorage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => Object.fromEntries(Object.keys(sessionStorage).filter((k) => k.startsWith('voxline:')).map((k) => [k, sessionStorage.getItem(k)!])));
}

test.describe('shared mode: the outbox across a reload of its tab', () => {
  for (const secondTab of [true, false]) {
    test(`messages queued while the link is down survive page.reload() of tab 1 ${secondTab ? 'with a second tab open (the worker keeps them)' : 'as the only tab (the worker is gone)'}: each reaches bob once, in order; tab 1 hears delivered, restored`, async ({ browser, openPage, web, sip }) => {
      test.setTimeout(60_000);
      const proxy = await startFaultProxy({ targetPort: sip.port });
      const context = await browser.newContext();
      try {
        const bob = await openPage();
        await bob.evaluate(async ({ url, domain, password }) => void (await window.vx.create('bob', { servers: [url], domain, logLevel: 'warn' }).login('bob', password)), { url: sip.url, domain: sip.domain, password: sip.users.bob! });
        const tab1 = await openTab(context, web.url);
        await loginAlice(tab1, proxy.url, sip);
        const tab2 = secondTab ? await openTab(context, web.url) : null;
        if (tab2) await loginAlice(tab2, proxy.url, sip);
        expect(await tab1.evaluate(() => window.vx.clients.alice!.shared)).toBe(true);
        expect(proxy.connections).toBe(1);

        // The link goes down and stays down; tab 1 queues three messages.
        proxy.refuse(true);
        proxy.reset();
        await expect.poll(() => tab1.evaluate(() => window.vx.clients.alice!.connectionState)).not.toBe('connected');
        await tab1.evaluate(() => {
          for (const body of ['first', 'second', 'third']) void window.vx.clients.alice!.sendMessage('bob', body, { id: `chat-${body}` }).catch(() => undefined);
        });
        await expect.poll(async () => Object.keys(await voxlineStorage(tab1))).toHaveLength(1);
        const before = await voxlineStorage(tab1);
        const record = JSON.parse(Object.values(before)[0]!) as { v: number; entries: Array<{ id: string; body: string }> };
        expect(Object.keys(before)[0]).toMatch(/^voxline:outbox:alice@/);
        expect(record.v).toBe(1);
        expect(record.entries.map((e) => `${e.id}:${e.body}`)).toEqual(['chat-first:first', 'chat-second:second', 'chat-third:third']);
        expect(JSON.stringify(before)).not.toContain(sip.users.alice!);

        await tab1.reload();
        await tab1.waitForFunction(() => 'vx' in window);
        expect(await voxlineStorage(tab1)).toEqual(before);

        // The link is back; the reloaded page logs in as it always does.
        proxy.refuse(false);
        await loginAlice(tab1, proxy.url, sip);
        expect(await tab1.evaluate(() => window.vx.clients.alice!.shared)).toBe(true);

        await expect.poll(() => bodiesReceived(bob), { timeout: 15_000 }).toEqual(['first', 'second', 'third']);
        await expect
          // Sent in order, up to 16 at a time: the answers (hence the statuses) may come in any order.
          .poll(async () => (await statuses(tab1)).map((s) => `${s.id}:${s.status}:${s.to}:${s.restored}`).sort(), { timeout: 10_000 })
          .toEqual(['chat-first:delivered:bob:true', 'chat-second:delivered:bob:true', 'chat-third:delivered:bob:true']);
        await expect.poll(() => voxlineStorage(tab1)).toEqual({});
        // Exactly once: nothing more arrives, no status twice, none in the other tab.
        await bob.waitForTimeout(1500);
        expect(await bodiesReceived(bob)).toEqual(['first', 'second', 'third']);
        expect(await statuses(tab1)).toHaveLength(3);
        if (tab2) expect(await statuses(tab2)).toEqual([]);
        expect(proxy.connections).toBe(1); // one link for every tab
        expect(await tab1.evaluate(() => window.vx.pageErrors)).toEqual([]);
      } finally {
        await context.close();
        await proxy.stop();
      }
    });
  }
});

/**
 * Shared mode (#16) for real: several tabs (pages of one browser context) with the
 * `sharedWorker` option share one WebSocket and one registration. Counted at the server side:
 * connections through a loopback fault proxy, REGISTER bindings with a REGISTER query (no
 * Contact) as the user, on Kamailio and the dev server alike.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startFaultProxy } from './harness/fault-proxy.mjs';
import { startSipServer, type SipServer } from './harness/sip-servers.mjs';
import { buildRequest, digestAuthorization, rand, SipTestClient } from '../server/test-client.js';

const WORKER_URL = '/dist/voxline.worker.js';

/** The bindings the registrar holds for `user`: a REGISTER without Contact lists them. */
async function bindingsOf(sip: SipServer, user: string): Promise<number> {
  const client = await SipTestClient.connect(sip.url);
  try {
    const aor = `sip:${user}@${sip.domain}`;
    const callId = rand(8);
    const query = (cseq: number, headers: string[]): string => buildRequest('REGISTER', `sip:${sip.domain}`, { from: aor, to: aor, callId, cseq, viaHost: `${rand()}.invalid`, headers });
    client.send(query(1, []));
    let answer = await client.next((f: { method: string; status: number }) => f.method === 'REGISTER' && f.status >= 200);
    if (answer.status === 401) {
      const challenge = answer.header('www-authenticate') ?? '';
      client.send(query(2, [`Authorization: ${digestAuthorization({ challenge, method: 'REGISTER', uri: `sip:${sip.domain}`, username: user, password: sip.users[user]! })}`]));
      answer = await client.next((f: { method: string; status: number }) => f.method === 'REGISTER' && f.status >= 200);
    }
    expect(answer.status).toBe(200);
    return (answer.headers('contact') as string[]).join(',').split('<sip:').length - 1;
  } finally {
    await client.close();
  }
}

/** Opens `count` tabs of one context, each with a shared-mode client `alice` logged in. */
async function openTabs(context: BrowserContext, webUrl: string, count: number, server: string, sip: SipServer, prepare?: (page: Page) => Promise<void>): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    await page.goto(`${webUrl}/e2e/pages/iife.html`);
    await page.waitForFunction(() => 'vx' in window);
    await prepare?.(page);
    pages.push(page);
  }
  await Promise.all(
    pages.map((page) =>
      page.evaluate(
        async ({ server, domain, password, sharedWorker }) => {
          const client = window.vx.create('alice', { servers: [server], domain, logLevel: 'warn', sharedWorker });
          client.on('loggedout', () => window.vx.events.push({ client: 'alice', type: 'loggedout', payload: null, t: Date.now() }));
          await client.login('alice', password);
        },
        { server, domain: sip.domain, password: sip.users.alice!, sharedWorker: WORKER_URL },
      ),
    ),
  );
  return pages;
}

const changes = (page: Page): Promise<string[]> => page.evaluate(() => window.vx.of('alice', 'connectionchange').map((e) => (e.payload as { state: string }).state));
const count = (page: Page, type: string): Promise<number> => page.evaluate((t) => window.vx.of('alice', t).length, type);

/** A plain (non-shared) client `bob` in a context of its own, logged in. */
async function bobPage(browser: Browser, webUrl: string, sip: SipServer): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${webUrl}/e2e/pages/iife.html`);
  await page.waitForFunction(() => 'vx' in window);
  await page.evaluate(
    async ({ url, domain, password }) => {
      await window.vx.create('bob', { servers: [url], domain, logLevel: 'warn' }).login('bob', password);
    },
    { url: sip.url, domain: sip.domain, password: sip.users.bob! },
  );
  return page;
}

test.describe('shared mode: one link and one registration for every tab', () => {
  for (const tabs of [1, 3, 10]) {
    test(`${tabs} tab(s): one WebSocket and one binding at the server; each tab told connected and registered once; a message reaches each tab once`, async ({ browser, web, sip }) => {
      test.setTimeout(60_000);
      const proxy = await startFaultProxy({ targetPort: sip.port });
      const context = await browser.newContext();
      try {
        const pages = await openTabs(context, web.url, tabs, proxy.url, sip);
        expect(proxy.connections).toBe(1);
        expect(await bindingsOf(sip, 'alice')).toBe(1);
        for (const page of pages) {
          expect(await page.evaluate(() => window.vx.clients.alice!.shared)).toBe(true);
          expect(await changes(page)).toEqual(['connected']);
          expect(await count(page, 'registered')).toBe(1);
        }
        const bob = await bobPage(browser, web.url, sip);
        await bob.evaluate(() => window.vx.clients.bob!.sendMessage('alice', 'one for every tab'));
        for (const page of pages) await expect.poll(() => count(page, 'message')).toBe(1);
        await pages[0]!.waitForTimeout(500);
        for (const page of pages) expect(await count(page, 'message')).toBe(1);
        test.info().annotations.push({ type: 'counts', description: `${tabs} tabs: ${proxy.connections} WebSocket connection(s), ${await bindingsOf(sip, 'alice')} binding(s)` });
        await bob.context().close();
      } finally {
        await context.close();
        await proxy.stop();
      }
    });
  }

  test('another user in another tab gets a link and a binding of its own', async ({ browser, web, sip }) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    const context = await browser.newContext();
    try {
      await openTabs(context, web.url, 2, proxy.url, sip);
      const page = await context.newPage();
      await page.goto(`${web.url}/e2e/pages/iife.html`);
      await page.waitForFunction(() => 'vx' in window);
      await page.evaluate(
        async ({ server, domain, password, sharedWorker }) => {
          await window.vx.create('bob', { servers: [server], domain, logLevel: 'warn', sharedWorker }).login('bob', password);
        },
        { server: proxy.url, domain: sip.domain, password: sip.users.bob!, sharedWorker: WORKER_URL },
      );
      expect(await page.evaluate(() => ({ shared: window.vx.clients.bob!.shared, user: window.vx.clients.bob!.user }))).toEqual({ shared: true, user: 'bob' });
      expect(proxy.connections).toBe(2);
      expect(await bindingsOf(sip, 'alice')).toBe(1);
      expect(await bindingsOf(sip, 'bob')).toBe(1);
    } finally {
      await context.close();
      await proxy.stop();
    }
  });

  test('server restart: every tab sees exactly one disconnected and one reconnected', async ({ browser, web, sipServer }) => {
    test.setTimeout(60_000);
    const server = await startSipServer(sipServer);
    const context = await browser.newContext();
    try {
      const pages = await openTabs(context, web.url, 3, server.url, server);
      await server.stop();
      for (const page of pages) await expect.poll(() => changes(page)).toEqual(['connected', 'disconnected']);
      await server.start();
      for (const page of pages) await expect.poll(() => changes(page), { timeout: 8000 }).toEqual(['connected', 'disconnected', 'reconnected']);
      await pages[0]!.waitForTimeout(1500);
      for (const page of pages) expect(await changes(page)).toEqual(['connected', 'disconnected', 'reconnected']);
      expect(await bindingsOf(server, 'alice')).toBe(1);
    } finally {
      await context.close();
      await server.stop();
    }
  });

  test('a tab that closes leaves the link and registration to the others; logout() in one tab logs out every tab', async ({ browser, web, sip }) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    const context = await browser.newContext();
    try {
      const [first, second, third] = await openTabs(context, web.url, 3, proxy.url, sip);
      await first!.close();
      await second!.waitForTimeout(500);
      expect(proxy.connections).toBe(1);
      expect(await bindingsOf(sip, 'alice')).toBe(1);
      expect(await second!.evaluate(() => window.vx.clients.alice!.registered)).toBe(true);
      await second!.evaluate(() => window.vx.clients.alice!.logout());
      await expect.poll(() => count(third!, 'loggedout')).toBe(1);
      expect(await third!.evaluate(() => ({ registered: window.vx.clients.alice!.registered, user: window.vx.clients.alice!.user }))).toEqual({ registered: false, user: null });
      await expect.poll(() => bindingsOf(sip, 'alice')).toBe(0);
      await expect.poll(() => proxy.connections).toBe(0);
    } finally {
      await context.close();
      await proxy.stop();
    }
  });

  test('the last tab gone: the registration is removed (unREGISTER) and the link closed', async ({ browser, web, sip }) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    const context = await browser.newContext();
    try {
      const pages = await openTabs(context, web.url, 2, proxy.url, sip);
      for (const page of pages) await page.close({ runBeforeUnload: true });
      await expect.poll(() => bindingsOf(sip, 'alice'), { timeout: 5000 }).toBe(0);
      await expect.poll(() => proxy.connections).toBe(0);
    } finally {
      await context.close();
      await proxy.stop();
    }
  });

  test('keep-alive runs in the worker: a blackholed link is noticed while the tab\'s main-thread timers are throttled', async ({ browser, web, sip }) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    const context = await browser.newContext();
    try {
      // As connection.spec.ts: Chrome's intensive throttling of hidden tabs, on this tab's timers.
      const [tab] = await openTabs(context, web.url, 1, proxy.url, sip, (page) =>
        page.evaluate(() => {
          const original = window.setInterval.bind(window);
          window.setInterval = ((fn: () => void, ms?: number) => original(fn, Math.max(ms ?? 0, 60_000))) as typeof window.setInterval;
        }),
      );
      const t0 = Date.now();
      proxy.blackhole();
      await expect.poll(async () => (await changes(tab!)).slice(0, 2), { timeout: 8000 }).toEqual(['connected', 'disconnected']);
      const detectedAt = await tab!.evaluate(() => (window.vx.of('alice', 'connectionchange')[1]!.payload as { at: number }).at);
      expect(detectedAt - t0).toBeLessThanOrEqual(5000);
    } finally {
      await context.close();
      await proxy.stop();
    }
  });

  test('a wrong worker URL: one warning, client.shared false, and the tab logs in on its own link', async ({ browser, web, sip }) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const warnings: string[] = [];
      page.on('console', (msg) => msg.type() === 'warning' && msg.text().includes('sharedWorker') && warnings.push(msg.text()));
      await page.goto(`${web.url}/e2e/pages/iife.html`);
      await page.waitForFunction(() => 'vx' in window);
      await page.evaluate(
        async ({ url, domain, password }) => {
          await window.vx.create('alice', { servers: [url], domain, logLevel: 'warn', sharedWorker: '/dist/no-such.worker.js' }).login('alice', password);
        },
        { url: sip.url, domain: sip.domain, password: sip.users.alice! },
      );
      expect(await page.evaluate(() => ({ shared: window.vx.clients.alice!.shared, registered: window.vx.clients.alice!.registered }))).toEqual({ shared: false, registered: true });
      expect(warnings).toHaveLength(1);
      // Chromium reports the failed load as an error event, or (seen under load) not at all: then the start timeout falls back.
      expect(warnings[0]).toMatch(/Invalid option "sharedWorker": \/dist\/no-such\.worker\.js (could not be loaded|did not answer within 5000 ms)/);
    } finally {
      await context.close();
    }
  });
});

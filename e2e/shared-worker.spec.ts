/**
 * Shared mode (#16) for real: several tabs (pages of one browser context) with the
 * `sharedWorker` option share one WebSocket and one registration. Counted at the server side:
 * connections through a loopback fault proxy, REGISTER bindings with a REGISTER query (no
 * Contact) as the user, on Kamailio and the dev server alike.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { received } from './call-pages';
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

/** Opens `count` tabs of one context, each with a shared-mode client `alice` logged in (`extra`: more client options). */
async function openTabs(context: BrowserContext, webUrl: string, count: number, server: string, sip: SipServer, prepare?: (page: Page) => Promise<void>, extra: Record<string, unknown> = {}): Promise<Page[]> {
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
        async ({ server, domain, password, sharedWorker, extra }) => {
          const client = window.vx.create('alice', { servers: [server], domain, logLevel: 'warn', sharedWorker, ...extra });
          client.on('loggedout', () => window.vx.events.push({ client: 'alice', type: 'loggedout', payload: null, t: Date.now() }));
          await client.login('alice', password);
        },
        { server, domain: sip.domain, password: sip.users.alice!, sharedWorker: WORKER_URL, extra },
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

const HEARD = 0.0001; // as calls.spec.ts: energy gained per ~1 s of Chromium's fake tone is orders of magnitude above this

/** How calls `name` saw (tracked by the page harness) ended, by reason. */
const endsOf = (page: Page, name: string): Promise<string[]> =>
  page.evaluate((n) => window.vx.of(n, 'call:ended').map((e) => (e.payload as { reason: string }).reason), name);
const callStates = (page: Page, name: string): Promise<string[]> => page.evaluate((n) => window.vx.clients[n]!.calls.map((c) => c.state), name);
/** `from` calls `to`; the page harness tracks the call. */
const dial = (page: Page, from: string, to: string): Promise<string> =>
  page.evaluate(async ({ from, to }) => window.vx.trackCall(from, await window.vx.clients[from]!.call(to)).id, { from, to });

test.describe('shared mode: calls across tabs', () => {
  test('an incoming call rings in 3 tabs; answered in the 2nd: audio both ways there, answered-elsewhere in the others; closing that tab ends the call with BYE (resumeCalls off; with it, after callResumeWindowMs: shared-resume.spec.ts)', async ({ browser, web, sip }) => {
    const context = await browser.newContext();
    const bob = await bobPage(browser, web.url, sip);
    try {
      const pages = await openTabs(context, web.url, 3, sip.url, sip, undefined, { resumeCalls: false });
      await dial(bob, 'bob', 'alice');
      for (const page of pages) await expect.poll(() => count(page, 'incomingcall')).toBe(1);
      for (const page of pages) expect(await callStates(page, 'alice')).toEqual(['ringing']);
      await pages[1]!.evaluate(() => window.vx.calls.alice![0]!.answer());
      await expect.poll(() => bob.evaluate(() => window.vx.calls.bob![0]!.state)).toBe('answered');
      for (const i of [0, 2]) await expect.poll(() => endsOf(pages[i]!, 'alice')).toEqual(['answered-elsewhere']);
      expect(await endsOf(pages[1]!, 'alice')).toEqual([]);
      const inTab2 = await received(pages[1]!, 'alice');
      const byBob = await received(bob, 'bob');
      expect(inTab2.energy).toBeGreaterThan(HEARD);
      expect(byBob.energy).toBeGreaterThan(HEARD);
      test.info().annotations.push({ type: 'audio', description: `answering tab heard ${inTab2.energy.toFixed(4)} (${inTab2.bytes} B), bob heard ${byBob.energy.toFixed(4)}` });
      // The media lives in the answering tab only.
      expect(await pages[1]!.evaluate(() => [window.vx.openPeerConnections(), window.vx.audioElements()])).toEqual([1, 1]);
      for (const i of [0, 2]) expect(await pages[i]!.evaluate(() => [window.vx.openPeerConnections(), window.vx.liveMicrophoneTracks(), window.vx.clients.alice!.calls.length])).toEqual([0, 0, 0]);
      await pages[1]!.close();
      await expect.poll(() => endsOf(bob, 'bob')).toEqual(['remote-hangup']);
      for (const i of [0, 2]) expect(await pages[i]!.evaluate(() => window.vx.clients.alice!.registered)).toBe(true);
    } finally {
      await context.close();
      await bob.context().close();
    }
  });

  test('tab 1 calls bob: audio both ways in tab 1, every tab lists the call, tab 3 hangs it up; tab 1 closed: the others stay registered and still get calls and messages', async ({ browser, web, sip }) => {
    const context = await browser.newContext();
    const bob = await bobPage(browser, web.url, sip);
    try {
      const [first, second, third] = await openTabs(context, web.url, 3, sip.url, sip);
      const callId = await dial(first!, 'alice', 'bob');
      await expect.poll(() => bob.evaluate(() => window.vx.of('bob', 'incomingcall').length)).toBe(1);
      await bob.evaluate(() => window.vx.calls.bob![0]!.answer());
      for (const page of [first!, second!, third!]) await expect.poll(() => callStates(page, 'alice')).toEqual(['answered']);
      expect(await third!.evaluate(() => window.vx.clients.alice!.calls[0]!.id)).toBe(callId);
      expect((await received(first!, 'alice')).energy).toBeGreaterThan(HEARD);
      expect((await received(bob, 'bob')).energy).toBeGreaterThan(HEARD);
      expect(await third!.evaluate(() => window.vx.openPeerConnections())).toBe(0);
      await third!.evaluate(() => window.vx.clients.alice!.calls[0]!.hangup());
      await expect.poll(() => endsOf(first!, 'alice')).toEqual(['local-hangup']);
      await expect.poll(() => endsOf(bob, 'bob')).toEqual(['remote-hangup']);
      await expect.poll(() => first!.evaluate(() => window.vx.openPeerConnections())).toBe(0);
      for (const page of [first!, second!, third!]) expect(await callStates(page, 'alice')).toEqual([]);

      await first!.close();
      await second!.waitForTimeout(300);
      for (const page of [second!, third!]) expect(await page.evaluate(() => window.vx.clients.alice!.registered)).toBe(true);
      await dial(bob, 'bob', 'alice');
      for (const page of [second!, third!]) await expect.poll(() => count(page, 'incomingcall')).toBe(1);
      await third!.evaluate(() => window.vx.calls.alice![0]!.reject());
      await expect.poll(() => endsOf(bob, 'bob')).toEqual(['remote-hangup', 'busy']);
      await expect.poll(() => endsOf(second!, 'alice')).toEqual(['rejected']);
      await bob.evaluate(() => window.vx.clients.bob!.sendMessage('alice', 'still here'));
      for (const page of [second!, third!]) await expect.poll(() => count(page, 'message')).toBe(1);
    } finally {
      await context.close();
      await bob.context().close();
    }
  });

  test('memory: the SharedWorker\'s JS heap after calls placed and hung up through it (VOXLINE_WORKER_MEMORY_RUNS)', async ({ browser, web, sip }) => {
    const runs = Number(process.env.VOXLINE_WORKER_MEMORY_RUNS ?? 0);
    test.skip(!runs, 'set VOXLINE_WORKER_MEMORY_RUNS=100 to measure');
    test.setTimeout(120_000 + runs * 3000);
    const context = await browser.newContext();
    const bob = await bobPage(browser, web.url, sip);
    try {
      const [tab] = await openTabs(context, web.url, 2, sip.url, sip);
      await bob.evaluate(() => window.vx.clients.bob!.on('incomingcall', (call) => void call.answer()));
      const heap = await workerHeap(browser);
      const oneCall = (): Promise<void> =>
        tab!.evaluate(async () => {
          const call = await window.vx.clients.alice!.call('bob');
          await new Promise<void>((resolve, reject) => {
            call.on('answered', () => void call.hangup());
            call.on('ended', (e) => (e.reason === 'local-hangup' ? resolve() : reject(new Error(e.reason))));
          });
        });
      const cold = await heap.used();
      await oneCall(); // warm-up: the first call compiles and caches what every call uses
      await tab!.waitForTimeout(34_000);
      await heap.gc();
      const before = await heap.used();
      for (let i = 0; i < runs; i++) await oneCall();
      const after = await heap.used();
      await heap.gc();
      const afterGc = await heap.used();
      // sip.js keeps ended transactions until their timers (up to 64*T1 = 32 s) expire: measure again after them.
      await tab!.waitForTimeout(34_000);
      await heap.gc();
      const settled = await heap.used();
      const kb = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
      const line = `worker heap: ${kb(cold)} logged in, ${kb(before)} after one warm-up call (GC), ${kb(after)} after ${runs} calls, ${kb(afterGc)} after GC, ${kb(settled)} after GC 34 s later (transaction timers expired)`;
      console.log(line);
      test.info().annotations.push({ type: 'memory', description: line });
      expect(await tab!.evaluate(() => window.vx.clients.alice!.calls.length)).toBe(0);
      expect(settled - before).toBeLessThan(10 * 1024 * runs); // under 10 KiB a call once the transactions are gone
      await heap.close();
    } finally {
      await context.close();
      await bob.context().close();
    }
  });
});

/** The JS heap of the (one) SharedWorker, through a CDP session on its target. */
async function workerHeap(browser: Browser): Promise<{ used(): Promise<number>; gc(): Promise<void>; close(): Promise<void> }> {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((t) => t.type === 'shared_worker');
  if (!target) throw new Error(`no shared_worker target among ${targetInfos.map((t) => t.type).join(', ')}`);
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const send = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  return {
    used: async () => ((await send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize,
    gc: async () => void (await send('HeapProfiler.collectGarbage')),
    close: () => cdp.detach(),
  };
}

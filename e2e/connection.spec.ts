/**
 * The connection-change listener, for real: Chromium against Kamailio and the dev server, with
 * the network broken on purpose (server killed, a loopback proxy that closes, resets or silently
 * drops, the browser going offline). Every change must be reported exactly once.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startFaultProxy } from './harness/fault-proxy.mjs';
import { probeUser } from './harness/sip-probe.mjs';
import { startSipServer, type SipServer } from './harness/sip-servers.mjs';

/** The `connectionchange` events a page has seen, as `state:reason` strings. */
async function changes(page: Page, client = 'alice'): Promise<string[]> {
  return page.evaluate(
    (name) =>
      window.vx.of(name, 'connectionchange').map((e) => {
        const p = e.payload as { state: string; reason?: string };
        return p.reason ? `${p.state}:${p.reason}` : p.state;
      }),
    client,
  );
}

async function loginAlice(page: Page, servers: string[], sip: SipServer, extra: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    async ({ servers, domain, password, extra }) => {
      const client = window.vx.create('alice', { servers, domain, logLevel: 'warn', ...extra });
      await client.login('alice', password);
    },
    { servers, domain: sip.domain, password: sip.users.alice!, extra },
  );
}

test.describe('connection changes', () => {
  test('server killed and restarted 3 s later: one disconnected, one reconnected, then reachable again', async ({ openPage, sipServer }) => {
    const server = await startSipServer(sipServer);
    try {
      const page = await openPage();
      await loginAlice(page, [server.url], server);
      await server.stop();
      await expect.poll(() => changes(page)).toEqual(['connected', 'disconnected:error']);
      await page.waitForTimeout(3000);
      expect(await changes(page)).toEqual(['connected', 'disconnected:error']);
      await server.start();
      await expect.poll(() => changes(page), { timeout: 5000 }).toEqual(['connected', 'disconnected:error', 'reconnected']);
      const state = await page.evaluate(() => {
        const c = window.vx.clients.alice!;
        const reconnected = window.vx.of('alice', 'connectionchange').at(-1)!.payload as { downtimeMs: number; previous: string };
        return { registered: c.registered, state: c.connectionState, downtimeMs: reconnected.downtimeMs, previous: reconnected.previous, attempts: window.vx.of('alice', 'reconnecting').length };
      });
      expect(state.registered).toBe(true);
      expect(state.state).toBe('connected');
      expect(state.previous).toBe('disconnected');
      expect(state.downtimeMs).toBeGreaterThanOrEqual(3000);
      expect(state.attempts).toBeGreaterThanOrEqual(3);
      // "reconnected" came after re-registration: another client reaches alice at once.
      expect(await probeUser(server.url, server.domain, 'alice')).toBe(200);
      await page.waitForTimeout(1500);
      expect(await changes(page)).toEqual(['connected', 'disconnected:error', 'reconnected']);
    } finally {
      await server.stop();
    }
  });

  test('10 kill/restart cycles in a row: exactly 10 disconnected and 10 reconnected', async ({ openPage, sipServer }) => {
    test.setTimeout(120_000);
    const server = await startSipServer(sipServer);
    try {
      const page = await openPage();
      await loginAlice(page, [server.url], server);
      const expected = ['connected'];
      for (let i = 0; i < 10; i++) {
        await server.stop();
        expected.push('disconnected:error');
        await expect.poll(() => changes(page)).toEqual(expected);
        await server.start();
        expected.push('reconnected');
        await expect.poll(() => changes(page), { timeout: 5000 }).toEqual(expected);
      }
      await page.waitForTimeout(1000);
      expect(await changes(page)).toEqual(expected);
      expect(await probeUser(server.url, server.domain, 'alice')).toBe(200);
    } finally {
      await server.stop();
    }
  });

  for (const mode of ['close', 'reset', 'blackhole'] as const) {
    const reason = { close: 'closed', reset: 'error', blackhole: 'keepalive-timeout' }[mode];
    test(`proxy ${mode}: one disconnected (${reason}), then reconnected`, async ({ openPage, sip }) => {
      const proxy = await startFaultProxy({ targetPort: sip.port });
      try {
        const page = await openPage();
        await loginAlice(page, [proxy.url], sip);
        expect(proxy.connections).toBe(1);
        const t0 = Date.now();
        if (mode === 'close') proxy.close();
        else if (mode === 'reset') proxy.reset();
        else proxy.blackhole();
        await expect.poll(async () => (await changes(page)).slice(0, 2), { timeout: 8000 }).toEqual(['connected', `disconnected:${reason}`]);
        const detectedAt = await page.evaluate(() => (window.vx.of('alice', 'connectionchange')[1]!.payload as { at: number }).at);
        const detectionMs = detectedAt - t0;
        if (mode === 'blackhole') expect(detectionMs).toBeLessThanOrEqual(5000);
        else expect(detectionMs).toBeLessThan(1000);
        await expect.poll(() => changes(page), { timeout: 8000 }).toEqual(['connected', `disconnected:${reason}`, 'reconnected']);
        expect(await probeUser(sip.url, sip.domain, 'alice')).toBe(200);
        await page.evaluate(() => window.vx.clients.alice!.logout());
      } finally {
        await proxy.stop();
      }
    });
  }

  test('a blackholed link is noticed in a background tab too (main-thread timers throttled)', async ({ openPage, sip }) => {
    // Playwright keeps every page visible, so a real hidden tab cannot be made here. Chrome's
    // intensive throttling of hidden tabs runs main-thread interval timers at most once a
    // minute; this page gets exactly that before the client starts. Keep-alive must not care.
    const proxy = await startFaultProxy({ targetPort: sip.port });
    try {
      const page = await openPage();
      await page.evaluate(() => {
        const original = window.setInterval.bind(window);
        window.setInterval = ((fn: () => void, ms?: number) => original(fn, Math.max(ms ?? 0, 60_000))) as typeof window.setInterval;
      });
      await loginAlice(page, [proxy.url], sip);
      const t0 = Date.now();
      proxy.blackhole();
      await expect.poll(async () => (await changes(page)).slice(0, 2), { timeout: 8000 }).toEqual(['connected', 'disconnected:keepalive-timeout']);
      const detectedAt = await page.evaluate(() => (window.vx.of('alice', 'connectionchange')[1]!.payload as { at: number }).at);
      expect(detectedAt - t0).toBeLessThanOrEqual(5000);
      await expect.poll(() => changes(page), { timeout: 8000 }).toContain('reconnected');
    } finally {
      await proxy.stop();
    }
  });

  test('failover: first server dead → second; second dies later → back to the first', async ({ openPage, sipServer }) => {
    const first = await startSipServer(sipServer);
    const second = await startSipServer(sipServer);
    try {
      await first.stop();
      const page = await openPage();
      await loginAlice(page, [first.url, second.url], second);
      expect(await page.evaluate(() => window.vx.clients.alice!.server)).toBe(second.url);
      expect(await probeUser(second.url, second.domain, 'alice')).toBe(200);
      await first.start();
      await second.stop();
      await expect.poll(() => changes(page), { timeout: 8000 }).toEqual(['connected', 'disconnected:error', 'reconnected']);
      const last = await page.evaluate(() => window.vx.of('alice', 'connectionchange').at(-1)!.payload as { server: string });
      expect(last.server).toBe(first.url);
      expect(await probeUser(first.url, first.domain, 'alice')).toBe(200);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  test('browser offline: disconnected (offline) at once, reconnected when back online', async ({ openPage, sip }) => {
    const page = await openPage();
    await loginAlice(page, [sip.url], sip);
    await page.context().setOffline(true);
    await expect.poll(() => changes(page)).toEqual(['connected', 'disconnected:offline']);
    await page.waitForTimeout(2000);
    // While offline it waits for the network instead of burning attempts.
    expect(await page.evaluate(() => window.vx.of('alice', 'reconnecting').map((e) => (e.payload as { delayMs: number }).delayMs))).toEqual([30_000]);
    await page.context().setOffline(false);
    await expect.poll(() => changes(page), { timeout: 5000 }).toEqual(['connected', 'disconnected:offline', 'reconnected']);
    expect(await page.evaluate(() => window.vx.clients.alice!.registered)).toBe(true);
    expect(await probeUser(sip.url, sip.domain, 'alice')).toBe(200);
  });

  test('logout and destroy close deliberately: no disconnected, no reconnect attempts', async ({ openPage, sip }) => {
    const page = await openPage();
    await loginAlice(page, [sip.url], sip);
    await page.evaluate(async () => {
      await window.vx.clients.alice!.logout();
    });
    await page.waitForTimeout(1500);
    const bob = await page.evaluate(
      async ({ url, domain, password }) => {
        const client = window.vx.create('bob', { servers: [url], domain });
        await client.login('bob', password);
        client.destroy();
        return client.connectionState;
      },
      { url: sip.url, domain: sip.domain, password: sip.users.bob! },
    );
    expect(bob).toBe('closed');
    await page.waitForTimeout(1500);
    expect(await changes(page)).toEqual(['connected']);
    expect(await changes(page, 'bob')).toEqual(['connected']);
    expect(await page.evaluate(() => window.vx.events.filter((e) => e.type === 'reconnecting').length)).toBe(0);
    expect(await probeUser(sip.url, sip.domain, 'alice')).toBe(404);
  });
});

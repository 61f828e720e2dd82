/**
 * SIP MESSAGE between two browsers (two pages = two users), against Kamailio and the dev server,
 * including a message sent while the server is down.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startFaultProxy } from './harness/fault-proxy.mjs';
import { startSipServer, type SipServer } from './harness/sip-servers.mjs';

async function login(page: Page, name: string, server: { url: string; domain: string; users: Record<string, string> }): Promise<void> {
  await page.evaluate(
    async ({ name, url, domain, password }) => {
      const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn' });
      await client.login(name, password);
    },
    { name, url: server.url, domain: server.domain, password: server.users[name]! },
  );
}

function received(page: Page, name: string) {
  return page.evaluate((n) => window.vx.of(n, 'message').map((e) => e.payload as { from: string; body: string; contentType: string; at: number; fromUri: string }), name);
}

test.describe('text messages', () => {
  test('both ways, with Unicode, long text and a custom content type', async ({ openPage, sip }) => {
    const alice = await openPage();
    const bob = await openPage();
    await login(alice, 'alice', sip);
    await login(bob, 'bob', sip);
    const hello = 'Hallo Bob 👋 — ça va? 你好 <b>not html</b>';
    const long = 'x'.repeat(4000);
    const sent = await alice.evaluate(
      async ({ hello, long }) => {
        const c = window.vx.clients.alice!;
        const t0 = performance.now();
        await c.sendMessage('bob', hello);
        await c.sendMessage('bob', long);
        await c.sendMessage('bob', '{"kind":"typing"}', { contentType: 'application/json' });
        return performance.now() - t0;
      },
      { hello, long },
    );
    expect(sent).toBeGreaterThan(0);
    await expect.poll(async () => (await received(bob, 'bob')).length).toBe(3);
    const got = await received(bob, 'bob');
    expect(got.map((m) => m.body)).toEqual([hello, long, '{"kind":"typing"}']);
    expect(got[0]).toMatchObject({ from: 'alice', contentType: 'text/plain;charset=utf-8' });
    expect(got[0]!.fromUri).toContain('sip:alice@');
    expect(got[2]!.contentType).toBe('application/json');

    await bob.evaluate(() => window.vx.clients.bob!.sendMessage('alice', 'Réponse ✓'));
    await expect.poll(async () => (await received(alice, 'alice')).map((m) => `${m.from}:${m.body}`)).toEqual(['bob:Réponse ✓']);
  });

  test('to an unknown user rejects with SipError 404', async ({ openPage, sip }) => {
    const alice = await openPage();
    await login(alice, 'alice', sip);
    const result = await alice.evaluate(() => window.vx.attempt(() => window.vx.clients.alice!.sendMessage('nobody-here', 'hello?')));
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ name: 'SipError', code: 'sip', status: 404, isVoxline: true });
  });

  test('bad arguments throw TypeError naming them, before anything is sent; not logged in is InvalidStateError', async ({ openPage, sip }) => {
    const page = await openPage();
    const outcomes = await page.evaluate(
      async ({ url, domain }) => {
        const c = window.vx.create('x', { servers: [url], domain });
        const out = [];
        out.push(await window.vx.attempt(() => c.sendMessage('bob', 'hi')));
        out.push(await window.vx.attempt(() => c.sendMessage('bob smith', 'hi')));
        out.push(await window.vx.attempt(() => c.sendMessage('bob', '')));
        out.push(await window.vx.attempt(() => c.sendMessage('bob', 'hi', { contentType: 'nonsense' })));
        return out.map((o) => `${o.error!.name}:${o.error!.message}`);
      },
      { url: sip.url, domain: sip.domain },
    );
    expect(outcomes[0]).toMatch(/^InvalidStateError:.*login/);
    expect(outcomes[1]).toMatch(/^TypeError:.*"target"/);
    expect(outcomes[2]).toMatch(/^TypeError:.*"body"/);
    expect(outcomes[3]).toMatch(/^TypeError:.*"options.contentType"/);
  });

  test('a message sent while the server is down is delivered after the reconnect, in order, once', async ({ openPage, sipServer }) => {
    const server: SipServer = await startSipServer(sipServer);
    // Alice goes through a proxy so that she comes back only after bob is registered again:
    // otherwise the server would rightly answer 404 for a bob who is not back yet.
    const proxy = await startFaultProxy({ targetPort: server.port });
    try {
      const alice = await openPage();
      const bob = await openPage();
      await login(alice, 'alice', { ...server, url: proxy.url });
      await login(bob, 'bob', server);
      proxy.refuse(true);
      await server.stop();
      await expect.poll(() => alice.evaluate(() => window.vx.clients.alice!.connectionState)).not.toBe('connected');
      await expect.poll(() => bob.evaluate(() => window.vx.clients.bob!.connectionState)).not.toBe('connected');
      await alice.evaluate(() => {
        const w = window as unknown as { outcomes: string[] };
        w.outcomes = [];
        for (const body of ['first', 'second', 'third']) {
          window.vx.clients.alice!.sendMessage('bob', body).then(
            () => w.outcomes.push(`${body}:ok`),
            (e: Error) => w.outcomes.push(`${body}:${e.name}`),
          );
        }
      });
      await server.start();
      await expect.poll(() => bob.evaluate(() => window.vx.clients.bob!.registered), { timeout: 10_000 }).toBe(true);
      await alice.waitForTimeout(1000);
      expect(await alice.evaluate(() => (window as unknown as { outcomes: string[] }).outcomes)).toEqual([]);
      proxy.refuse(false);
      await expect.poll(() => alice.evaluate(() => (window as unknown as { outcomes: string[] }).outcomes), { timeout: 10_000 }).toEqual(['first:ok', 'second:ok', 'third:ok']);
      await expect.poll(async () => (await received(bob, 'bob')).map((m) => m.body)).toEqual(['first', 'second', 'third']);
      await bob.waitForTimeout(1000);
      expect((await received(bob, 'bob')).map((m) => m.body)).toEqual(['first', 'second', 'third']);
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });

  test('logout rejects messages still waiting with InvalidStateError', async ({ openPage, sipServer }) => {
    const server: SipServer = await startSipServer(sipServer);
    try {
      const alice = await openPage();
      await login(alice, 'alice', server);
      await server.stop();
      await expect.poll(() => alice.evaluate(() => window.vx.clients.alice!.connectionState)).not.toBe('connected');
      const result = await alice.evaluate(async () => {
        const c = window.vx.clients.alice!;
        const pending = window.vx.attempt(() => c.sendMessage('bob', 'never'));
        await c.logout();
        return pending;
      });
      expect(result.error).toMatchObject({ name: 'InvalidStateError', code: 'invalid-state' });
    } finally {
      await server.stop();
    }
  });
});

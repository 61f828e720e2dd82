/**
 * The outbox survives a reload of the tab (#15, `persistOutbox`), against Kamailio and the dev
 * server: messages queued while Alice's link is down stay in her tab's sessionStorage across
 * `page.reload()`, and after the link is back and the new page logs in they reach Bob once each,
 * in order, with a `messagestatus` per message on the reloaded page.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startFaultProxy } from './harness/fault-proxy.mjs';

type Statuses = Array<{ id: string; status: string; to: string; body: string; restored: boolean; error?: { name: string } }>;

async function createAndLogin(page: Page, name: string, url: string, domain: string, password: string): Promise<void> {
  await page.evaluate(
    async ({ name, url, domain, password }) => {
      const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn' });
      const w = window as unknown as { statuses: unknown[] };
      w.statuses = [];
      client.on('messagestatus', (s) => w.statuses.push({ ...s, error: s.error && { name: s.error.name } }));
      await client.login(name, password);
    },
    { name, url, domain, password },
  );
}

function bodiesReceived(page: Page, name: string): Promise<string[]> {
  return page.evaluate((n) => window.vx.of(n, 'message').map((e) => (e.payload as { body: string }).body), name);
}

function voxlineStorage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => Object.fromEntries(Object.keys(sessionStorage).filter((k) => k.startsWith('voxline:')).map((k) => [k, sessionStorage.getItem(k)!])));
}

test.describe('outbox across a page reload', () => {
  test('messages queued while the link is down survive page.reload() and are delivered once each, in order, after login', async ({ openPage, sip }) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    try {
      const alice = await openPage();
      const bob = await openPage();
      await createAndLogin(alice, 'alice', proxy.url, sip.domain, sip.users.alice!);
      await createAndLogin(bob, 'bob', sip.url, sip.domain, sip.users.bob!);

      // The link goes down and stays down.
      proxy.refuse(true);
      proxy.reset();
      await expect.poll(() => alice.evaluate(() => window.vx.clients.alice!.connectionState)).not.toBe('connected');
      await alice.evaluate(() => {
        for (const body of ['first', 'second', 'third']) void window.vx.clients.alice!.sendMessage('bob', body, { id: `chat-${body}` }).catch(() => undefined);
      });
      const before = await voxlineStorage(alice);
      expect(Object.keys(before)).toHaveLength(1);
      const record = JSON.parse(Object.values(before)[0]!) as { v: number; entries: Array<{ id: string; body: string }> };
      expect(record.v).toBe(1);
      expect(record.entries.map((e) => `${e.id}:${e.body}`)).toEqual(['chat-first:first', 'chat-second:second', 'chat-third:third']);
      expect(JSON.stringify(before)).not.toContain(sip.users.alice!);

      await alice.reload();
      await alice.waitForFunction(() => 'vx' in window);
      expect(await voxlineStorage(alice)).toEqual(before);

      // The link is back; the reloaded page logs in as it always does.
      proxy.refuse(false);
      await createAndLogin(alice, 'alice', proxy.url, sip.domain, sip.users.alice!);

      await expect.poll(() => bodiesReceived(bob, 'bob'), { timeout: 10_000 }).toEqual(['first', 'second', 'third']);
      await expect
        // Sent in order, up to 16 at a time: the answers (hence the statuses) may come in any order.
        .poll(() => alice.evaluate(() => (window as unknown as { statuses: Statuses }).statuses.map((s) => `${s.id}:${s.status}:${s.to}:${s.restored}`).sort()), { timeout: 10_000 })
        .toEqual(['chat-first:delivered:bob:true', 'chat-second:delivered:bob:true', 'chat-third:delivered:bob:true']);
      await expect.poll(() => voxlineStorage(alice)).toEqual({});
      // Exactly once: nothing more arrives.
      await bob.waitForTimeout(1500);
      expect(await bodiesReceived(bob, 'bob')).toEqual(['first', 'second', 'third']);
      expect(await alice.evaluate(() => (window as unknown as { statuses: Statuses }).statuses.length)).toBe(3);
      expect(await alice.evaluate(() => window.vx.pageErrors)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  test('with persistOutbox: false, nothing is kept in sessionStorage (the same steps with the default keep the message)', async ({ openPage, sip }) => {
    const alice = await openPage();
    const stored = await alice.evaluate(
      async ({ url, domain, users }) => {
        const keys = (): string[] => Object.keys(sessionStorage).filter((k) => k.startsWith('voxline:'));
        const result: Record<string, string[]> = {};
        for (const [name, persistOutbox] of [['alice', false], ['bob', true]] as const) {
          const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn', persistOutbox });
          await client.login(name, users[name]!);
          void client.sendMessage('nobody-at-all', 'x').catch(() => undefined);
          window.dispatchEvent(new PageTransitionEvent('pagehide'));
          result[name] = keys();
          client.destroy();
        }
        return result;
      },
      { url: sip.url, domain: sip.domain, users: sip.users },
    );
    expect(stored.alice).toEqual([]);
    expect(stored.bob).toEqual([expect.stringMatching(/^voxline:outbox:bob@/)]);
  });
});

/**
 * The demo softphone in shared mode (its default; `?shared=0` turns it off; #16 stage 4), driven
 * through its UI: two tabs of one browser context signed in as alice share one WebSocket
 * (counted at a loopback fault proxy) and say so in the status panel ("Shared across 2 tabs"); a
 * chat message from bob reaches both; closing a tab lowers the count; signing out in one tab shows
 * the sign-in form, with a note, in the other. A call from bob rings in both tabs; the one that
 * answers has the audio, the other says it was answered in another tab.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { DESKTOP, fillLogin, screenshot, useDemoSite, type DemoPage, type DemoServer } from './demo-page';
import { startFaultProxy } from './harness/fault-proxy.mjs';

const demo = useDemoSite();
const OPTIONS = { viewport: DESKTOP, reducedMotion: true };
const SIGNED_OUT_NOTE = 'You were signed out in another tab.';

/** Another tab of `first`'s browser context on the same page, signed in as `user` through the form. */
async function anotherTab(first: DemoPage, sip: DemoServer, user: string): Promise<DemoPage> {
  const page = await first.page.context().newPage();
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(first.page.url());
  await fillLogin(page, user, sip.users[user]!);
  await expect(page.locator('#badge-text')).toHaveText('Connected');
  return { page, errors };
}

const indicator = (page: Page) => page.locator('#shared-tabs');

/** bob (a plain tab of his own) sends `text` to alice from the chat. */
async function bobSends(bob: Page, text: string): Promise<void> {
  await bob.getByLabel('Start a conversation with').fill('alice');
  await bob.getByLabel('Start a conversation with').press('Enter');
  await bob.getByLabel('Message', { exact: true }).fill(text);
  await bob.getByLabel('Message', { exact: true }).press('Enter');
  await expect(bob.locator('#thread .message.out')).toHaveAttribute('data-status', 'delivered');
}

test.describe('demo softphone in shared mode', () => {
  test('two tabs: one WebSocket, "Shared across 2 tabs" in both, a message from bob in both; one closed → 1; sign out in one → the other shows the sign-in form with a note', async ({ browser, sip }, testInfo) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    try {
      const server = { ...sip, url: proxy.url };
      const first = await demo.signIn(browser, server, 'alice', OPTIONS);
      const second = await anotherTab(first, server, 'alice');
      for (const { page } of [first, second]) {
        await expect(indicator(page)).toBeVisible();
        await expect(indicator(page)).toHaveText('Shared across 2 tabs');
      }
      expect(proxy.connections).toBe(1);
      await screenshot(first.page, testInfo, 'demo-shared-tabs');

      // The indicator is text in a live region, and passes axe (contrast included).
      await expect(indicator(first.page)).toHaveAttribute('role', 'status');
      const axe = await new AxeBuilder({ page: first.page }).include('#shared-tabs').analyze();
      expect(axe.violations.map((v) => `${v.id} (${v.impact})`)).toEqual([]);

      const bob = await demo.signIn(browser, sip, 'bob', { viewport: DESKTOP });
      await bobSends(bob.page, 'Hello, both of your tabs');
      for (const { page } of [first, second]) {
        const conversation = page.locator('#conversations button[data-contact="bob"]');
        await expect(conversation.locator('.unread')).toHaveText('1');
        await conversation.click();
        await expect(page.locator('#thread .message.in .bubble')).toHaveText(['Hello, both of your tabs']);
      }
      expect(proxy.connections).toBe(1);

      await second.page.close();
      await expect(indicator(first.page)).toHaveText('Shared across 1 tab');
      expect(proxy.connections).toBe(1);
      await expect(first.page.locator('#badge-text')).toHaveText('Connected');

      const third = await anotherTab(first, server, 'alice');
      await expect(indicator(first.page)).toHaveText('Shared across 2 tabs');
      await expect(indicator(third.page)).toHaveText('Shared across 2 tabs');
      expect(proxy.connections).toBe(1);

      await third.page.getByRole('button', { name: 'Sign out' }).click();
      for (const { page } of [first, third]) {
        await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
        await expect(page.locator('#app')).toBeHidden();
      }
      await expect(first.page.locator('#login-note')).toHaveText(SIGNED_OUT_NOTE);
      await expect(first.page.getByRole('status').filter({ hasText: SIGNED_OUT_NOTE })).toBeVisible();
      await expect(third.page.locator('#login-note')).toHaveText('');
      await expect.poll(() => proxy.connections).toBe(0);
      await screenshot(first.page, testInfo, 'demo-shared-signed-out');
      const axeNote = await new AxeBuilder({ page: first.page }).include('#login-note').analyze();
      expect(axeNote.violations.map((v) => `${v.id} (${v.impact})`)).toEqual([]);

      // Signing in again clears the note; the tab is alone on its link.
      await fillLogin(first.page, 'alice', sip.users.alice!);
      await expect(first.page.locator('#badge-text')).toHaveText('Connected');
      await expect(indicator(first.page)).toHaveText('Shared across 1 tab');
      await expect(first.page.locator('#login-note')).toHaveText('');
      expect(proxy.connections).toBe(1);

      for (const tab of [first, second, third, bob]) expect(tab.errors).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  test('a call from bob rings in both tabs; answered in the second: audio there, "answered in another tab" in the first, not a missed call; hung up from bob', async ({ browser, sip }) => {
    const first = await demo.signIn(browser, sip, 'alice', OPTIONS);
    const second = await anotherTab(first, sip, 'alice');
    const bob = await demo.signIn(browser, sip, 'bob', { viewport: DESKTOP });
    await bob.page.getByLabel('Who to call').fill('alice');
    await bob.page.getByRole('button', { name: 'Call', exact: true }).click();
    for (const { page } of [first, second]) await expect(page.getByRole('alertdialog').locator('#incoming-name')).toHaveText('bob');
    await second.page.getByRole('alertdialog').getByRole('button', { name: 'Answer' }).click();
    for (const { page } of [second, bob]) await expect(page.locator('#call-status')).toHaveText('On call');
    await expect(first.page.getByRole('alertdialog')).toBeHidden();
    await expect(first.page.locator('.toast').filter({ hasText: 'Call from bob answered in another tab.' })).toBeVisible();
    await expect(first.page.locator('.toast').filter({ hasText: 'Missed call' })).toHaveCount(0);
    // Audio both ways between bob and the answering tab (the meters read the calls' own stats).
    await expect.poll(() => second.page.locator('#remote-level').getAttribute('data-level').then(Number), { timeout: 6000 }).toBeGreaterThan(0);
    await expect.poll(() => bob.page.locator('#remote-level').getAttribute('data-level').then(Number), { timeout: 6000 }).toBeGreaterThan(0);
    await bob.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(second.page.locator('#call-status')).toHaveText('bob hung up');
    for (const tab of [first, second, bob]) expect(tab.errors).toEqual([]);
  });

  test('?shared=0: no indicator, each tab opens its own link', async ({ browser, sip }) => {
    const proxy = await startFaultProxy({ targetPort: sip.port });
    try {
      const server = { ...sip, url: proxy.url };
      const first = await demo.signIn(browser, server, 'alice', { viewport: DESKTOP, search: 'shared=0' });
      const second = await anotherTab(first, server, 'alice');
      expect(proxy.connections).toBe(2);
      for (const tab of [first, second]) {
        await expect(indicator(tab.page)).toBeHidden();
        await tab.page.getByRole('button', { name: 'Sign out' }).click();
        await expect(tab.page.getByRole('button', { name: 'Sign in' })).toBeVisible();
        expect(tab.errors).toEqual([]);
      }
    } finally {
      await proxy.stop();
    }
  });
});

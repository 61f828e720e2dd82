/**
 * The demo's chat across a reload of the tab (#15, `persistOutbox`), driven through its UI: a
 * message typed while the link is down is still delivered after the page is reloaded and the user
 * signs in again, and the reloaded page shows it in its conversation with the delivered tick.
 */
import { test, expect } from './fixtures';
import { DESKTOP, fillLogin, useDemoSite } from './demo-page';
import { startFaultProxy } from './harness/fault-proxy.mjs';

/** Chromium's own line for a WebSocket that cannot connect (expected while the link is down). */
const EXPECTED_WHILE_DOWN = /WebSocket connection to '.*' failed|ERR_CONNECTION_(REFUSED|RESET)/;

const demo = useDemoSite();

test('demo: a message typed while offline is delivered after a reload and sign-in, and shown with its tick', async ({ browser, sip }) => {
  const proxy = await startFaultProxy({ targetPort: sip.port });
  try {
    const alice = await demo.signIn(browser, { ...sip, url: proxy.url }, 'alice', { viewport: DESKTOP });
    const bob = await demo.signIn(browser, sip, 'bob', { viewport: DESKTOP });

    proxy.refuse(true);
    proxy.reset();
    await expect(alice.page.locator('#badge')).not.toHaveAttribute('data-state', 'connected');
    await alice.page.getByLabel('Start a conversation with').fill('bob');
    await alice.page.getByLabel('Start a conversation with').press('Enter');
    await alice.page.getByLabel('Message', { exact: true }).fill('Sent while offline ✈');
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    await expect(alice.page.locator('#thread .message.out')).toHaveAttribute('data-status', 'queued');

    await alice.page.reload();
    await expect(alice.page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    proxy.refuse(false);
    await fillLogin(alice.page, 'alice', sip.users.alice!);
    await expect(alice.page.locator('#badge')).toHaveAttribute('data-state', 'connected');

    const conversation = alice.page.locator('#conversations button[data-contact="bob"]');
    await expect(conversation).toBeVisible({ timeout: 10_000 });
    await conversation.click();
    const shown = alice.page.locator('#thread .message.out');
    await expect(shown.locator('.bubble')).toHaveText(['Sent while offline ✈']);
    await expect(shown).toHaveAttribute('data-status', 'delivered');

    await bob.page.locator('#conversations button[data-contact="alice"]').click();
    await expect(bob.page.locator('#thread .message.in .bubble')).toHaveText(['Sent while offline ✈']);
    await bob.page.waitForTimeout(1000);
    await expect(bob.page.locator('#thread .message.in .bubble')).toHaveText(['Sent while offline ✈']);
    expect(alice.errors.filter((line) => !EXPECTED_WHILE_DOWN.test(line))).toEqual([]);
    expect(bob.errors).toEqual([]);
  } finally {
    await proxy.stop();
  }
});

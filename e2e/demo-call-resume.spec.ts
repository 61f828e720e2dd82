/**
 * The demo's call across a reload of the tab (#15, `resumeCalls`), through its UI: Alice calls
 * Bob, talks for a few seconds, reloads her page and signs in again; the call view is back (the
 * `callresumed` event) with the timer going on from the original answer, and Bob's call never
 * ended. Then Alice hangs up from the resumed call view.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { DESKTOP, fillLogin, useDemoSite } from './demo-page';

const demo = useDemoSite();

/** `m:ss` → seconds. */
async function timerSeconds(page: Page): Promise<number> {
  const text = (await page.locator('#call-timer').textContent()) ?? '';
  const match = /^(\d+):(\d\d)$/.exec(text.trim());
  if (!match) throw new Error(`call timer shows "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

test('demo: a call goes on after a reload and sign-in, its timer counting from the original answer', async ({ browser, sip }) => {
  const alice = await demo.signIn(browser, sip, 'alice', { viewport: DESKTOP });
  const bob = await demo.signIn(browser, sip, 'bob', { viewport: DESKTOP });
  await alice.page.getByLabel('Who to call').fill('bob');
  await alice.page.getByRole('button', { name: 'Call', exact: true }).click();
  const incoming = bob.page.getByRole('alertdialog');
  await incoming.getByRole('button', { name: 'Answer' }).click();
  for (const { page } of [alice, bob]) await expect(page.locator('#call-status')).toHaveText('On call');
  await expect.poll(() => timerSeconds(alice.page), { timeout: 6000 }).toBeGreaterThanOrEqual(3);

  await alice.page.reload();
  await expect(alice.page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await fillLogin(alice.page, 'alice', sip.users.alice!);
  await expect(alice.page.locator('#call-status')).toHaveText('On call', { timeout: 10_000 });
  await expect(alice.page.locator('#call-name')).toHaveText('bob');
  // The timer goes on from the answer before the reload, not from 0:00.
  expect(await timerSeconds(alice.page)).toBeGreaterThanOrEqual(3);
  const [a, b] = [await timerSeconds(alice.page), await timerSeconds(bob.page)];
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
  await expect(bob.page.locator('#call-status')).toHaveText('On call');

  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(bob.page.locator('#call-status')).toHaveText('alice hung up');
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
});

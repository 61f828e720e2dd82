/**
 * The demo softphone (demo/, built into dist-demo/ by `npm run build:demo`), driven only through
 * its UI as a user would: two browsers sign in, call each other, use the in-call controls and
 * chat; the SIP server is restarted under a signed-in page. The page is served with the same
 * Content-Security-Policy header as `npm start`, so any inline script or style would show up as
 * a console error, and every test fails on console errors. Warning chips, device pickers and
 * "Test my setup": demo-media.spec.ts; shared helpers: demo-page.ts.
 */
import type { Browser, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { CSP, DESKTOP, PHONE, fillLogin, root, screenshot as shot, useDemoSite, type DemoPage, type Viewport } from './demo-page';
import type { SipServer } from './harness/sip-servers.mjs';
import { startStaticServer } from './harness/static-server.mjs';

/** The same policy without `worker-src blob:`: the SDK's keep-alive worker is refused. */
const BARE_CSP = "default-src 'self'; connect-src ws: wss:";
/** Chromium's own line for a WebSocket that cannot connect (expected while the server is down). */
const EXPECTED_WHILE_DOWN = /WebSocket connection to '.*' failed|ERR_CONNECTION_REFUSED/;

const demo = useDemoSite();

function signIn(browser: Browser, sip: SipServer, user: string, displayName: string, viewport: Viewport = DESKTOP): Promise<DemoPage> {
  return demo.signIn(browser, sip, user, { viewport, displayName });
}

/** `m:ss` → seconds. */
async function timerSeconds(page: Page): Promise<number> {
  const text = (await page.locator('#call-timer').textContent()) ?? '';
  const match = /^(\d+):(\d\d)$/.exec(text.trim());
  if (!match) throw new Error(`call timer shows "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

test.describe('demo softphone', () => {
  test('two users: call with answer, timer, mute, hold and DTMF; chat with delivery ticks; markup shown as text', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', 'Alice Martin');
    const bob = await signIn(browser, sip, 'bob', 'Bob Stone', PHONE);
    await expect(bob.page.getByRole('tab', { name: 'Phone' })).toHaveAttribute('aria-selected', 'true');
    await shot(alice.page, testInfo, 'desktop-idle');
    await shot(bob.page, testInfo, 'phone-idle');

    // Alice dials bob on the dial pad's destination field; bob answers from the incoming panel.
    await alice.page.getByLabel('Who to call').fill('bob');
    await alice.page.getByRole('button', { name: 'Call', exact: true }).click();
    const incoming = bob.page.getByRole('alertdialog');
    await expect(incoming).toBeVisible();
    await expect(incoming.locator('#incoming-name')).toHaveText('Alice Martin');
    await expect(incoming).toHaveAttribute('data-ringtone', 'playing');
    await expect(alice.page.locator('#call-status')).toHaveText('Ringing…');
    // No early media from a browser callee: the phone plays its own ringback tone.
    await expect(alice.page.locator('#call-view')).toHaveAttribute('data-ringback', 'local');
    await expect(alice.page.locator('#call-view')).toHaveAttribute('data-tone', 'playing');
    await incoming.getByRole('button', { name: 'Answer' }).click();
    await expect(incoming).toBeHidden();
    for (const { page } of [alice, bob]) await expect(page.locator('#call-status')).toHaveText('On call');
    await expect(alice.page.locator('#call-name')).toHaveText('bob'); // the callee's display name is not signalled to the caller
    await expect(bob.page.locator('#call-name')).toHaveText('Alice Martin');

    // Both timers advance.
    const started = [await timerSeconds(alice.page), await timerSeconds(bob.page)];
    await expect.poll(() => timerSeconds(alice.page), { timeout: 5000 }).toBeGreaterThanOrEqual(started[0]! + 2);
    expect(await timerSeconds(bob.page)).toBeGreaterThanOrEqual(started[1]! + 2);

    // Mute and hold change the buttons and the status.
    const mute = alice.page.locator('#mute');
    await mute.click();
    await expect(mute).toHaveAttribute('aria-pressed', 'true');
    await expect(mute).toHaveAccessibleName('Unmute');
    await expect(alice.page.locator('#call-muted')).toBeVisible();
    await mute.click();
    await expect(mute).toHaveAttribute('aria-pressed', 'false');
    await expect(alice.page.locator('#call-muted')).toBeHidden();
    const hold = alice.page.locator('#hold');
    await hold.click();
    await expect(alice.page.locator('#call-status')).toHaveText('On hold');
    await expect(hold).toHaveAttribute('aria-pressed', 'true');
    await expect(hold).toHaveAccessibleName('Resume');
    await hold.click();
    await expect(alice.page.locator('#call-status')).toHaveText('On call');
    await expect(hold).toHaveAccessibleName('Hold');

    // DTMF from the in-call keypad reaches bob (SIP INFO, the demo's default).
    await alice.page.getByRole('button', { name: 'Keypad' }).click();
    const pad = alice.page.getByRole('group', { name: 'Send tones' });
    for (const key of ['1', '2', '#']) await pad.getByRole('button', { name: key, exact: true }).click();
    await expect(alice.page.locator('#dtmf-sent')).toHaveText('12#');
    await expect(bob.page.locator('#dtmf-received')).toHaveText('12#');
    await alice.page.getByRole('button', { name: 'Keypad' }).click();
    await expect(pad).toBeHidden();

    // The quality chart fills from getStats(), and the microphone meter moves (fake microphone beeps).
    await expect.poll(() => alice.page.locator('#quality-chart').getAttribute('data-samples').then(Number), { timeout: 8000 }).toBeGreaterThanOrEqual(4);
    await expect(alice.page.locator('.quality-tile.mos .quality-value')).toHaveText(/^[1-4]\.\d\d$/);
    await expect(alice.page.locator('#quality-grade')).not.toHaveText('Measuring…');
    await expect(alice.page.locator('.quality-tile.rttMs .sparkline-line')).toHaveAttribute('d', /^M[\d.]+ [\d.]+ L/);
    await expect(alice.page.locator('#quality-codec')).toHaveText('Codec opus');
    await expect.poll(() => alice.page.locator('#mic-level').getAttribute('data-level').then(Number), { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => bob.page.locator('#remote-level').getAttribute('data-level').then(Number), { timeout: 5000 }).toBeGreaterThan(0);
    await shot(alice.page, testInfo, 'desktop-call');
    await shot(bob.page, testInfo, 'phone-call');

    // Alice hangs up: both see why, then the dialer with the call in the recent list.
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(alice.page.locator('#call-status')).toHaveText('Call ended');
    await expect(bob.page.locator('#call-status')).toHaveText('Alice Martin hung up');
    for (const { page } of [alice, bob]) await expect(page.locator('#dialer')).toBeVisible();
    await expect(alice.page.locator('#recents li')).toHaveCount(1);
    await expect(alice.page.locator('#recents .recent-name')).toHaveText('bob');
    await expect(alice.page.locator('#recents .recent-detail')).toHaveText(/Outgoing · \d+:\d\d/);
    await expect(bob.page.locator('#recents .recent-detail')).toHaveText(/Incoming · \d+:\d\d/);

    // Chat: alice starts a conversation; bob (phone layout) sees an unread count on the tab.
    const hello = 'Grüße Bob 👋 — 你好, see you at 10?';
    await alice.page.getByLabel('Start a conversation with').fill('bob');
    await alice.page.getByLabel('Start a conversation with').press('Enter');
    await expect(alice.page.locator('#thread-title')).toHaveText('bob');
    await expect(alice.page.getByLabel('Start a conversation with')).toHaveValue('');
    await alice.page.getByLabel('Message', { exact: true }).fill(hello);
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    const sent = alice.page.locator('#thread .message.out');
    await expect(sent).toHaveCount(1);
    await expect(sent.locator('.bubble')).toHaveText(hello);
    await expect(sent).toHaveAttribute('data-status', 'delivered');
    await expect(sent.getByRole('img', { name: 'Delivered' })).toHaveText('✓✓');
    await expect(alice.page.getByLabel('Message', { exact: true })).toHaveValue('');

    await expect(bob.page.locator('#tab-unread')).toHaveText('1');
    await bob.page.getByRole('tab', { name: /Messages/ }).click();
    const fromAlice = bob.page.locator('#conversations button[data-contact="alice"]');
    await expect(fromAlice.locator('.conversation-name')).toHaveText('Alice Martin');
    await expect(fromAlice.locator('.unread')).toHaveText('1');
    await fromAlice.click();
    await expect(bob.page.locator('#thread .message.in .bubble')).toHaveText([hello]);
    await expect(bob.page.locator('#tab-unread')).toBeHidden();

    // Bob answers with markup and a very long link: both stay text, and nothing overflows a phone screen.
    const markup = '<img src=x onerror=alert(1)>';
    const long = `Notes from today: https://voxline.example/${'meeting-notes-'.repeat(24)}end`;
    for (const text of [markup, long]) {
      await bob.page.getByLabel('Message', { exact: true }).fill(text);
      await bob.page.getByRole('button', { name: 'Send' }).click();
    }
    await expect(bob.page.locator('#thread .message.out')).toHaveCount(2);
    await expect(bob.page.locator('#thread .message.out[data-status="delivered"]')).toHaveCount(2);
    await expect(alice.page.locator('#thread .message.in .bubble')).toHaveText([markup, long]);
    await expect(alice.page.locator('#thread-title')).toHaveText('Bob Stone'); // his display name arrived with his messages
    await expect(alice.page.locator('#conversations .unread')).toHaveCount(0);
    for (const { page } of [alice, bob]) {
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    // A message to a user who does not exist fails visibly, with the reason and a Retry button.
    await alice.page.getByLabel('Start a conversation with').fill('nobody-here');
    await alice.page.getByLabel('Start a conversation with').press('Enter');
    await alice.page.getByLabel('Message', { exact: true }).fill('hello?');
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    const failed = alice.page.locator('#thread .message.out');
    await expect(failed).toHaveAttribute('data-status', 'failed');
    await expect(failed.getByRole('img', { name: 'Not delivered' })).toBeVisible();
    await expect(failed.locator('.message-error')).toHaveText('Not delivered: No such user.');
    await expect(failed.getByRole('button', { name: 'Retry' })).toBeVisible();
    await alice.page.locator('#conversations button[data-contact="bob"]').click();
    await expect(alice.page.locator('#thread-title')).toHaveText('Bob Stone');

    // A last exchange, so the screenshots end on an ordinary conversation.
    await alice.page.getByLabel('Message', { exact: true }).fill('Nice try. Call you back in five minutes?');
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    await expect(bob.page.locator('#thread .message.in .bubble').last()).toHaveText('Nice try. Call you back in five minutes?');
    await bob.page.getByLabel('Message', { exact: true }).fill('Sure, talk soon — Привет from the train ✓');
    await bob.page.getByLabel('Message', { exact: true }).press('Enter');
    await expect(alice.page.locator('#thread .message.in .bubble').last()).toHaveText('Sure, talk soon — Привет from the train ✓');
    await expect(alice.page.locator('#thread .message.out').last()).toHaveAttribute('data-status', 'delivered');
    await shot(alice.page, testInfo, 'desktop-chat');
    await shot(bob.page, testInfo, 'phone-chat');

    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('blind transfer: alice sends bob to carol; bob\'s phone follows to the new call, carol answers', async ({ browser, sip }) => {
    const alice = await signIn(browser, sip, 'alice', 'Alice');
    const bob = await signIn(browser, sip, 'bob', 'Bob', PHONE);
    const carol = await signIn(browser, sip, 'carol', 'Carol');
    await alice.page.getByLabel('Who to call').fill('bob');
    await alice.page.getByLabel('Who to call').press('Enter');
    await bob.page.getByRole('alertdialog').getByRole('button', { name: 'Answer' }).click();
    await expect(alice.page.locator('#call-status')).toHaveText('On call');

    await alice.page.getByRole('button', { name: 'Transfer' }).click();
    await alice.page.getByLabel('Transfer this call to').fill('carol');
    await alice.page.locator('#transfer-form').getByRole('button', { name: 'Transfer' }).click();
    await expect(alice.page.locator('.toast.success')).toHaveText('bob was transferred to carol.');
    await expect(alice.page.locator('#call-status')).toHaveText('Call ended');
    await expect(bob.page.locator('.toast').first()).toHaveText('Alice transferred you to carol.');
    await expect(bob.page.locator('#call-name')).toHaveText('carol');

    const incoming = carol.page.getByRole('alertdialog');
    await expect(incoming.locator('#incoming-name')).toHaveText('Bob');
    await incoming.getByRole('button', { name: 'Answer' }).click();
    for (const { page } of [bob, carol]) await expect(page.locator('#call-status')).toHaveText('On call');
    await expect(bob.page.locator('#call-timer')).toHaveAttribute('data-running', 'true');
    await bob.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(carol.page.locator('#call-status')).toHaveText('Bob hung up');
    await expect(bob.page.locator('#recents .recent-name')).toHaveText(['carol', 'alice']);
    for (const page of [alice, bob, carol]) expect(page.errors).toEqual([]);
  });

  test('SIP server restart: the badge goes red, amber with attempts, then green, once each; the timeline shows both changes', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', 'Alice');
    const badge = alice.page.locator('#badge');
    const badgeText = alice.page.locator('#badge-text');
    // Record every badge state the page shows, even ones that last less than a frame.
    await alice.page.evaluate(() => {
      const node = document.getElementById('badge')!;
      const seen = [node.dataset.state ?? ''];
      (window as unknown as { badgeStates: string[] }).badgeStates = seen;
      new MutationObserver((records) => {
        records.forEach((_record, i) => {
          const value = i + 1 < records.length ? records[i + 1]!.oldValue : (node.dataset.state ?? null);
          if (value && seen[seen.length - 1] !== value) seen.push(value);
        });
      }).observe(node, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
    });
    const states = () => alice.page.evaluate(() => (window as unknown as { badgeStates: string[] }).badgeStates);

    await sip.stop();
    try {
      await expect(badge).toHaveAttribute('data-state', 'reconnecting');
      await expect(badgeText).toHaveText(/^Reconnecting · attempt (?:[2-9]|\d{2,}) · (in \d+ s|now)$/, { timeout: 8000 });
    await shot(alice.page, testInfo, 'desktop-reconnecting');
    await alice.page.setViewportSize(PHONE); // the same page on a phone: the badge gets a row of its own
    await shot(alice.page, testInfo, 'phone-reconnecting');
    await alice.page.setViewportSize(DESKTOP);
      await expect(alice.page.locator('#connection-detail')).toHaveText(/^Connection lost: .+\. Retrying ws:\/\//);
      await expect(alice.page.locator('#timeline .timeline-label')).toHaveText(['Disconnected', 'Connected']);
    } finally {
      await sip.start(); // the server is shared by the worker's other tests: always bring it back
    }
    await expect(badge).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
    await expect(badgeText).toHaveText('Connected');
    await expect(alice.page.locator('#timeline .timeline-label')).toHaveText(['Reconnected', 'Disconnected', 'Connected']);
    await expect(alice.page.locator('#timeline .timeline-detail').first()).toHaveText(/^after \d+(\.\d)? (ms|s) down · ws:\/\//);
    await expect(alice.page.locator('#timeline time')).toHaveText([/\d\d:\d\d:\d\d/, /\d\d:\d\d:\d\d/, /\d\d:\d\d:\d\d/]);
    await alice.page.waitForTimeout(1500);
    expect(await states()).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    await expect(alice.page.locator('#timeline li')).toHaveCount(3);
    expect(alice.errors.filter((line) => !EXPECTED_WHILE_DOWN.test(line))).toEqual([]);
  });

  test('sign-in: wrong password is explained; the form remembers everything but the password unless asked', async ({ browser, sip }, testInfo) => {
    const { page, errors } = await demo.open(browser, sip, { viewport: PHONE });
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(CSP);
    await fillLogin(page, 'carol', 'not-her-password', 'Carol');
    await expect(page.locator('#login-error')).toHaveText('Wrong user name or password.');
    await shot(page, testInfo, 'phone-login-error');
    await expect(page.locator('#app')).toBeHidden();

    const password = sip.users.carol!;
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#badge-text')).toHaveText('Connected');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('User', { exact: true })).toHaveValue('carol');
    await expect(page.getByRole('textbox', { name: /^Display name/ })).toHaveValue('Carol');
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(password);

    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Remember password on this device').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#badge-text')).toHaveText('Connected');
    // The form is saved once login() resolves (registered), which comes after the link is up.
    await expect(page.locator('#app')).toBeVisible();
    await expect.poll(() => page.evaluate(() => JSON.stringify(localStorage))).toContain(password);
    await page.reload();
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue(password);
    await expect(page.getByLabel('Remember password on this device')).toBeChecked();
    expect(errors).toEqual([]);
  });

  test('under the bare CSP (no worker-src) the page still signs in and reconnects; the keep-alive worker is refused once per page, not once per link', async ({ browser, sip }) => {
    const bare = await startStaticServer({ root, allow: ['dist-demo'], headers: { 'content-security-policy': BARE_CSP } });
    try {
      // In-page mode (?shared=0): its keep-alive timer would run in a Blob worker. (In shared mode the
      // same-origin SharedWorker is allowed by default-src 'self' and times the keep-alive itself.)
      const { page, errors } = await demo.open(browser, sip, { viewport: DESKTOP, site: bare.url, csp: BARE_CSP, search: 'shared=0' });
      await fillLogin(page, 'dave', sip.users.dave!, 'Dave');
      await expect(page.locator('#badge')).toHaveAttribute('data-state', 'connected');
      await expect(page.locator('#about-identity')).toHaveText(`sip:dave@${sip.domain}`);
      // A new link after a server restart starts a new keep-alive: it must not try the Worker again.
      await sip.stop();
      try {
        await expect(page.locator('#badge')).not.toHaveAttribute('data-state', 'connected');
      } finally {
        await sip.start(); // shared by the worker's other tests: always bring it back
      }
      await expect(page.locator('#badge')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
      // The SDK falls back to main-thread timers; Chromium reports the refused Blob worker once.
      const refused = errors.filter((line) => /^Creating a worker from 'blob:.*'worker-src' was not explicitly set/.test(line));
      expect(refused).toHaveLength(1);
      expect(errors.filter((line) => !refused.includes(line) && !EXPECTED_WHILE_DOWN.test(line))).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});

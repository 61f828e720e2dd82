/**
 * The demo softphone (demo/, built into dist-demo/ by `npm run build:demo`), driven only through
 * its UI as a user would: two browsers sign in, call each other, use the in-call controls and
 * chat; the SIP server is restarted under a signed-in page; quality warning chips appear and
 * clear, the device pickers switch a live call's microphone and speaker, and "Test my setup"
 * reports on the setup. The page is served with the same Content-Security-Policy header as
 * `npm start`, so any inline script or style would show up as a console error, and every test
 * fails on console errors. Shared helpers: demo-page.ts.
 */
import type { Browser, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { CSP, DESKTOP, PHONE, callAndAnswer, fillLogin, root, screenshot, useDemoSite, type DemoPage, type Viewport } from './demo-page';
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

const shot = screenshot;

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
      const { page, errors } = await demo.open(browser, sip, { viewport: DESKTOP, site: bare.url, csp: BARE_CSP });
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

/** Test instrumentation (an init script, so it must be self-contained): which tracks the page sends, where its AudioContext plays. */
function recordDeviceUse(): void {
  const use = { sentTracks: [] as string[], toneSinks: [] as string[] };
  (window as unknown as { deviceUse: typeof use }).deviceUse = use;
  const replaceTrack = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (track) {
    use.sentTracks.push(track?.label ?? '');
    return replaceTrack.call(this, track);
  };
  const setSinkId = (AudioContext.prototype as { setSinkId?: (id: string) => Promise<void> }).setSinkId;
  if (setSinkId) {
    (AudioContext.prototype as { setSinkId?: (id: string) => Promise<void> }).setSinkId = function (this: AudioContext, id: string) {
      use.toneSinks.push(id);
      return setSinkId.call(this, id);
    };
  }
}

const deviceUse = (page: Page): Promise<{ sentTracks: string[]; toneSinks: string[] }> => page.evaluate(() => (window as unknown as { deviceUse: { sentTracks: string[]; toneSinks: string[] } }).deviceUse);

/** The remote level meter moves again after `settleMs`: audio arrives now, not just before. */
async function expectHearing(page: Page, settleMs = 500): Promise<void> {
  await page.waitForTimeout(settleMs);
  await expect.poll(() => page.locator('#remote-level').getAttribute('data-level').then(Number), { timeout: 5000 }).toBeGreaterThan(0);
}

test.describe('demo: quality warnings, audio devices, setup check', () => {
  test('warning chips: the far end mutes → "Other side silent" on the listener (announced), cleared when it unmutes', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', 'Alice Martin');
    const bob = await signIn(browser, sip, 'bob', 'Bob Stone', PHONE);
    await callAndAnswer(alice.page, bob.page, 'bob');
    const silent = (page: Page) => page.locator('#call-warnings li[data-warning="no-inbound-audio"]');
    const chips = (page: Page) => page.locator('#call-warnings li');

    // Alice mutes: her packets carry silence, so bob's call raises no-inbound-audio within ~10 s.
    const mutedAt = Date.now();
    await alice.page.locator('#mute').click();
    await expect(silent(bob.page)).toHaveText('Other side silent', { timeout: 10_000 });
    const raisedAfterMs = Date.now() - mutedAt;
    await expect(chips(bob.page)).toHaveCount(1);
    await expect(bob.page.getByRole('list', { name: 'Call quality warnings' })).toBeVisible();
    await expect(bob.page.locator('#call-warnings-live')).toHaveText('Call quality warning: Other side silent');
    await expect(chips(alice.page)).toHaveCount(0); // her own mute is not a problem on her side
    await expect(alice.page.locator('#call-warnings')).toBeHidden();

    // Bob mutes too: now alice hears nothing either.
    await bob.page.locator('#mute').click();
    await expect(silent(alice.page)).toHaveText('Other side silent', { timeout: 10_000 });
    await shot(alice.page, testInfo, 'desktop-warning-chips');
    await shot(bob.page, testInfo, 'phone-warning-chips');

    // Alice unmutes: bob's chip goes (and says so), alice's stays while bob is still muted.
    const unmutedAt = Date.now();
    await alice.page.locator('#mute').click();
    await expect(chips(bob.page)).toHaveCount(0, { timeout: 12_000 });
    const clearedAfterMs = Date.now() - unmutedAt;
    await expect(bob.page.locator('#call-warnings')).toBeHidden();
    await expect(bob.page.locator('#call-warnings-live')).toHaveText('Resolved: Other side silent');
    await expect(silent(alice.page)).toHaveCount(1);
    await bob.page.locator('#mute').click();
    await expect(chips(alice.page)).toHaveCount(0, { timeout: 12_000 });
    await expect(alice.page.locator('#call-warnings-live')).toHaveText('Resolved: Other side silent');
    testInfo.annotations.push({ type: 'timing', description: `no-inbound-audio chip after ${raisedAfterMs} ms of silence, gone ${clearedAfterMs} ms after unmute` });

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(bob.page.locator('#call-status')).toHaveText('Alice Martin hung up');
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('device pickers via client.audio: fake devices listed; switching the microphone mid-call keeps audio flowing; speaker routes call and ringtone; an unplugged microphone falls back with a toast', async ({ browser, sip }, testInfo) => {
    const alice = await demo.signIn(browser, sip, 'alice', { viewport: DESKTOP, displayName: 'Alice Martin', initScript: recordDeviceUse });
    const bob = await signIn(browser, sip, 'bob', 'Bob Stone', PHONE);
    const mic = alice.page.getByRole('combobox', { name: 'Microphone' });
    const speaker = alice.page.getByRole('combobox', { name: 'Speaker' });
    // Chromium's fake devices (labels without a prompt: --use-fake-ui-for-media-stream).
    await expect(mic.locator('option')).toHaveText(['System default', 'Fake Audio Input 1', 'Fake Audio Input 2']);
    await expect(speaker.locator('option')).toHaveText(['System default', 'Fake Audio Output 1', 'Fake Audio Output 2']);
    await expect(mic).toHaveValue('');

    await callAndAnswer(alice.page, bob.page, 'bob');
    await expectHearing(bob.page, 0);

    // Switch the microphone mid-call: the SDK replaces the sent track; bob still hears alice.
    const input1 = (await mic.locator('option', { hasText: 'Fake Audio Input 1' }).getAttribute('value'))!;
    await mic.selectOption({ label: 'Fake Audio Input 1' });
    await expect.poll(async () => (await deviceUse(alice.page)).sentTracks.at(-1)).toBe('Fake Audio Input 1');
    await expectHearing(bob.page);
    await expect(alice.page.locator('#call-status')).toHaveText('On call');
    expect(await alice.page.evaluate(() => JSON.parse(localStorage.getItem('voxline-demo:audio') ?? '{}').microphoneId)).toBe(input1);

    // The speaker: the SDK's own <audio> element and the ringtone's AudioContext follow it.
    const output2 = (await speaker.locator('option', { hasText: 'Fake Audio Output 2' }).getAttribute('value'))!;
    await speaker.selectOption({ label: 'Fake Audio Output 2' });
    await expect.poll(() => alice.page.evaluate(() => (document.querySelector('audio[data-voxline]') as HTMLAudioElement & { sinkId: string }).sinkId)).toBe(output2);
    await expect.poll(async () => (await deviceUse(alice.page)).toneSinks.at(-1)).toBe(output2);
    expect(await alice.page.locator('audio').count()).toBe(1); // the SDK's element only: the page has none of its own
    await shot(alice.page, testInfo, 'desktop-devices');
    // Bob, who answered, switches his microphone on his phone's Status tab: alice still hears him.
    await bob.page.getByRole('tab', { name: 'Status' }).click();
    const bobMic = bob.page.getByRole('combobox', { name: 'Microphone' });
    await expect(bobMic.locator('option')).toHaveText(['System default', 'Fake Audio Input 1', 'Fake Audio Input 2']);
    await bobMic.selectOption({ label: 'Fake Audio Input 2' });
    await expectHearing(alice.page);
    await shot(bob.page, testInfo, 'phone-devices');
    await bob.page.getByRole('tab', { name: 'Phone' }).click();

    // Unplug "Fake Audio Input 1" (a stubbed device list): a toast names it, the picker and the call go back to the default.
    await alice.page.evaluate((id) => {
      const real = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
      navigator.mediaDevices.enumerateDevices = async () => (await real()).filter((d) => d.deviceId !== id);
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    }, input1);
    await expect(alice.page.locator('.toast')).toHaveText('“Fake Audio Input 1” was disconnected. Using the system default microphone.');
    await expect(mic).toHaveValue('');
    await expect(mic.locator('option')).toHaveText(['System default', 'Fake Audio Input 2']);
    await expect.poll(async () => (await deviceUse(alice.page)).sentTracks.at(-1)).toBe('Fake Default Audio Input');
    await expectHearing(bob.page);
    expect(await alice.page.evaluate(() => JSON.parse(localStorage.getItem('voxline-demo:audio') ?? '{}').microphoneId)).toBe('');
    await shot(alice.page, testInfo, 'desktop-device-lost');

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(bob.page.locator('#call-status')).toHaveText('Alice Martin hung up');
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('"Test my setup": a passing report step by step against the test server, then a failed sign-in step with a wrong password', async ({ browser, sip }, testInfo) => {
    for (const [layout, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const { page, errors } = await demo.open(browser, sip, { viewport });
      const check = page.getByRole('region', { name: 'Setup check' });
      const step = (name: string) => check.locator(`li[data-step="${name}"]`);
      await expect(check).toBeHidden();
      // Every status each step row goes through, in order, even those that last less than a frame.
      await page.evaluate(() => {
        const before: Record<string, string[]> = {};
        (window as unknown as { stepStatuses: () => Record<string, string[]> }).stepStatuses = () =>
          Object.fromEntries([...document.querySelectorAll<HTMLElement>('#setup-check-steps > li')].map((row) => [row.dataset.step!, [...(before[row.dataset.step!] ?? []), row.dataset.status!]]));
        new MutationObserver((records) => {
          for (const r of records) {
            const step = (r.target as HTMLElement).dataset.step;
            if (step) (before[step] ??= []).push(r.oldValue ?? '');
          }
        }).observe(document.getElementById('setup-check-steps')!, { subtree: true, attributes: true, attributeFilter: ['data-status'], attributeOldValue: true });
      });

      await page.getByLabel('User', { exact: true }).fill('alice');
      await page.getByLabel('Password', { exact: true }).fill(sip.users.alice!);
      await page.getByRole('button', { name: 'Test my setup' }).click();
      await expect(check).toBeVisible();
      await expect(page.locator('#setup-check-summary')).toHaveText('All checks passed (1 skipped). You are ready to call.', { timeout: 20_000 });
      await expect(check.locator('.check-title')).toHaveText(['Server connection', 'Sign-in', 'Microphone', 'Network (ICE)', 'Test call through TURN']);
      expect(await check.locator('li.check-step').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.status))).toEqual(['passed', 'passed', 'passed', 'passed', 'skipped']);
      await expect(step('signalling').getByRole('img')).toHaveAccessibleName('Passed');
      await expect(step('media').getByRole('img')).toHaveAccessibleName('Skipped');
      await expect(step('signalling').locator('.check-message')).toHaveText(new RegExp(`^Connected to ${sip.url.replace(/[/.]/g, '\\$&')} in \\d+ ms; round trip \\d+ ms\\.$`));
      await expect(step('signalling').locator('.check-figures li')).toHaveText([/^Connect \d+ ms$/, /^Round trip \d+ ms$/]);
      await expect(step('registration').locator('.check-message')).toHaveText(/^Registered as alice in \d+ ms \(and unregistered again\)\.$/);
      await expect(step('registration').locator('.check-figures li')).toHaveText([/^Register \d+ ms$/]);
      await expect(step('microphone').locator('.check-message')).toHaveText(/^Microphone "Fake Default Audio Input" works/);
      await expect(step('microphone').locator('.check-figures li')).toHaveText([/^Input level -\d+ dBFS$/]);
      await expect(step('ice').locator('.check-figures li').first()).toHaveText(/^[1-9]\d* host$/);
      await expect(step('media').locator('.check-message')).toHaveText(/TURN/);
      await expect(check.locator('.check-advice')).toHaveCount(0);
      // Step by step: each row waited, ran, then showed its result (media is skipped at once without TURN).
      const statuses = await page.evaluate(() => (window as unknown as { stepStatuses: () => Record<string, string[]> }).stepStatuses());
      const ran = ['waiting', 'running'];
      expect(statuses).toEqual({ signalling: [...ran, 'passed'], registration: [...ran, 'passed'], microphone: [...ran, 'passed'], ice: [...ran, 'passed'], media: [...ran, 'skipped'] });
      await expect(page.locator('#app')).toBeHidden(); // a check, not a sign-in
      await shot(page, testInfo, `${layout}-setup-check-passed`);

      await page.getByLabel('Password', { exact: true }).fill('not-her-password');
      await page.getByRole('button', { name: 'Test my setup' }).click();
      await expect(page.locator('#setup-check-summary')).toHaveText('1 check failed: Sign-in.', { timeout: 20_000 });
      await expect(step('signalling')).toHaveAttribute('data-status', 'passed');
      await expect(step('registration')).toHaveAttribute('data-status', 'failed');
      await expect(step('registration').getByRole('img')).toHaveAccessibleName('Failed');
      await expect(step('registration').locator('.check-message')).toHaveText(/^[A-Z].*\.$/); // the SDK's reason, as a sentence
      await expect(step('registration').locator('.check-advice')).toHaveText('What to do: Check your user name and password: passwords are case-sensitive.');
      await expect(check.locator('.check-advice')).toHaveCount(1);
      await expect(step('microphone')).toHaveAttribute('data-status', 'passed');
      await expect(page.getByRole('button', { name: 'Test my setup' })).toBeEnabled();
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
      await shot(page, testInfo, `${layout}-setup-check-failed`);
      expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(sip.users.alice!);
      expect(errors).toEqual([]);
    }
  });
});

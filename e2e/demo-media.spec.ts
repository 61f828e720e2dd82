/**
 * The demo softphone's call tools (issue #17 item 4), driven through its UI as in demo.spec.ts,
 * both projects, every test failing on console errors:
 * - quality warning chips: the far end mutes → "Other side silent" on the listener within ~10 s,
 *   announced in a live region, cleared after it unmutes;
 * - device pickers driven by `client.audio`: Chromium's fake devices listed, the microphone
 *   switched mid-call (the sent track is replaced, the other side still hears), the speaker
 *   routing the SDK's `<audio>` and the ringtone, an unplugged microphone falling back with a toast;
 * - "Test my setup": a passing report, step by step, and a failed sign-in step (wrong password).
 * Screenshots of each at 1280×800 and 360×740 go to e2e/screenshots/.
 */
import type { Browser, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { DESKTOP, PHONE, callAndAnswer, screenshot as shot, useDemoSite, type DemoPage, type Viewport } from './demo-page';
import type { SipServer } from './harness/sip-servers.mjs';

const demo = useDemoSite();

function signIn(browser: Browser, sip: SipServer, user: string, displayName: string, viewport: Viewport = DESKTOP): Promise<DemoPage> {
  return demo.signIn(browser, sip, user, { viewport, displayName });
}

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

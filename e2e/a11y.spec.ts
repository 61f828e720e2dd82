/**
 * Accessibility of the demo softphone (demo/, built into dist-demo/), issue #17 item 5.
 *
 * - axe-core finds no serious or critical violation, the page has its level-one heading and all
 *   of its content sits in landmarks: on the sign-in screen (with the advanced section open and a
 *   sign-in error shown) and in the signed-in app, desktop and phone layouts: every phone tab, an
 *   incoming call, a call in progress with the keypad and the transfer form open and an error
 *   toast, a failed call, the recent calls, a chat holding sent, received and failed messages,
 *   the "Test my setup" report (passing, and with a failed step), a call showing a quality
 *   warning chip with the device pickers in use, and the toast of an unplugged microphone. Besides axe's default rules (WCAG 2.x A/AA and best practices) the scan turns on
 *   `label-content-name-mismatch` (WCAG 2.5.3 label in name), which axe ships disabled as
 *   experimental.
 * - The phone works with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing; arrow keys in
 *   the tab bar, as the ARIA tabs pattern has it): sign in, dial an extension on the dial pad, call,
 *   answer on the other page, mute, hang up, open a chat and send with Enter. Every control the
 *   focus lands on shows a focus indicator (an outline or a box-shadow ring of 2 px or more; the
 *   number field's accent underline).
 *
 * Each scan's violations, by rule, go into the test's attachments (`axe-<label>`) and, with
 * VOXLINE_A11Y_REPORT=1, to stdout as one `a11y:` line per scan.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Locator, Page, TestInfo } from '@playwright/test';
import { test, expect } from './fixtures';
import { DESKTOP, PHONE, callAndAnswer, screenshot, useDemoSite, type DemoPage, type Viewport } from './demo-page';
import { startSipServer, type SipServer } from './harness/sip-servers.mjs';

/** Impacts that fail a scan; two moderate rules fail it too: no level-one heading, content outside landmarks. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);
const ALSO_BLOCKING = new Set(['page-has-heading-one', 'region']);

const demo = useDemoSite();

/** Reduced motion: the fade-in animations end at once, so axe never measures a half-faded colour. */
function openDemo(browser: Browser, sip: SipServer, viewport: Viewport): Promise<DemoPage> {
  return demo.open(browser, sip, { viewport, reducedMotion: true });
}

function signIn(browser: Browser, sip: SipServer, user: string, viewport: Viewport): Promise<DemoPage> {
  return demo.signIn(browser, sip, user, { viewport, reducedMotion: true });
}

/** One axe violation, reduced to what a report needs. */
interface Finding {
  rule: string;
  impact: string;
  targets: string[];
}

/** " (#8b95a8 on #ffffff, 2.9:1)" for a colour-contrast finding; "" for any other. */
function contrastOf(data: unknown): string {
  const d = data as { fgColor?: string; bgColor?: string; contrastRatio?: number } | null | undefined;
  return d?.fgColor && d.bgColor ? ` (${d.fgColor} on ${d.bgColor}, ${d.contrastRatio}:1)` : '';
}

/**
 * Runs axe on the page as it is now; attaches the findings as `axe-<label>` and fails the test on
 * any blocking one (listed with its rule, impact and elements, so the failure says what to fix).
 */
async function scan(page: Page, testInfo: TestInfo, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).options({ rules: { 'label-content-name-mismatch': { enabled: true } } }).analyze();
  const findings: Finding[] = results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact ?? 'unknown',
    targets: v.nodes.map((node) => `${node.target.join(' ')}${contrastOf(node.any[0]?.data)}`),
  }));
  await testInfo.attach(`axe-${label}`, { body: JSON.stringify(findings, null, 2), contentType: 'application/json' });
  if (process.env.VOXLINE_A11Y_REPORT) {
    const counts = findings.map((f) => `${f.rule}(${f.impact})=${f.targets.length}`).join(' ');
    console.log(`a11y: ${testInfo.project.name} ${label}: ${counts || 'none'}`);
  }
  const blocking = findings.filter((f) => BLOCKING_IMPACTS.has(f.impact) || ALSO_BLOCKING.has(f.rule));
  expect.soft(blocking.map((f) => `${f.rule} (${f.impact}): ${f.targets.join(', ')}`), `axe on ${label}`).toEqual([]);
  // The scan itself ran: it checked colour contrast and button names on this screen.
  expect(results.passes.map((p) => p.id)).toEqual(expect.arrayContaining(['color-contrast', 'button-name']));
}

/** The focused element, named for messages, and the focus indicator it shows (null: none). */
async function focusState(page: Page): Promise<{ who: string; ring: string | null }> {
  return page.evaluate(async () => {
    // Two frames: a focus style with a transition has finished it (reduced motion: 0.01 ms).
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { who: 'body', ring: null };
    const who = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('aria-label') ? `[${el.getAttribute('aria-label')}]` : ''}`;
    if (!el.matches(':focus-visible')) return { who, ring: null };
    const own = getComputedStyle(el);
    if (own.outlineStyle !== 'none' && parseFloat(own.outlineWidth) >= 2 && own.outlineColor !== 'rgba(0, 0, 0, 0)') {
      return { who, ring: `outline ${own.outlineWidth} ${own.outlineStyle} ${own.outlineColor}` };
    }
    // A ring drawn as a box-shadow: no offset, no blur, a spread of 2 px or more.
    const ring = /(rgba?\([^)]*\)) 0px 0px 0px ([2-9]|\d\d)px/.exec(own.boxShadow);
    if (ring) return { who, ring: `box-shadow ring ${ring[2]}px ${ring[1]}` };
    // The destination field is an underline that turns to the accent colour while focused.
    const underline = el.closest('.destination');
    if (underline) {
      const style = getComputedStyle(underline);
      if (parseFloat(style.borderBottomWidth) >= 2 && style.borderBottomColor === 'rgb(90, 85, 240)') return { who, ring: `underline ${style.borderBottomColor}` };
    }
    return { who, ring: null };
  });
}

/** Expects `target` to have the keyboard focus, with a visible focus indicator. */
async function expectFocusRing(page: Page, target: Locator): Promise<void> {
  await expect(target).toBeFocused();
  const { who, ring } = await focusState(page);
  expect(ring, `focus indicator on ${who}`).not.toBeNull();
}

/**
 * Presses Tab (Shift+Tab with `back`) until `target` has the focus, at most `max` times; every
 * control the focus stops on must show a focus indicator. Returns the number of presses.
 */
async function tabTo(page: Page, target: Locator, { back = false, max = 40 } = {}): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const { who, ring } = await focusState(page);
    if (who !== 'body') expect(ring, `focus indicator on ${who}`).not.toBeNull();
    if (await target.evaluate((el) => el === document.activeElement)) return presses;
  }
  throw new Error(`${String(target)} not reached with ${max} × ${back ? 'Shift+Tab' : 'Tab'}`);
}

/** Signs in with the keyboard only: the form focuses the user field, Tab moves on, Enter submits. */
async function keyboardSignIn(page: Page, user: string, password: string, displayName: string): Promise<void> {
  await expectFocusRing(page, page.getByLabel('User', { exact: true }));
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await expectFocusRing(page, page.getByLabel('Password', { exact: true }));
  await page.keyboard.type(password);
  await page.keyboard.press('Tab');
  await expectFocusRing(page, page.getByRole('textbox', { name: /^Display name/ }));
  await page.keyboard.type(displayName);
  await tabTo(page, page.getByRole('button', { name: 'Sign in' }), { max: 4 });
  await page.keyboard.press('Enter');
  await expect(page.locator('#badge')).toHaveAttribute('data-state', 'connected');
}

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  // Right after an axe run headless Chromium can capture a frame that misses the last style change
  // (seen on the tab bar); a short settle makes the picture match the DOM.
  await page.waitForTimeout(250);
  await screenshot(page, testInfo, `a11y-${name}`);
}

test.describe('demo accessibility (axe-core)', () => {
  test('sign-in screen, desktop and phone: fresh, advanced section open, wrong password shown', async ({ browser, sip }, testInfo) => {
    for (const [layout, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const { page, errors } = await openDemo(browser, sip, viewport);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to your softphone');
      await shot(page, testInfo, `${layout}-login`);
      await scan(page, testInfo, `${layout}-login`);
      await page.getByText('Advanced: SIP domain').click();
      await page.getByLabel('User', { exact: true }).fill('carol');
      await page.getByLabel('Password', { exact: true }).fill('not-her-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('#login-error')).toHaveText('Wrong user name or password.');
      await scan(page, testInfo, `${layout}-login-error`);
      expect(errors).toEqual([]);
    }
  });

  test('signed-in app, idle: desktop, and every tab on a phone', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', DESKTOP);
    const bob = await signIn(browser, sip, 'bob', PHONE);
    await expect(alice.page.getByRole('heading', { level: 1 })).toHaveText('Voxline softphone');
    await shot(alice.page, testInfo, 'desktop-app');
    await scan(alice.page, testInfo, 'desktop-idle');
    for (const tab of ['Messages', 'Status', 'Phone']) {
      await bob.page.getByRole('tab', { name: tab }).click();
      await expect(bob.page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
      await shot(bob.page, testInfo, `phone-tab-${tab.toLowerCase()}`);
      await scan(bob.page, testInfo, `phone-tab-${tab.toLowerCase()}`);
    }
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('calls, desktop and phone: incoming, in progress with keypad and transfer open, an error toast', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', DESKTOP);
    const bob = await signIn(browser, sip, 'bob', PHONE);
    await alice.page.getByLabel('Who to call').fill('bob');
    await alice.page.getByLabel('Who to call').press('Enter');
    const incoming = bob.page.getByRole('alertdialog');
    await expect(incoming).toBeVisible();
    await expect(alice.page.locator('#call-status')).toHaveText('Ringing…');
    await scan(bob.page, testInfo, 'phone-incoming');
    await scan(alice.page, testInfo, 'desktop-ringing');

    await incoming.getByRole('button', { name: 'Answer' }).click();
    for (const { page } of [alice, bob]) await expect(page.locator('#call-status')).toHaveText('On call');
    await alice.page.getByRole('button', { name: 'Keypad' }).click();
    await alice.page.getByRole('group', { name: 'Send tones' }).getByRole('button', { name: '5', exact: true }).click();
    await expect(bob.page.locator('#dtmf-received')).toHaveText('5');
    await bob.page.getByRole('button', { name: 'Transfer' }).click();
    // Calling from a chat while on a call: an error toast.
    await alice.page.getByLabel('Start a conversation with').fill('bob');
    await alice.page.getByLabel('Start a conversation with').press('Enter');
    await alice.page.getByRole('button', { name: 'Call this contact' }).click();
    await expect(alice.page.locator('.toast.error')).toHaveText('Finish the current call first.');
    await expect(alice.page.locator('#quality-grade')).not.toHaveText('Measuring…', { timeout: 8000 });
    await shot(alice.page, testInfo, 'desktop-call');
    await shot(bob.page, testInfo, 'phone-call');
    await scan(alice.page, testInfo, 'desktop-call');
    await scan(bob.page, testInfo, 'phone-call');
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(bob.page.locator('#call-status')).toHaveText('alice hung up');
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('a call that fails, then the recent calls, desktop and phone', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', DESKTOP);
    const bob = await signIn(browser, sip, 'bob', PHONE);
    for (const [layout, { page }] of [['desktop', alice], ['phone', bob]] as const) {
      await page.getByLabel('Who to call').fill('nobody-here');
      await page.getByLabel('Who to call').press('Enter');
      await expect(page.locator('#call-status')).toHaveText('No such user: nobody-here');
      await scan(page, testInfo, `${layout}-call-failed`);
      await expect(page.locator('#recents .recent.unanswered')).toHaveCount(1);
      await expect(page.locator('#recents .recent-detail')).toHaveText(/Outgoing · No such user$/);
      await scan(page, testInfo, `${layout}-recents`);
    }
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('chat open on desktop and phone: sent, received, delivered and failed messages', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', DESKTOP);
    const bob = await signIn(browser, sip, 'bob', PHONE);
    const message = (page: Page): Locator => page.getByLabel('Message', { exact: true });
    await alice.page.getByLabel('Start a conversation with').fill('nobody-here');
    await alice.page.getByLabel('Start a conversation with').press('Enter');
    await message(alice.page).fill('Anyone there?');
    await message(alice.page).press('Enter');
    await expect(alice.page.locator('#thread .message.out')).toHaveAttribute('data-status', 'failed');
    await alice.page.getByLabel('Start a conversation with').fill('bob');
    await alice.page.getByLabel('Start a conversation with').press('Enter');
    await message(alice.page).fill('Hello Bob, are you free at ten?');
    await message(alice.page).press('Enter');
    await expect(bob.page.locator('#tab-unread')).toHaveText('1');
    await scan(bob.page, testInfo, 'phone-unread');
    await bob.page.getByRole('tab', { name: /Messages/ }).click();
    await scan(bob.page, testInfo, 'phone-chat-list');
    await bob.page.locator('#conversations button[data-contact="alice"]').click();
    await message(bob.page).fill('Yes, call me then.');
    await message(bob.page).press('Enter');
    await expect(alice.page.locator('#thread .message.in .bubble')).toHaveText(['Yes, call me then.']);
    await expect(bob.page.locator('#thread .message.out')).toHaveAttribute('data-status', 'delivered');
    await expect(alice.page.locator('#thread .message.out')).toHaveAttribute('data-status', 'delivered');
    await shot(alice.page, testInfo, 'desktop-chat');
    await shot(bob.page, testInfo, 'phone-chat');
    await scan(alice.page, testInfo, 'desktop-chat');
    await scan(bob.page, testInfo, 'phone-chat');
    await alice.page.locator('#conversations button[data-contact="nobody-here"]').click();
    await expect(alice.page.getByRole('button', { name: 'Retry' })).toBeVisible();
    await scan(alice.page, testInfo, 'desktop-chat-failed');
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});

test.describe('demo accessibility (axe-core): warnings, devices, setup check', () => {
  test('sign-in screen with the setup check: a passing report on desktop, a failed sign-in step on phone', async ({ browser, sip }, testInfo) => {
    for (const [layout, viewport, password, summary] of [
      ['desktop', DESKTOP, sip.users.alice!, 'All checks passed (1 skipped). You are ready to call.'],
      ['phone', PHONE, 'not-her-password', '1 check failed: Sign-in.'],
    ] as const) {
      const { page, errors } = await openDemo(browser, sip, viewport);
      await page.getByLabel('User', { exact: true }).fill('alice');
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Test my setup' }).click();
      await expect(page.locator('#setup-check-summary')).toHaveText(summary, { timeout: 20_000 });
      await expect(page.getByRole('region', { name: 'Setup check' }).getByRole('img')).toHaveCount(5);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to your softphone');
      await shot(page, testInfo, `${layout}-setup-check`);
      await scan(page, testInfo, `${layout}-setup-check`);
      expect(errors).toEqual([]);
    }
  });

  test('a call with a quality warning chip, the device pickers in use and a lost-device toast, desktop and phone', async ({ browser, sip }, testInfo) => {
    const alice = await signIn(browser, sip, 'alice', DESKTOP);
    const bob = await signIn(browser, sip, 'bob', PHONE);
    await callAndAnswer(alice.page, bob.page, 'bob');
    // Bob mutes: alice's call view gets the "Other side silent" chip; bob's shows "Muted".
    await bob.page.locator('#mute').click();
    await expect(alice.page.locator('#call-warnings li')).toHaveText(['Other side silent'], { timeout: 10_000 });
    await alice.page.getByRole('combobox', { name: 'Microphone' }).selectOption({ label: 'Fake Audio Input 1' });
    await alice.page.getByRole('combobox', { name: 'Speaker' }).selectOption({ label: 'Fake Audio Output 1' });
    await shot(alice.page, testInfo, 'desktop-call-warning');
    await scan(alice.page, testInfo, 'desktop-call-warning');
    await scan(bob.page, testInfo, 'phone-call-muted');

    // Bob unplugs the microphone he picked (a stubbed device list): an info toast on the Status tab.
    await bob.page.getByRole('tab', { name: 'Status' }).click();
    const bobMic = bob.page.getByRole('combobox', { name: 'Microphone' });
    await bobMic.selectOption({ label: 'Fake Audio Input 2' });
    const input2 = await bobMic.inputValue();
    await bob.page.evaluate((id) => {
      const real = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
      navigator.mediaDevices.enumerateDevices = async () => (await real()).filter((d) => d.deviceId !== id);
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    }, input2);
    await expect(bob.page.getByRole('status').filter({ hasText: 'was disconnected' })).toHaveText('“Fake Audio Input 2” was disconnected. Using the system default microphone.');
    await shot(bob.page, testInfo, 'phone-devices-lost');
    await scan(bob.page, testInfo, 'phone-devices-lost');
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(bob.page.locator('#call-status')).toHaveText('alice hung up');
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});

test.describe('demo keyboard use', () => {
  test('keyboard only: sign in, dial an extension on the pad, call, answer, mute, hang up, chat with Enter; focus always visible', async ({ browser, sipServer }, testInfo) => {
    // Extensions, so the dial pad can reach the callee.
    const sip = await startSipServer(sipServer, { users: { '1001': 'ext-1001-secret', '2002': 'ext-2002-secret' } });
    try {
      const caller = await openDemo(browser, sip, DESKTOP);
      const callee = await openDemo(browser, sip, PHONE);
      await keyboardSignIn(caller.page, '1001', sip.users['1001']!, 'Ext One');
      await keyboardSignIn(callee.page, '2002', sip.users['2002']!, 'Ext Two');

      // Dial 2002 on the pad: Enter and Space both press a key; Shift+Tab goes back to the 2.
      const { page } = caller;
      const destination = page.getByLabel('Who to call');
      await expectFocusRing(page, destination);
      const pad = page.getByRole('group', { name: 'Dial pad' });
      await tabTo(page, pad.getByRole('button', { name: '2 ABC' }), { max: 3 });
      await page.keyboard.press('Enter');
      await tabTo(page, pad.getByRole('button', { name: '0 +' }), { max: 9 });
      await page.keyboard.press('Space');
      await page.keyboard.press('Space');
      await shot(page, testInfo, 'desktop-keyboard-pad');
      await tabTo(page, pad.getByRole('button', { name: '2 ABC' }), { back: true, max: 9 });
      await page.keyboard.press('Enter');
      await expect(destination).toHaveValue('2002');
      await tabTo(page, page.getByRole('button', { name: 'Call', exact: true }), { max: 12 });
      await page.keyboard.press('Enter');

      // The callee's incoming panel takes the focus: Answer, with Decline one Shift+Tab away.
      const incoming = callee.page.getByRole('alertdialog');
      await expect(incoming).toBeVisible();
      await expectFocusRing(callee.page, incoming.getByRole('button', { name: 'Answer' }));
      await shot(callee.page, testInfo, 'phone-keyboard-answer');
      await tabTo(callee.page, incoming.getByRole('button', { name: 'Decline' }), { back: true, max: 1 });
      await tabTo(callee.page, incoming.getByRole('button', { name: 'Answer' }), { max: 1 });
      await callee.page.keyboard.press('Enter');
      for (const { page: p } of [caller, callee]) await expect(p.locator('#call-status')).toHaveText('On call');

      // The call screen focuses Hang up; Mute is reachable with Shift+Tab and toggles with Space.
      const hangup = page.getByRole('button', { name: 'Hang up' });
      await expectFocusRing(page, hangup);
      const mute = page.locator('#mute');
      await tabTo(page, mute, { back: true, max: 6 });
      await page.keyboard.press('Space');
      await expect(mute).toHaveAttribute('aria-pressed', 'true');
      await expectFocusRing(page, mute);
      await page.keyboard.press('Space');
      await expect(mute).toHaveAttribute('aria-pressed', 'false');
      await tabTo(page, hangup, { max: 6 });
      await page.keyboard.press('Enter');
      await expect(callee.page.locator('#call-status')).toHaveText('Ext One hung up');
      // When the call screen closes, the focus comes back to the number field.
      await expect(destination).toBeFocused();
      await expect(page.locator('#recents .recent-name')).toHaveText(['2002']);

      // Chat: start a conversation from the field, the composer takes the focus, Enter sends.
      await tabTo(page, page.getByLabel('Start a conversation with'), { max: 20 });
      await page.keyboard.type('2002');
      await page.keyboard.press('Enter');
      await expect(page.locator('#thread-title')).toHaveText('2002');
      await expectFocusRing(page, page.getByLabel('Message', { exact: true }));
      await page.keyboard.type('Typed, not clicked.');
      await page.keyboard.press('Enter');
      await expect(page.locator('#thread .message.out')).toHaveAttribute('data-status', 'delivered');

      // The callee (phone layout) reaches the Messages tab with Tab and the arrow keys (ARIA tabs),
      // opens the conversation with Enter and answers with Enter.
      await expect(callee.page.locator('#tab-unread')).toHaveText('1');
      await tabTo(callee.page, callee.page.getByRole('tab', { name: 'Phone' }), { max: 25 });
      await callee.page.keyboard.press('ArrowRight');
      await expectFocusRing(callee.page, callee.page.getByRole('tab', { name: /Messages/ }));
      await expect(callee.page.getByRole('tab', { name: /Messages/ })).toHaveAttribute('aria-selected', 'true');
      await tabTo(callee.page, callee.page.locator('#conversations button[data-contact="1001"]'), { max: 10 });
      await callee.page.keyboard.press('Enter');
      await expectFocusRing(callee.page, callee.page.getByLabel('Message', { exact: true }));
      await expect(callee.page.locator('#thread .message.in .bubble')).toHaveText(['Typed, not clicked.']);
      await callee.page.keyboard.type('Got it, by keyboard too.');
      await callee.page.keyboard.press('Enter');
      await expect(page.locator('#thread .message.in .bubble')).toHaveText(['Got it, by keyboard too.']);
      expect(caller.errors).toEqual([]);
      expect(callee.errors).toEqual([]);
    } finally {
      await sip.stop();
    }
  });
});

/**
 * The demo softphone on the gateway topology (issue #13): dialling a PSTN gateway (SIPp: 183 with
 * early media, 3 s of tone, then 200 OK), the demo plays the network's ringback through the SDK's
 * audio element and keeps its own ringback tone silent. (Its own tone for a callee without early
 * media: demo.spec.ts.)
 */
import { DESKTOP, useDemoSite } from './demo-page';
import { test, expect, gatewayUnavailable } from './gateway-fixtures';

test.skip(gatewayUnavailable() !== null, gatewayUnavailable() ?? '');

const demo = useDemoSite();

test('demo: a call to the PSTN gateway plays its early media while ringing, not the phone’s own ringback', async ({ browser, gateway }) => {
  const sip = { url: gateway.kamailio.url, domain: gateway.domain, users: gateway.users };
  const alice = await demo.signIn(browser, sip, 'alice', { viewport: DESKTOP });
  const { page } = alice;
  await page.getByLabel('Who to call').fill(gateway.pstnNumber);
  await page.getByRole('button', { name: 'Call', exact: true }).click();

  const view = page.locator('#call-view');
  await expect(view).toHaveAttribute('data-ringback', 'remote', { timeout: 10_000 });
  await expect(page.locator('#call-status')).toHaveText('Ringing… (audio from the network)');
  await expect(view).toHaveAttribute('data-state', 'ringing');
  await expect(view).toHaveAttribute('data-tone', 'silent');
  // The SDK's audio element plays the gateway's live track while the call rings.
  const element = await page.evaluate(() => {
    const audio = document.querySelector<HTMLAudioElement>('audio[data-voxline]');
    const tracks = audio?.srcObject instanceof MediaStream ? audio.srcObject.getAudioTracks() : [];
    return { found: !!audio, paused: audio?.paused ?? true, live: tracks.filter((t) => t.readyState === 'live').length };
  });
  expect(element).toEqual({ found: true, paused: false, live: 1 });

  // SIPp answers 3 s after its 183: the call goes on, the ringback source is gone.
  await expect(page.locator('#call-status')).toHaveText('On call', { timeout: 10_000 });
  await expect(view).not.toHaveAttribute('data-ringback', /.*/);
  await page.getByRole('button', { name: 'Hang up' }).click();
  await expect(page.locator('#call-status')).toHaveText(/Call ended|hung up/);
  expect(alice.errors).toEqual([]);
});

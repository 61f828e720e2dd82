/**
 * Page helpers shared by the call specs that sign users in on the test page (`window.vx`).
 */
import type { Page } from '@playwright/test';

export type Sip = { url: string; domain: string; users: Record<string, string> };

/**
 * Creates and logs in client `name` (the page harness records its incoming calls in
 * `window.vx.calls[name]`); with `autoAnswer`, it answers every incoming call.
 */
export async function signIn(page: Page, name: string, sip: Sip, autoAnswer: boolean): Promise<void> {
  await page.evaluate(
    async ({ name, url, domain, password, autoAnswer }) => {
      const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn' });
      if (autoAnswer) client.on('incomingcall', (call) => void call.answer());
      await client.login(name, password);
    },
    { name, url: sip.url, domain: sip.domain, password: sip.users[name]!, autoAnswer },
  );
}

/** Opens alice's and bob's pages and signs both in; bob answers every incoming call by himself. */
export async function aliceAndBob(openPage: () => Promise<Page>, sip: Sip): Promise<{ alice: Page; bob: Page }> {
  const alice = await openPage();
  const bob = await openPage();
  await signIn(alice, 'alice', sip, false);
  await signIn(bob, 'bob', sip, true);
  return { alice, bob };
}

/**
 * The received audio energy and bytes (and bytes sent) that call `index` of `name`, as the page
 * harness tracks it in `window.vx.calls`, gained over `ms`; the codec and the stats at the end.
 */
export function received(page: Page, name: string, index = 0, ms = 1200) {
  return page.evaluate(
    async ({ name, index, ms }) => {
      const call = window.vx.calls[name]![index]!;
      const a = await call.getStats();
      await new Promise((r) => setTimeout(r, ms));
      const b = await call.getStats();
      return { energy: b.inboundAudioEnergy - a.inboundAudioEnergy, bytes: b.bytesReceived - a.bytesReceived, bytesSent: b.bytesSent - a.bytesSent, codec: b.codec, stats: b };
    },
    { name, index, ms },
  );
}

/**
 * Issue #10 item 3 in real browsers: `destroy()` (and `logout()`) in the middle of an answered call
 * leave nothing behind in the page: no open RTCPeerConnection, no live microphone track, no
 * `<audio>` element, no open WebSocket, no pending timer (before the fix sip.js's 600 s
 * registration timer and a 32 s transaction timer stayed). Runs against Kamailio and the dev server.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

type Sip = { url: string; domain: string; users: Record<string, string> };

/** What a page still holds: the harness counts them (e2e/pages/harness.js). */
function leftovers(page: Page): Promise<{ peerConnections: number; microphoneTracks: number; audioElements: number; webSockets: number; timers: number }> {
  return page.evaluate(() => {
    const vx = window.vx as typeof window.vx & { openWebSockets(): number; pendingTimers(): number };
    return { peerConnections: vx.openPeerConnections(), microphoneTracks: vx.liveMicrophoneTracks(), audioElements: vx.audioElements(), webSockets: vx.openWebSockets(), timers: vx.pendingTimers() };
  });
}

const NOTHING = { peerConnections: 0, microphoneTracks: 0, audioElements: 0, webSockets: 0, timers: 0 };
const IN_CALL = { peerConnections: 1, microphoneTracks: 1, audioElements: 1, webSockets: 1 };

async function user(openPage: () => Promise<Page>, name: string, sip: Sip): Promise<Page> {
  const page = await openPage();
  await page.evaluate(
    async ({ name, url, domain, password }) => {
      const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn' });
      client.on('incomingcall', (call) => void call.answer());
      await client.login(name, password);
    },
    { name, url: sip.url, domain: sip.domain, password: sip.users[name]! },
  );
  return page;
}

/** Alice calls Bob, who answers at once; returns when both sides are answered. */
async function answeredCall(alice: Page, bob: Page): Promise<void> {
  await alice.evaluate(async () => {
    window.vx.trackCall('alice', await window.vx.clients.alice!.call('bob'));
  });
  for (const [page, name] of [[alice, 'alice'], [bob, 'bob']] as const) {
    await expect.poll(() => page.evaluate((n) => window.vx.calls[n]?.[0]?.state ?? null, name)).toBe('answered');
    expect(await leftovers(page)).toMatchObject(IN_CALL);
    expect((await leftovers(page)).timers).toBeGreaterThan(0); // the harness does see the SDK's timers
  }
}

test.describe('lifecycle: nothing left behind', () => {
  test('destroy() during an answered call closes the peer connection, microphone, audio element and socket', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip);
    await answeredCall(alice, bob);

    await alice.evaluate(() => window.vx.clients.alice!.destroy());
    await expect.poll(() => leftovers(alice)).toEqual(NOTHING);
    expect(await alice.evaluate(() => window.vx.clients.alice!.connectionState)).toBe('closed');
    // Bob's side of the call ends too (Alice's BYE went out before her link closed).
    await expect.poll(() => bob.evaluate(() => window.vx.calls.bob![0]!.state)).toBe('ended');

    await bob.evaluate(() => window.vx.clients.bob!.destroy());
    await expect.poll(() => leftovers(bob)).toEqual(NOTHING);
  });

  test('logout() during an answered call leaves nothing open either, and a second login works', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip);
    await answeredCall(alice, bob);

    await alice.evaluate(() => window.vx.clients.alice!.logout());
    await expect.poll(() => leftovers(alice)).toEqual(NOTHING);
    await expect.poll(() => bob.evaluate(() => window.vx.calls.bob![0]!.state)).toBe('ended');
    const again = await alice.evaluate(
      ({ password }) => window.vx.attempt(() => window.vx.clients.alice!.login('alice', password)),
      { password: sip.users.alice! },
    );
    expect(again.ok).toBe(true);
    await alice.evaluate(() => window.vx.clients.alice!.destroy());
    await expect.poll(() => leftovers(alice)).toEqual(NOTHING);
  });
});

/**
 * Fixtures of the "gateway" project (e2e/gateway*.spec.ts), on top of e2e/fixtures.ts:
 * - `gateway` (worker): the Kamailio + rtpengine + baresip + SIPp + coturn topology of
 *   e2e/harness/gateway.mjs, started once per worker (the project runs on one worker);
 * - every failing test prints where each server's log is, and attaches the index.
 * Page helpers for the specs: log a browser user in, dial, read call events and audio stats.
 */
import type { Page } from '@playwright/test';
import { signIn } from './call-pages';
import { test as base, expect } from './fixtures';
import { gatewayUnavailable, startGateway, type Gateway } from './harness/gateway.mjs';

export { expect, gatewayUnavailable };

/** Set once a test of this worker failed: the gateway's run directory then stays. */
let failedInWorker = false;

export const test = base.extend<{ gatewayLogs: void }, { gateway: Gateway }>({
  gateway: [
    async ({}, use) => {
      const gateway = await startGateway();
      await use(gateway);
      await gateway.stop({ keepFiles: failedInWorker });
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  gatewayLogs: [
    async ({ gateway }, use, testInfo) => {
      await use();
      if (testInfo.status !== testInfo.expectedStatus) {
        failedInWorker = true;
        const index = gateway.logIndex();
        console.log(`\n${testInfo.title}: server logs\n${index}`);
        await testInfo.attach('gateway-logs', { body: index, contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],
});

/** Logs `name` in on a fresh page, over `url` (ws:// or wss://). */
export async function browserUser(openPage: () => Promise<Page>, gateway: Gateway, name: 'alice' | 'bob', url = gateway.kamailio.url, autoAnswer = false): Promise<Page> {
  const page = await openPage();
  await signIn(page, name, { url, domain: gateway.domain, users: gateway.users }, autoAnswer);
  return page;
}

/** `from` calls `to`; resolves once the INVITE is on its way, with the call's index. */
export function dial(page: Page, from: string, to: string): Promise<number> {
  return page.evaluate(
    async ({ from, to }) => {
      const call = await window.vx.clients[from]!.call(to);
      window.vx.trackCall(from, call);
      return window.vx.calls[from]!.length - 1;
    },
    { from, to },
  );
}

/** The events of one call, as short strings: "ringing", "answered", "ended:remote-hangup", … */
export function callEvents(page: Page, name: string, index = 0): Promise<string[]> {
  return page.evaluate(
    ({ name, index }) => {
      const call = window.vx.calls[name]?.[index];
      if (!call) return [];
      return window.vx.events.filter((e) => e.callId === call.id).map((e) => (e.type === 'call:ended' ? `ended:${(e.payload as { reason: string }).reason}` : e.type.slice(5)));
    },
    { name, index },
  );
}

/** Calls a method of one call and resolves with the call's state afterwards. */
export function callDo(page: Page, name: string, method: 'answer' | 'hangup' | 'hold' | 'unhold', index = 0): Promise<string> {
  return page.evaluate(({ name, index, method }) => Promise.resolve(window.vx.calls[name]![index]![method]()).then(() => window.vx.calls[name]![index]!.state), { name, index, method });
}

/** Received audio energy and bytes gained over `ms`, and the last stats (shared with the other call specs). */
export { received } from './call-pages';

/** Energy gained per ~1 s of a tone is orders of magnitude above this (as in calls.spec.ts). */
export const HEARD = 0.0001;

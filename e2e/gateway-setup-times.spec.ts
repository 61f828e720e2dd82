/**
 * Call setup times on the gateway topology, measured in the page (Date.now() before
 * `client.call()` to the `ringing` and `answered` events): browser → baresip (answered; the
 * phone auto-answers, so no 180 wait) and browser → SIPp (183 received, 200 received; SIPp
 * waits 3 s between them). A measurement, not a timed assertion: it only runs when asked,
 *
 *   VOXLINE_GATEWAY_RUNS=10 npm run test:e2e -- --project=gateway e2e/gateway-setup-times.spec.ts
 *
 * and prints median, p95, min and max per step (also attached to the test as JSON).
 */
import type { Page } from '@playwright/test';
import { test, expect, gatewayUnavailable, browserUser, callDo } from './gateway-fixtures';

const RUNS = Number(process.env.VOXLINE_GATEWAY_RUNS ?? 0);

test.skip(gatewayUnavailable() !== null, gatewayUnavailable() ?? '');
test.skip(!(RUNS > 0), 'a measurement: set VOXLINE_GATEWAY_RUNS=10 to run it');

/** One call from alice to `target`: ms from call() to ringing and to answered; then hangs up. */
async function timedCall(page: Page, target: string): Promise<{ ringing: number | null; answered: number }> {
  const times = await page.evaluate(async (target) => {
    const t0 = Date.now();
    const call = await window.vx.clients.alice!.call(target);
    window.vx.trackCall('alice', call);
    const at = (type: string) => window.vx.events.find((e) => e.callId === call.id && e.type === type)?.t;
    for (let i = 0; i < 1000 && at('call:answered') === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    const ringing = at('call:ringing');
    const answered = at('call:answered');
    if (answered === undefined) throw new Error(`${target} did not answer within 10 s`);
    return { ringing: ringing === undefined ? null : ringing - t0, answered: answered - t0 };
  }, target);
  const index = await page.evaluate(() => window.vx.calls.alice!.length - 1);
  await callDo(page, 'alice', 'hangup', index);
  await expect.poll(() => page.evaluate(() => window.vx.openPeerConnections())).toBe(0);
  return times;
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { runs: sorted.length, median: rank(0.5), p95: rank(0.95), min: sorted[0]!, max: sorted.at(-1)! };
}

test('call setup times: browser → baresip (answered), browser → SIPp (183, 200)', async ({ openPage, gateway }, testInfo) => {
  test.setTimeout(30_000 + RUNS * 8_000);
  const alice = await browserUser(openPage, gateway, 'alice');
  const desk: number[] = [];
  const pstn183: number[] = [];
  const pstn200: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const since = gateway.deskOpus.mark();
    desk.push((await timedCall(alice, 'desk-opus')).answered);
    await gateway.deskOpus.waitEvent((e) => e.type === 'CALL_CLOSED', { since });
  }
  for (let i = 0; i < RUNS; i++) {
    const t = await timedCall(alice, gateway.pstnNumber);
    expect(t.ringing).not.toBeNull();
    pstn183.push(t.ringing!);
    pstn200.push(t.answered);
  }
  const result = {
    'browser → baresip (opus): answered': summary(desk),
    'browser → SIPp: 183 received': summary(pstn183),
    'browser → SIPp: 200 received (3 s after the 183)': summary(pstn200),
  };
  console.log(`call setup times in ms over ${RUNS} runs\n${JSON.stringify(result, null, 2)}`);
  await testInfo.attach('setup-times', { body: JSON.stringify(result, null, 2), contentType: 'application/json' });
  expect(desk).toHaveLength(RUNS);
});

/**
 * A call survives a reload of the page (#15, `resumeCalls`), against Kamailio and the dev server:
 * Alice (Voxline) and Bob (Voxline, or a JsSIP phone) talk; one Voxline page reloads
 * (`page.reload()`) and logs in again as it does on every load: `callresumed`, the audio is back
 * both ways within 3 s of `login()` resolving, the far end never saw the call end, the call keeps
 * its id and answered time. Logged in after `callResumeWindowMs`: `resume-failed`, the far end
 * gets a BYE, nothing stays in sessionStorage.
 *
 * Reload → audio-back times: `VOXLINE_RESUME_RUNS=10 npm run test:e2e -- e2e/call-resume.spec.ts`
 * runs the measuring loop too (not part of the normal suite) and prints median and p95 per far-end kind;
 * `VOXLINE_RESUME_DEBUG=1` prints each side's 100 ms samples (energy, bytes, ICE/DTLS states) around the login.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import type { Sip } from './call-pages';
import { energyLog, HEARD_PER_SAMPLE, heardAt, logEnergy, recordPeerConnections } from './energy-log';
import { buildJsSip, openJsSip, type JsSipPeer } from './jssip-peer';

const AUDIO_BACK_MS = 3000;
const RUNS = Number(process.env.VOXLINE_RESUME_RUNS ?? 0);

/** Times of one run, in ms: reload → tone heard both ways, login() resolved → tone heard both ways, → audio packets decoded both ways. */
interface Run {
  reloadToAudio: number;
  loginToAudio: number;
  loginToPackets: number;
}

/** Creates client `name` (auto-answering), logs in; resolves to the page time when login() resolved. */
async function login(page: Page, name: string, sip: Sip, extra: Record<string, unknown> = {}): Promise<number> {
  await page.evaluate(recordPeerConnections);
  return page.evaluate(
    async ({ name, url, domain, password, extra }) => {
      const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn', ...extra });
      client.on('incomingcall', (call) => void call.answer());
      await client.login(name, password);
      return Date.now();
    },
    { name, url: sip.url, domain: sip.domain, password: sip.users[name]!, extra },
  );
}

async function jsSipHeardAt(peer: JsSipPeer, since: number, timeoutMs: number): Promise<number | null> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const { inbound } = await peer.energy(100);
    if (inbound > HEARD_PER_SAMPLE && Date.now() >= since) return Date.now();
  }
  return null;
}

function voxlineStorage(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('voxline:calls:')));
}

const callFacts = (page: Page, name: string) =>
  page.evaluate((name) => {
    const call = window.vx.calls[name]!.at(-1)!;
    return { id: call.id, direction: call.direction, remote: call.remote.user, answeredAt: call.answeredAt, state: call.state };
  }, name);

const endedEvents = (page: Page, name: string) => page.evaluate((name) => window.vx.of(name, 'call:ended').map((e) => (e.payload as { reason: string }).reason), name);

/** Alice calls `to` (already logged in elsewhere) and waits for the answer. */
async function dial(alice: Page, to: string): Promise<void> {
  await alice.evaluate(async (to) => {
    const call = await window.vx.clients.alice!.call(to);
    window.vx.trackCall('alice', call);
    await new Promise<void>((resolve, reject) => {
      call.on('answered', () => resolve());
      call.on('ended', (e) => reject(new Error(`ended: ${e.reason}`)));
    });
  }, to);
}

/** Reloads `page` and logs `name` in again; returns the page time when login() resolved and when `callresumed` came. */
async function reloadAndLogin(page: Page, name: string, sip: Sip, extra: Record<string, unknown> = {}): Promise<{ loggedInAt: number; resumedAt: number }> {
  await page.reload();
  await page.waitForFunction(() => 'vx' in window);
  await logEnergy(page, name);
  const loggedInAt = await login(page, name, sip, extra);
  await expect.poll(() => page.evaluate((n) => window.vx.of(n, 'callresumed').length, name)).toBe(1);
  const resumedAt = await page.evaluate((n) => window.vx.of(n, 'callresumed')[0]!.t, name);
  return { loggedInAt, resumedAt };
}

/** One Voxline–Voxline run: `who` reloads; returns reload → audio-back (both ways) in ms, and login → audio-back. */
async function voxlineRun(openPage: () => Promise<Page>, sip: Sip, who: 'alice' | 'bob'): Promise<Run> {
  const alice = await openPage();
  const bob = await openPage();
  await login(bob, 'bob', sip);
  await login(alice, 'alice', sip);
  await dial(alice, 'bob');
  await expect.poll(() => bob.evaluate(() => window.vx.calls.bob?.[0]?.state)).toBe('answered');
  await Promise.all([logEnergy(alice, 'alice'), logEnergy(bob, 'bob')]);
  const start = Date.now();
  await expect.poll(async () => (await heardAt(alice, start)) !== null && (await heardAt(bob, start)) !== null, { timeout: 5000 }).toBe(true);

  const [reloading, other, otherName] = who === 'alice' ? [alice, bob, 'bob'] : [bob, alice, 'alice'];
  const before = await callFacts(reloading, who);
  const otherBefore = await callFacts(other, otherName);
  const reloadAt = Date.now();
  const { loggedInAt, resumedAt } = await reloadAndLogin(reloading, who, sip);

  let back = 0;
  await expect
    .poll(
      async () => {
        const [a, b] = [await heardAt(reloading, loggedInAt), await heardAt(other, loggedInAt)];
        back = a !== null && b !== null ? Math.max(a, b) : 0;
        return back > 0;
      },
      { timeout: AUDIO_BACK_MS + 2000 },
    )
    .toBe(true)
    .catch(async (err: unknown) => {
      if (process.env.VOXLINE_RESUME_DEBUG) {
        for (const p of [reloading, other]) console.log(JSON.stringify((await energyLog(p)).filter((x) => x.t > loggedInAt - 500).map((x) => `${x.t - loggedInAt}:${x.d.toExponential(1)}:${x.rx}:${x.tx}:${x.pc}`)));
      }
      throw err;
    });
  if (process.env.VOXLINE_RESUME_DEBUG) {
    for (const p of [reloading, other]) console.log(JSON.stringify((await energyLog(p)).filter((x) => x.t > loggedInAt - 300 && x.t < loggedInAt + 4000).map((x) => `${x.t - loggedInAt}:${x.d.toExponential(1)}:${x.rx}:${x.tx}:${x.pc}`)));
  }
  if (process.env.VOXLINE_RESUME_DEBUG) console.log(JSON.stringify({ who, loggedInAt, resumed: resumedAt - loggedInAt, reloading: (await heardAt(reloading, loggedInAt))! - loggedInAt, other: (await heardAt(other, loggedInAt))! - loggedInAt, reloadToLogin: loggedInAt - reloadAt }));
  expect(back - loggedInAt).toBeLessThan(AUDIO_BACK_MS);

  const after = await callFacts(reloading, who);
  expect(after).toEqual({ ...before, state: 'answered' });
  expect(await endedEvents(other, otherName)).toEqual([]);
  expect(await callFacts(other, otherName)).toEqual(otherBefore);
  expect(await reloading.evaluate(() => window.vx.pageErrors)).toEqual([]);
  await reloading.evaluate((n) => window.vx.calls[n]!.at(-1)!.hangup(), who);
  await expect.poll(() => endedEvents(other, otherName)).toEqual(['remote-hangup']);
  await expect.poll(() => voxlineStorage(reloading)).toEqual([]);
  const packets = Math.max((await heardAt(reloading, loggedInAt, 0))!, (await heardAt(other, loggedInAt, 0))!);
  return { reloadToAudio: back - reloadAt, loginToAudio: back - loggedInAt, loginToPackets: packets - loggedInAt };
}

/** One run with a JsSIP phone as Bob: Alice calls it, Alice reloads. */
async function jsSipRun(openPage: () => Promise<Page>, jsSip: () => Promise<JsSipPeer>, sip: Sip): Promise<Run> {
  const bob = await jsSip();
  try {
    const alice = await openPage();
    await login(alice, 'alice', sip);
    await dial(alice, 'bob');
    await expect.poll(() => bob.state()).toBe('established');
    await logEnergy(alice, 'alice');
    expect(await jsSipHeardAt(bob, 0, 5000)).not.toBeNull();
    const before = await callFacts(alice, 'alice');
    const reloadAt = Date.now();
    const { loggedInAt } = await reloadAndLogin(alice, 'alice', sip);
    const bobHeard = await jsSipHeardAt(bob, loggedInAt, AUDIO_BACK_MS + 2000);
    await expect.poll(() => heardAt(alice, loggedInAt), { timeout: AUDIO_BACK_MS + 2000 }).not.toBeNull();
    expect(bobHeard).not.toBeNull();
    const back = Math.max(bobHeard!, (await heardAt(alice, loggedInAt))!);
    const packets = Math.max(bobHeard!, (await heardAt(alice, loggedInAt, 0))!);
    expect(back - loggedInAt).toBeLessThan(AUDIO_BACK_MS);
    expect(await callFacts(alice, 'alice')).toEqual({ ...before, state: 'answered' });
    const events = await bob.events();
    expect(events.filter((e) => e.type === 'ended' || e.type === 'failed')).toEqual([]);
    // Ours, and when no audio came 1.2 s later, our ICE restart.
    expect(events.filter((e) => e.type === 'reinvite').length).toBeGreaterThanOrEqual(1);
    await alice.evaluate(() => window.vx.calls.alice!.at(-1)!.hangup());
    await expect.poll(() => bob.state()).toBe('ended');
    return { reloadToAudio: back - reloadAt, loginToAudio: back - loggedInAt, loginToPackets: packets - loggedInAt };
  } finally {
    await bob.close();
  }
}

test.describe('a call across a page reload', () => {
  test.beforeAll(async () => {
    await buildJsSip();
  });

  test('alice (caller) reloads: callresumed, audio both ways within 3 s of login(), bob saw no end, same id and answered time', async ({ openPage, sip }) => {
    await voxlineRun(openPage, sip, 'alice');
  });

  test('bob (callee) reloads: the same', async ({ openPage, sip }) => {
    await voxlineRun(openPage, sip, 'bob');
  });

  test('a JsSIP phone at the far end takes the re-INVITE (new Contact, new DTLS fingerprint and ICE credentials)', async ({ openPage, sip, browser, web }) => {
    await jsSipRun(openPage, () => openJsSip(browser, web.url, sip, 'bob'), sip);
  });

  test('logged in after callResumeWindowMs: ended resume-failed, bob gets a BYE, nothing left in sessionStorage', async ({ openPage, sip }) => {
    const alice = await openPage();
    const bob = await openPage();
    await login(bob, 'bob', sip);
    await login(alice, 'alice', sip, { callResumeWindowMs: 1000 });
    await dial(alice, 'bob');
    await expect.poll(() => voxlineStorage(alice)).toHaveLength(1);
    // What is stored: the dialog and the call's facts, nothing secret (no password, no SDP).
    const stored = await alice.evaluate(() => Object.entries(sessionStorage).filter(([k]) => k.startsWith('voxline:calls:')).map(([, v]) => v).join(''));
    expect(JSON.parse(stored)).toMatchObject({ v: 1, entries: [{ direction: 'outgoing', remote: { user: 'bob' }, dialog: { routeSet: expect.any(Array) } }] });
    expect(stored).not.toContain(sip.users.alice!);
    expect(stored).not.toMatch(/fingerprint|ice-pwd|a=crypto|authorization|v=0/i);
    const before = await callFacts(alice, 'alice');
    await alice.reload();
    await alice.waitForFunction(() => 'vx' in window);
    expect(await voxlineStorage(alice)).toHaveLength(1);
    await alice.waitForTimeout(1500);
    await login(alice, 'alice', sip, { callResumeWindowMs: 1000 });
    await expect.poll(() => endedEvents(alice, 'alice')).toEqual(['resume-failed']);
    expect(await alice.evaluate(() => window.vx.of('alice', 'callresumed').map((e) => (e.payload as { id: string }).id))).toEqual([before.id]);
    await expect.poll(() => endedEvents(bob, 'bob')).toEqual(['remote-hangup']);
    expect(await voxlineStorage(alice)).toEqual([]);
    expect(await alice.evaluate(() => window.vx.openPeerConnections())).toBe(0);
  });

  test('resumeCalls: false stores nothing (the default stores the call)', async ({ openPage, sip }) => {
    const alice = await openPage();
    const bob = await openPage();
    await login(bob, 'bob', sip);
    await login(alice, 'alice', sip, { resumeCalls: false });
    await dial(alice, 'bob');
    await alice.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
    expect(await voxlineStorage(alice)).toEqual([]);
    await bob.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
    expect(await voxlineStorage(bob)).toHaveLength(1);
  });
});

test.describe('reload → audio-back times (VOXLINE_RESUME_RUNS)', () => {
  test.skip(RUNS <= 0, 'set VOXLINE_RESUME_RUNS=10 to measure');
  test.setTimeout(600_000);

  const report = (kind: string, server: string, runs: Run[]): void => {
    const q = (xs: number[], p: number): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    };
    const r = runs.map((x) => x.reloadToAudio);
    const l = runs.map((x) => x.loginToAudio);
    const p = runs.map((x) => x.loginToPackets);
    console.log(
      `[resume-times] ${server} ${kind}: n=${runs.length} reload→tone median ${q(r, 0.5)} p95 ${q(r, 0.95)}; login→tone median ${q(l, 0.5)} p95 ${q(l, 0.95)}; login→packets median ${q(p, 0.5)} p95 ${q(p, 0.95)} (ms); reload→tone all: ${r.join(',')}`,
    );
  };

  for (const kind of ['voxline-alice-reloads', 'voxline-bob-reloads', 'jssip'] as const) {
    test(kind, async ({ browser, web, sip }) => {
      await buildJsSip();
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) {
        const contexts: Array<{ close(): Promise<void> }> = [];
        const openPage = async (): Promise<Page> => {
          const context = await browser.newContext();
          contexts.push(context);
          const page = await context.newPage();
          await page.goto(`${web.url}/e2e/pages/iife.html`);
          await page.waitForFunction(() => 'vx' in window);
          return page;
        };
        try {
          if (kind === 'jssip') runs.push(await jsSipRun(openPage, () => openJsSip(browser, web.url, sip, 'bob'), sip));
          else runs.push(await voxlineRun(openPage, sip, kind === 'voxline-alice-reloads' ? 'alice' : 'bob'));
        } finally {
          for (const c of contexts) await c.close();
        }
      }
      report(kind, sip.kind, runs);
    });
  }
});

// @ts-check
/**
 * Bench module `recovery` (issue #14): a network change in the middle of a call. Both pages of a
 * library send their media from one address (Chromium's `webrtc.ip_handling_policy` =
 * `default_public_and_private_interfaces`, the address named by a host route to 8.8.8.8, as in
 * e2e/media-network.ts); the bench removes that address, waits 1 s, adds another one, and times
 * from the new address until both sides receive audio packets again (inbound-rtp packetsReceived
 * growing on both, polled every 100 ms), capped at `--recovery-cap` ms (default 15 000): a
 * library that never restarts ICE shows "never". Each library runs with its documented
 * defaults: Voxline's recovery is built in; sip.js and JsSIP as their docs configure a call
 * (no ICE restart unless the application writes one). Needs the bench's network namespace.
 */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, findChromium } from '../../e2e/harness/chromium.mjs';
import { FEATURE_USERS, FeaturePage, sleep } from '../lib/feature-page.mjs';
import { ensureJsSipBundle } from '../lib/jssip-bundle.mjs';
import { librariesConfig, makeFigure } from '../lib/figure.mjs';
import { insideNamespace } from '../lib/netns.mjs';

const LIBS = /** @type {const} */ (['voxline', 'sipjs', 'jssip']);
const DEVICE = 'vx0';
const GAP_MS = 1000;
const POLL_MS = 100;

/** @param {string[]} args */
const ip = (args) => execFileSync('ip', args, { stdio: 'pipe' });
/** @param {string[]} args */
const ipQuiet = (args) => {
  try {
    ip(args);
  } catch {
    // already gone
  }
};
/** @param {number} host */
function useAddress(host) {
  ip(['addr', 'replace', `198.18.1.${host}/32`, 'dev', DEVICE]);
  ip(['route', 'replace', '8.8.8.8/32', 'dev', DEVICE, 'src', `198.18.1.${host}`]);
}

/** @type {import('../modules.mjs').BenchModule} */
export const recovery = {
  id: 'recovery',
  title: 'Network change during a call',
  parts: ['network-change'],
  async run(env, { runs, flags, progress }) {
    const capMs = Number(flags['recovery-cap'] ?? 15_000);
    if (!insideNamespace()) {
      return { config: {}, figures: [], notes: ['network-change: skipped, it needs the private network namespace (run as root with unshare and ip).'], raw: {} };
    }
    await ensureJsSipBundle(env.benchDir);
    let host = 1;
    useAddress(host);
    const profile = mkdtempSync(join(tmpdir(), 'voxline-bench-recovery-'));
    mkdirSync(join(profile, 'Default'));
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ webrtc: { ip_handling_policy: 'default_public_and_private_interfaces' } }));
    const executablePath = (await findChromium()) ?? undefined;
    const context = await chromium.launchPersistentContext(profile, { ...(executablePath ? { executablePath } : {}), args: CHROMIUM_ARGS, headless: true });
    /** @type {Record<string, (number | null)[]>} */
    const samples = Object.fromEntries(LIBS.map((l) => [l, []]));
    /** @type {string[]} */
    const errors = [];
    try {
      const base = await env.baseUrl();
      for (const lib of LIBS) {
        const { a, b } = FEATURE_USERS[lib];
        const open = async (/** @type {string} */ user) => {
          const page = await context.newPage();
          await page.goto(`${base}/bench/pages/features.html?lib=${lib}`);
          await page.waitForFunction(() => /** @type {any} */ (window).benchReady === true, undefined, { timeout: 10_000 });
          const fp = new FeaturePage(page, lib, user, []);
          await fp.prepare(env);
          await fp.register();
          return fp;
        };
        const callee = await open(b);
        const caller = await open(a);
        const packets = (/** @type {FeaturePage} */ p) => p.page.evaluate(() => /** @type {any} */ (window).feat.inboundPackets());
        const bothReceiving = async () => {
          const before = await Promise.all([packets(caller), packets(callee)]);
          await sleep(POLL_MS);
          const after = await Promise.all([packets(caller), packets(callee)]);
          return after[0] > before[0] && after[1] > before[1];
        };
        try {
          for (let run = 1; run <= runs; run++) {
            try {
              await caller.call(b, { pollMs: 5 });
              const flowing = Date.now() + 5000;
              while (!(await bothReceiving()) && Date.now() < flowing);
              await sleep(1000);
              ipQuiet(['route', 'del', '8.8.8.8/32']);
              ip(['addr', 'del', `198.18.1.${host}/32`, 'dev', DEVICE]);
              await sleep(GAP_MS);
              useAddress(++host);
              const t0 = Date.now();
              let back = null;
              while (Date.now() - t0 < capMs) {
                const windowStart = Date.now();
                if (await bothReceiving()) {
                  back = windowStart - t0;
                  break;
                }
              }
              samples[lib]?.push(back);
            } catch (err) {
              samples[lib]?.push(null);
              errors.push(`${lib}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
            }
            await caller.hangup().catch(() => undefined);
            await callee.idle().catch(() => false);
            await sleep(300);
            if (run % 5 === 0 || run === runs) progress(`recovery ${lib} ${run}/${runs}`);
          }
        } finally {
          for (const p of [caller, callee]) await p.unregister().catch(() => undefined);
          for (const p of [caller, callee]) await p.page.close().catch(() => undefined);
        }
      }
    } finally {
      await context.close().catch(() => undefined);
      ipQuiet(['route', 'del', '8.8.8.8/32']);
      ipQuiet(['addr', 'del', `198.18.1.${host}/32`, 'dev', DEVICE]);
      rmSync(profile, { recursive: true, force: true });
    }
    const figures = [
      makeFigure({
        part: 'network-change',
        title: 'network change → audio both ways again',
        unit: 'ms',
        reference: `from the new media address (the old one removed ${GAP_MS} ms earlier) until inbound audio packets grow on both pages (polled every ${POLL_MS} ms); null: not within ${capMs} ms`,
        samples,
        capMs,
      }),
    ];
    const notes = [
      `network-change: both pages of a library in one Chromium whose WebRTC uses only the media address; the address is removed, ${GAP_MS} ms later another one is added (Chromium itself learns of address changes about 2 s late).`,
      'network-change: sip.js and JsSIP run as their documentation configures a call; neither restarts ICE by itself, so their media stays on the dead address.',
    ];
    if (errors.length) notes.push(`network-change: ${errors.length} failed run(s): ${errors.slice(0, 3).join('; ')}.`);
    const users = Object.fromEntries(LIBS.map((l) => [l, `${FEATURE_USERS[l].a} → ${FEATURE_USERS[l].b}`]));
    return { config: { gapMs: GAP_MS, pollMs: POLL_MS, capMs, libraries: librariesConfig(env, [...LIBS], users) }, figures, notes, raw: { 'network-change': samples } };
  },
};

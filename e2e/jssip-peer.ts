/**
 * A JsSIP phone page for interop specs (e2e/pages/jssip.html, driven through `window.jp`). JsSIP
 * 3.13 ships CommonJS only: the bench's bundler (bench/lib/jssip-bundle.mjs) builds the browser
 * bundle into e2e/.cache/ (ignored by git through a .gitignore of its own), once per JsSIP version.
 */
import type { Browser, Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureJsSipBundle } from '../bench/lib/jssip-bundle.mjs';

const e2eDir = fileURLToPath(new URL('.', import.meta.url));

/** Builds e2e/.cache/jssip.js if needed; returns the JsSIP version. */
export async function buildJsSip(): Promise<string> {
  const { version } = await ensureJsSipBundle(e2eDir);
  writeFileSync(`${e2eDir}.cache/.gitignore`, '*\n');
  return version;
}

/** One session event the page recorded. */
export interface JsSipEvent {
  type: string;
  t: number;
  cause?: string;
  contact?: string;
}

interface PagePeer {
  start(o: { url: string; domain: string; user: string; password: string }): Promise<void>;
  call(target: string, domain: string): Promise<void>;
  energy(ms: number): Promise<{ inbound: number; bytesIn: number }>;
  events: JsSipEvent[];
  state(): string | null;
}

export interface JsSipPeer {
  page: Page;
  close(): Promise<void>;
  /** Received audio energy gained over `ms`. */
  energy(ms?: number): Promise<{ inbound: number; bytesIn: number }>;
  events(): Promise<JsSipEvent[]>;
  /** `established`, `in-progress`, `ended`, or null before any call. */
  state(): Promise<string | null>;
}

/** Opens the JsSIP page in a browser context of its own and registers `user`. */
export async function openJsSip(browser: Browser, webUrl: string, sip: { url: string; domain: string; users: Record<string, string> }, user: string): Promise<JsSipPeer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${webUrl}/e2e/pages/jssip.html`);
  await page.waitForFunction(() => 'jp' in window);
  await page.evaluate((o) => (window as unknown as { jp: PagePeer }).jp.start(o), { url: sip.url, domain: sip.domain, user, password: sip.users[user]! });
  return {
    page,
    close: () => context.close(),
    energy: (ms = 600) => page.evaluate((ms) => (window as unknown as { jp: PagePeer }).jp.energy(ms), ms),
    events: () => page.evaluate(() => (window as unknown as { jp: PagePeer }).jp.events),
    state: () => page.evaluate(() => (window as unknown as { jp: PagePeer }).jp.state()),
  };
}

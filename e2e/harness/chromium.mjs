// @ts-check
/**
 * Finds a Chromium to drive: `CHROMIUM_PATH`, then Debian's `/usr/bin/chromium`, then the one
 * Playwright may have installed. Never downloads a browser.
 */
import { existsSync } from 'node:fs';

/** Flags every e2e and bench launch uses: fake media, no background traffic, loopback WebRTC. */
export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox',
];

/** @returns {Promise<string | null>} */
export async function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    const { chromium } = await import('@playwright/test');
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright not installed or has no browser of its own
  }
  return null;
}

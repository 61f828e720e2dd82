import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/harness/chromium.mjs';
import type { Options } from './e2e/fixtures';

const executablePath = await findChromium();
if (!executablePath) {
  throw new Error('No Chromium found: run `apt-get install -y chromium` (Debian) or set CHROMIUM_PATH');
}

/**
 * Every spec runs twice: once against a real Kamailio, once against the embedded dev server.
 * The `sipServer` option picks which one the fixtures start. The gateway specs
 * (e2e/gateway*.spec.ts) run only in the third project, "gateway": Kamailio + rtpengine, desk
 * phones (baresip), a PSTN stand-in (SIPp) and TURN (coturn), one topology on one worker,
 * wss:// with a self-signed certificate the harness makes (hence ignoreHTTPSErrors).
 */
const GATEWAY_SPECS = /[\\/]gateway[^\\/]*\.spec\.ts$/; // the file name (the worktree path may say "gateway" too)

export default defineConfig<Options>({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: '.e2e-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
    trace: 'off',
  },
  projects: [
    { name: 'kamailio', use: { sipServer: 'kamailio' }, testIgnore: GATEWAY_SPECS },
    { name: 'devserver', use: { sipServer: 'devserver' }, testIgnore: GATEWAY_SPECS },
    { name: 'gateway', use: { sipServer: 'kamailio', ignoreHTTPSErrors: true }, testMatch: GATEWAY_SPECS, workers: 1 },
  ],
});

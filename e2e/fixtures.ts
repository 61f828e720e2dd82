/**
 * Playwright fixtures shared by every spec:
 * - `sip` (worker): the SIP server of the project (`kamailio` or `devserver`), digest auth on.
 * - `web` (worker): a static server for the built SDK and the test pages.
 * - `openPage(kind)`: a fresh browser context on the script-tag (`iife`) or ES-module (`esm`) page.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { startSipServer, type SipServer, type SipServerKind } from './harness/sip-servers.mjs';
import { startStaticServer } from './harness/static-server.mjs';

export interface Options {
  sipServer: SipServerKind;
}

export interface WorkerFixtures {
  sip: SipServer;
  web: { url: string };
}

export interface TestFixtures {
  openPage: (kind?: 'iife' | 'esm') => Promise<Page>;
}

const root = fileURLToPath(new URL('..', import.meta.url));

export const test = base.extend<TestFixtures, WorkerFixtures & Options>({
  sipServer: ['devserver', { option: true, scope: 'worker' }],
  sip: [
    async ({ sipServer }, use) => {
      const server = await startSipServer(sipServer);
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 30_000 },
  ],
  web: [
    async ({}, use) => {
      const server = await startStaticServer({ root, allow: ['dist', 'e2e', 'node_modules'] });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  openPage: async ({ browser, web }, use, testInfo) => {
    const contexts: Array<{ close(): Promise<void> }> = [];
    const consoleLines: string[] = [];
    await use(async (kind = 'iife') => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const n = contexts.length;
      page.on('console', (msg) => consoleLines.push(`[page ${n}] ${msg.type()}: ${msg.text()}`));
      page.on('pageerror', (err) => consoleLines.push(`[page ${n}] pageerror: ${err.message}`));
      await page.goto(`${web.url}/e2e/pages/${kind}.html`);
      await page.waitForFunction(() => 'vx' in window);
      return page;
    });
    for (const c of contexts) await c.close();
    if (testInfo.status !== testInfo.expectedStatus && consoleLines.length > 0) {
      await testInfo.attach('browser-console', { body: consoleLines.join('\n'), contentType: 'text/plain' });
      if (process.env.VOXLINE_E2E_CONSOLE) console.log(consoleLines.join('\n'));
    }
  },
});

export { expect };

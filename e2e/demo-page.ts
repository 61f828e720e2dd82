/**
 * What the demo's specs (demo.spec.ts, a11y.spec.ts) share: the demo built into dist-demo/ and
 * served with its Content-Security-Policy, a fresh browser context per page (closed after each
 * test), opening the page and signing in through the form, and screenshots.
 *
 * `npm test` builds the SDK but not the demo, so {@link useDemoSite} builds it in `beforeAll` (a
 * no-op when dist-demo/ is up to date) with --no-sdk-build: it never rebuilds dist/ under the
 * specs running in parallel.
 */
import type { Browser, BrowserContext, Page, TestInfo } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures';
import type { SipServer } from './harness/sip-servers.mjs';
import { startStaticServer } from './harness/static-server.mjs';

export const root = fileURLToPath(new URL('..', import.meta.url));
/** The demo's CSP, as `npm start` sends it and index.html repeats it. */
export const CSP = "default-src 'self'; connect-src ws: wss:; worker-src 'self' blob:";
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };
export type Viewport = typeof DESKTOP;

export interface DemoPage {
  page: Page;
  /** Console errors, page errors and dialogs (an `alert()` would be an XSS). */
  errors: string[];
}

export interface OpenOptions {
  viewport: Viewport;
  /** Another static server for dist-demo/ (e.g. one sending another CSP). @defaultValue the shared one */
  site?: string;
  /** The CSP that server sends. @defaultValue {@link CSP} */
  csp?: string;
  /** Reduced motion: animations end at once (axe never measures a half-faded colour). */
  reducedMotion?: boolean;
  /** A script run in the page before the demo's own (test instrumentation). */
  initScript?: () => void;
  /** More of the page's query string, e.g. `shared=1`. @defaultValue none */
  search?: string;
}

/** What the demo needs of a SIP server: where it is, its domain, its users' passwords. */
export type DemoServer = Pick<SipServer, 'url' | 'domain' | 'users'>;

export interface DemoSite {
  /** Opens the demo on the sign-in screen, prefilled with `sip`'s server and domain. */
  open(browser: Browser, sip: DemoServer, options: OpenOptions): Promise<DemoPage>;
  /** Opens the demo and signs in as `user` (its password from `sip`); waits for "Connected". */
  signIn(browser: Browser, sip: DemoServer, user: string, options: OpenOptions & { displayName?: string }): Promise<DemoPage>;
}

/**
 * Registers the hooks of a demo spec (build and serve the demo; close every context after each
 * test) and returns the helpers that open pages on it.
 */
export function useDemoSite(): DemoSite {
  let server: { url: string; close(): Promise<void> } | undefined;
  const contexts: BrowserContext[] = [];

  test.beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/build-demo.mjs', '--no-sdk-build'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build:demo failed:\n${build.stdout}\n${build.stderr}`);
    server = await startStaticServer({ root, allow: ['dist-demo'], headers: { 'content-security-policy': CSP } });
  });
  test.afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  test.afterAll(async () => {
    await server?.close();
  });

  const open = async (browser: Browser, sip: DemoServer, options: OpenOptions): Promise<DemoPage> => {
    const context = await browser.newContext({ viewport: options.viewport, ...(options.reducedMotion ? { reducedMotion: 'reduce' as const } : {}) });
    contexts.push(context);
    if (options.initScript) await context.addInitScript(options.initScript);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('dialog', (dialog) => {
      errors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    const site = options.site ?? server!.url;
    const response = await page.goto(`${site}/dist-demo/?server=${encodeURIComponent(sip.url)}&domain=${sip.domain}${options.search ? `&${options.search}` : ''}`);
    expect(response?.headers()['content-security-policy']).toBe(options.csp ?? CSP);
    await expect(page.getByLabel('Server', { exact: true })).toHaveValue(sip.url);
    return { page, errors };
  };

  return {
    open,
    async signIn(browser, sip, user, options) {
      const demoPage = await open(browser, sip, options);
      await fillLogin(demoPage.page, user, sip.users[user]!, options.displayName);
      await expect(demoPage.page.locator('#badge')).toHaveAttribute('data-state', 'connected');
      await expect(demoPage.page.locator('#badge-text')).toHaveText('Connected');
      await expect(demoPage.page.locator('#me-uri')).toHaveText(`${user}@${sip.domain}`);
      return demoPage;
    },
  };
}

/** Fills the sign-in form (the display name when given) and presses "Sign in". */
export async function fillLogin(page: Page, user: string, password: string, displayName?: string): Promise<void> {
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  if (displayName !== undefined) await page.getByRole('textbox', { name: /^Display name/ }).fill(displayName);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** `caller` dials `calleeUser` from the number field, `callee` answers on its incoming panel: both are on the call. */
export async function callAndAnswer(caller: Page, callee: Page, calleeUser: string): Promise<void> {
  await caller.getByLabel('Who to call').fill(calleeUser);
  await caller.getByLabel('Who to call').press('Enter');
  const incoming = callee.getByRole('alertdialog');
  await expect(incoming).toBeVisible();
  await incoming.getByRole('button', { name: 'Answer' }).click();
  for (const page of [caller, callee]) await expect(page.locator('#call-status')).toHaveText('On call');
}

/** A screenshot in e2e/screenshots/, named `<project>-<name>.png`. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: `${root}e2e/screenshots/${testInfo.project.name}-${name}.png` });
}

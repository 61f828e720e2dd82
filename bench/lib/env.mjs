// @ts-check
/**
 * The environment every bench module shares, created lazily and torn down once: the static web
 * server (dist/, bench/, node_modules/), one headless Chromium, one Kamailio with digest auth
 * (DEFAULT_USERS plus the feature modules' FEATURE_USERS), one page per library, and a description of the machine.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../../e2e/harness/chromium.mjs';
import { DEFAULT_USERS, kamailioBinary, startKamailio } from '../../e2e/harness/kamailio.mjs';
import { startStaticServer } from '../../e2e/harness/static-server.mjs';
import { FEATURE_PASSWORDS } from './feature-page.mjs';
import { ensureJsSipBundle } from './jssip-bundle.mjs';
import { LibraryPage } from './lib-page.mjs';
import { libraries } from './libraries.mjs';

/**
 * @typedef {object} Machine
 * @property {string} cpu
 * @property {number} cores
 * @property {string} node
 * @property {string} os
 * @property {string | null} chromium
 * @property {string | null} kamailio
 * @property {string} netns
 * @property {string} [load] 1-minute load average while the module ran (the machine may be shared)
 */

export class BenchEnv {
  /**
   * @param {{ root: string, netns: string, log: (msg: string) => void }} opts
   */
  constructor({ root, netns, log }) {
    this.root = root;
    this.benchDir = path.join(root, 'bench');
    this.netns = netns;
    this.log = log;
    this.libraries = libraries(root);
    this.users = /** @type {Record<string, string>} */ ({ ...DEFAULT_USERS, ...FEATURE_PASSWORDS });
    /** @type {Awaited<ReturnType<typeof startStaticServer>> | null} */
    this.web = null;
    /** @type {import('@playwright/test').Browser | null} */
    this.browserInstance = null;
    /** @type {import('../../e2e/harness/kamailio.mjs').KamailioServer | null} */
    this.kamailioInstance = null;
    /** @type {Map<string, LibraryPage>} */
    this.pages = new Map();
  }

  /** @returns {Promise<import('@playwright/test').Browser>} */
  async browser() {
    if (this.browserInstance) return this.browserInstance;
    const executablePath = await findChromium();
    if (!executablePath) throw new Error('No Chromium found: apt-get install -y chromium, or set CHROMIUM_PATH');
    this.browserInstance = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    return this.browserInstance;
  }

  /** @returns {Promise<import('../../e2e/harness/kamailio.mjs').KamailioServer>} */
  async kamailio() {
    this.kamailioInstance ??= await startKamailio({ auth: true, users: this.users });
    return this.kamailioInstance;
  }

  async baseUrl() {
    this.web ??= await startStaticServer({ root: this.root, allow: ['dist', 'bench', 'node_modules'] });
    return this.web.url;
  }

  /**
   * The page of library `id`, opened once.
   * @param {string} id
   */
  async page(id) {
    const existing = this.pages.get(id);
    if (existing) return existing;
    const library = this.libraries.find((l) => l.id === id);
    if (!library) throw new Error(`unknown library ${id}`);
    if (id === 'jssip') {
      const bundle = await ensureJsSipBundle(this.benchDir);
      if (bundle.built) this.log(`built the JsSIP ${bundle.version} browser bundle (bench/.cache/jssip.js)`);
    }
    const page = await LibraryPage.open(await this.browser(), await this.baseUrl(), library);
    this.pages.set(id, page);
    return page;
  }

  /** @returns {Promise<Machine>} */
  async machine() {
    const cpus = os.cpus();
    let kamailio = null;
    const bin = kamailioBinary();
    if (bin) {
      try {
        kamailio = execFileSync(bin, ['-v'], { encoding: 'utf8' }).split('\n')[0]?.replace(/^version:\s*(kamailio\s*)?/i, '').trim() ?? null;
      } catch {
        kamailio = null;
      }
    }
    return {
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      node: process.version,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      chromium: this.browserInstance ? this.browserInstance.version() : null,
      kamailio,
      netns: this.netns,
    };
  }

  /** Console errors and warnings the pages logged, per library. */
  consoleLines() {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const [id, p] of this.pages) out[id] = [...p.consoleLines];
    return out;
  }

  async close() {
    for (const p of this.pages.values()) await p.close().catch(() => undefined);
    this.pages.clear();
    await this.browserInstance?.close().catch(() => undefined);
    this.browserInstance = null;
    await this.kamailioInstance?.stop().catch(() => undefined);
    this.kamailioInstance = null;
    await this.web?.close();
    this.web = null;
  }
}

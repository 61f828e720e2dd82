/**
 * A "media network" for the call-recovery specs: the pages' WebRTC uses one address that the
 * test can take away and replace mid-call (a Wi-Fi → LTE switch), or cut off with iptables,
 * without touching the signalling (WebSocket on 127.0.0.1) nor the other specs' media.
 *
 * How: Chromium's `webrtc.ip_handling_policy` = `default_public_and_private_interfaces` (a
 * profile preference) makes it gather candidates on the "default route" address only, which it
 * finds by asking the kernel which source address would reach 8.8.8.8. A host route to 8.8.8.8 on
 * the namespace's internal veth with `src 198.18.1.N` (nothing is ever sent there) names the
 * media address. Only inside the private network namespace of `npm run test:e2e`
 * (VOXLINE_E2E_NETNS_ACTIVE=1); the address and route are namespace-wide, so the tests using them
 * take a lock (the other project's worker waits).
 */
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, findChromium } from './harness/chromium.mjs';

const DEVICE = 'vx0';
const SUBNET = '198.18.1.0/24';

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: 'pipe' });
}

/** Runs without failing (teardown of what may already be gone). */
function tryRun(command: string, args: string[]): void {
  try {
    run(command, args);
  } catch {
    // already gone
  }
}

/** One media network: a browser whose pages send media from 198.18.1.`host`, and ways to break it. */
export class MediaNetwork {
  private host = 1;
  private readonly drops: string[][] = [];

  private constructor(
    readonly context: BrowserContext,
    private readonly profile: string,
    private readonly lock: string,
  ) {}

  /** Takes the lock, puts the media address up, launches a browser that uses only it. */
  static async open(): Promise<MediaNetwork> {
    const lock = await acquireLock();
    try {
      setAddress(1);
      const profile = mkdtempSync(join(tmpdir(), 'voxline-media-net-'));
      mkdirSync(join(profile, 'Default'));
      writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ webrtc: { ip_handling_policy: 'default_public_and_private_interfaces' } }));
      const executablePath = (await findChromium()) ?? undefined;
      const context = await chromium.launchPersistentContext(profile, { ...(executablePath ? { executablePath } : {}), args: CHROMIUM_ARGS, headless: true });
      return new MediaNetwork(context, profile, lock);
    } catch (err) {
      rmSync(lock, { recursive: true, force: true });
      throw err;
    }
  }

  /** The media address now. */
  get address(): string {
    return `198.18.1.${this.host}`;
  }

  /** A new page of this browser on the e2e test page (`window.vx`). */
  async page(webUrl: string, log: string[]): Promise<Page> {
    const page = await this.context.newPage();
    const n = this.context.pages().length;
    page.on('console', (msg) => log.push(`${Date.now() % 100_000} [page ${n}] ${msg.type()}: ${msg.text()}`));
    await page.goto(`${webUrl}/e2e/pages/iife.html`);
    await page.waitForFunction(() => 'vx' in window);
    return page;
  }

  /** The network goes away: the media address is removed (its candidates are dead). */
  removeAddress(): void {
    tryRun('ip', ['route', 'del', '8.8.8.8/32']);
    run('ip', ['addr', 'del', `${this.address}/32`, 'dev', DEVICE]);
  }

  /** Another network comes: a new media address (and default route). */
  addNewAddress(): void {
    this.host++;
    setAddress(this.host);
  }

  /** Drops every UDP packet of the media network (both directions: local traffic passes INPUT). */
  dropUdp(): void {
    const rule = ['INPUT', '-p', 'udp', '-s', SUBNET, '-j', 'DROP'];
    run('iptables', ['-w', '-I', ...rule]);
    this.drops.push(rule);
  }

  /** Lets UDP through again. */
  allowUdp(): void {
    for (const rule of this.drops.splice(0)) tryRun('iptables', ['-w', '-D', ...rule]);
  }

  /** Closes the browser, restores the namespace, releases the lock. */
  async close(): Promise<void> {
    this.allowUdp();
    await this.context.close().catch(() => undefined);
    tryRun('ip', ['route', 'del', '8.8.8.8/32']);
    for (let host = 1; host <= this.host; host++) tryRun('ip', ['addr', 'del', `198.18.1.${host}/32`, 'dev', DEVICE]);
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    rmSync(this.lock, { recursive: true, force: true });
  }
}

function setAddress(host: number): void {
  run('ip', ['addr', 'replace', `198.18.1.${host}/32`, 'dev', DEVICE]);
  run('ip', ['route', 'replace', '8.8.8.8/32', 'dev', DEVICE, 'src', `198.18.1.${host}`]);
}

/** A lock per network namespace (its inode names it), taken over from a dead holder. */
async function acquireLock(): Promise<string> {
  const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))?.[1] ?? 'host';
  const lock = join(tmpdir(), `voxline-media-net-lock-${namespace}`);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return lock;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
        process.kill(holder, 0);
      } catch {
        if (holder) rmSync(lock, { recursive: true, force: true }); // its holder is gone
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

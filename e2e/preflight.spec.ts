/**
 * `Voxline.preflight()` in Chromium against both servers (issue #17 item 3): every step on a
 * good setup, the failing step named on a bad one, and nothing left behind: no socket, peer
 * connection, microphone track, nor a registration (a call to the tested user finds nobody).
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

type Report = { ok: boolean; steps: Array<{ name: string; ok: boolean; skipped: boolean; message: string; code?: string; figures: Record<string, unknown> }> };

function run(page: Page, options: Record<string, unknown>): Promise<{ report: Report; progress: string[] }> {
  return page.evaluate(async (options) => {
    const progress: string[] = [];
    const report = await window.vx.sdk().preflight({ ...(options as { servers: string[]; user: string; password: string }), onProgress: (step) => progress.push(step.name) });
    return { report: JSON.parse(JSON.stringify(report)) as Report, progress };
  }, options);
}

async function leftOpen(page: Page): Promise<{ sockets: number; pcs: number; tracks: number }> {
  return page.evaluate(() => ({ sockets: window.vx.openWebSockets(), pcs: window.vx.openPeerConnections(), tracks: window.vx.liveMicrophoneTracks() }));
}

test.describe('preflight', () => {
  test('a good setup: every step ok (media skipped without TURN), progress in order, nothing left behind, no registration', async ({ openPage, sip }) => {
    const page = await openPage();
    const { report, progress } = await run(page, { servers: [sip.url], domain: sip.domain, user: 'alice', password: sip.users.alice!, logLevel: 'warn' });
    expect(progress).toEqual(['signalling', 'registration', 'microphone', 'ice', 'media']);
    expect(report.steps.map((s) => [s.name, s.ok, s.skipped])).toEqual([
      ['signalling', true, false],
      ['registration', true, false],
      ['microphone', true, false],
      ['ice', true, false],
      ['media', false, true],
    ]);
    expect(report.ok).toBe(true);
    const [signalling, registration, microphone, ice, media] = report.steps;
    expect(signalling!.figures.connectMs).toEqual(expect.any(Number));
    expect(signalling!.figures.roundTripMs).toEqual(expect.any(Number));
    expect(registration!.figures.registerMs).toEqual(expect.any(Number));
    expect(microphone!.figures.level as number).toBeGreaterThan(0.001);
    expect(ice!.figures.host as number).toBeGreaterThan(0);
    expect(media!.message).toMatch(/TURN/);
    await expect.poll(() => leftOpen(page)).toEqual({ sockets: 0, pcs: 0, tracks: 0 });
    // No binding left: a call to alice finds nobody.
    const outcome = await page.evaluate(
      async ({ url, domain, password }) => {
        const bob = window.vx.create('bob', { servers: [url], domain, logLevel: 'warn' });
        await bob.login('bob', password);
        const call = await bob.call('alice');
        const end = await new Promise<{ reason: string; status?: number }>((resolve) => call.on('ended', resolve));
        await bob.logout();
        return end;
      },
      { url: sip.url, domain: sip.domain, password: sip.users.bob! },
    );
    expect(['not-found', 'unavailable']).toContain(outcome.reason);
  });

  test('an unreachable server: ok false, signalling failed and named, registration skipped', async ({ openPage }) => {
    const page = await openPage();
    const { report } = await run(page, { servers: ['ws://127.0.0.1:9'], domain: 'voxline.test', user: 'alice', password: 'x', timeoutMs: 3000, logLevel: 'silent' });
    expect(report.ok).toBe(false);
    expect(report.steps.slice(0, 2).map((s) => [s.name, s.ok, s.skipped, s.code ?? null])).toEqual([
      ['signalling', false, false, 'connection'],
      ['registration', false, true, null],
    ]);
    await expect.poll(() => leftOpen(page)).toEqual({ sockets: 0, pcs: 0, tracks: 0 });
  });

  test('a wrong password: registration fails with code "authentication"', async ({ openPage, sip }) => {
    const page = await openPage();
    const { report } = await run(page, { servers: [sip.url], domain: sip.domain, user: 'alice', password: 'not-her-password', logLevel: 'silent' });
    expect(report.ok).toBe(false);
    const registration = report.steps.find((s) => s.name === 'registration')!;
    expect([registration.ok, registration.code]).toEqual([false, 'authentication']);
    expect(report.steps.find((s) => s.name === 'signalling')!.ok).toBe(true);
  });
});

/**
 * A hostile server: over a thousand malformed or hostile frames pushed into a logged-in
 * client's WebSocket (through an injecting proxy between the page and the real server), against
 * Kamailio and the dev server. Nothing may throw out of the SDK, nothing may reject unhandled,
 * the client stays registered and connected, and real messages and calls work afterwards.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { ackFor, answersInjected, branchOf, hostileFrames, statusOf, type HostileFrame } from './harness/hostile-frames.mjs';
import { startInjectProxy } from './harness/inject-proxy.mjs';

type Sip = { url: string; domain: string; users: Record<string, string> };
type PageError = { type: string; message: string };

const HEARD = 0.0001; // as in calls.spec.ts: a second of Chromium's fake tone is far above this

async function login(page: Page, name: string, url: string, sip: Sip): Promise<void> {
  await page.evaluate(
    async ({ name, url, domain, password }) => {
      const client = window.vx.create(name, { servers: [url], domain, logLevel: 'warn' });
      // Calls from the fuzzer are turned down at once; a failure to do so is recorded.
      client.on('incomingcall', (call) => {
        if (call.remote.user === 'fuzzer') call.reject().catch((err: Error) => window.vx.events.push({ client: name, type: 'reject-failed', payload: err.message, t: Date.now() }));
      });
      await client.login(name, password);
    },
    { name, url, domain: sip.domain, password: sip.users[name]! },
  );
}

function pageErrors(page: Page): Promise<PageError[]> {
  return page.evaluate(() => (window.vx as unknown as { pageErrors: PageError[] }).pageErrors.slice());
}

function clientState(page: Page, name: string) {
  return page.evaluate((n) => {
    const c = window.vx.clients[n]!;
    return { registered: c.registered, connection: c.connectionState, calls: c.calls.length };
  }, name);
}

/** Energy of the received audio gained over `ms` on `name`'s call `index`. */
function heard(page: Page, name: string, index: number, ms = 1200): Promise<number> {
  return page.evaluate(
    async ({ name, index, ms }) => {
      const call = window.vx.calls[name]![index]!;
      const a = await call.getStats();
      await new Promise((r) => setTimeout(r, ms));
      return (await call.getStats()).inboundAudioEnergy - a.inboundAudioEnergy;
    },
    { name, index, ms },
  );
}

test.describe('hostile server', () => {
  test('1,087 malformed and hostile frames: nothing throws, the client stays registered, then messages and calls work', async ({ openPage, sip }, testInfo) => {
    test.setTimeout(60_000);
    /** Answers of the client to injected requests, by Via branch. */
    const answers = new Map<string, number[]>();
    const byBranch = new Map<string, HostileFrame>();
    const acks: Promise<void>[] = [];
    const proxy = await startInjectProxy({
      target: sip.url,
      intercept: (text) => {
        if (!answersInjected(text)) return false;
        const branch = branchOf(text)!;
        const status = statusOf(text)!;
        answers.set(branch, [...(answers.get(branch) ?? []), status]);
        // A final failure of an INVITE is ACKed, as a real server would.
        const invite = byBranch.get(branch)?.invite;
        const cseqMethod = /^CSeq:\s*\d+\s+(\S+)/im.exec(text)?.[1];
        if (status >= 300 && cseqMethod === 'INVITE' && invite) acks.push(proxy.inject(ackFor(invite, branch, text)).catch(() => undefined));
        return true;
      },
    });
    try {
      const alice = await openPage();
      const bob = await openPage();
      const playwrightErrors: string[] = [];
      alice.on('pageerror', (err) => playwrightErrors.push(err.message));
      // Warnings: all of them, and the SDK's inbound guard's own (logged through sip.Transport).
      const warnings = { all: 0, guard: [] as string[] };
      alice.on('console', (msg) => {
        if (msg.type() !== 'warning') return;
        warnings.all++;
        if (msg.text().includes('sip.Transport:')) warnings.guard.push(msg.text());
      });
      await login(alice, 'alice', proxy.url, sip);
      await login(bob, 'bob', sip.url, sip);
      await proxy.ready();

      // The client's own Via, read from its REGISTER: `WS` on a ws:// server (issue #10), and its host.
      const register = proxy.fromPage.find((f) => f.startsWith('REGISTER '))!;
      const via = /^Via: SIP\/2\.0\/(\S+) ([^;\s]+)/m.exec(register)!;
      expect(via[1]).toBe('WS');
      const frames = hostileFrames({ domain: sip.domain, user: 'alice', viaHost: via[2]! });
      for (const f of frames) if (f.branch) byBranch.set(f.branch, f);
      expect(frames.length).toBeGreaterThanOrEqual(1000);

      const t0 = Date.now();
      for (const [i, frame] of frames.entries()) {
        await proxy.inject(frame.data);
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20)); // let the page breathe a little
      }
      const injectMs = Date.now() - t0;
      // Every INVITE of the flood is rung (180) and then turned down by the page (486).
      const flood = frames.filter((f) => f.kind === 'invite-flood');
      await expect.poll(() => flood.filter((f) => answers.get(f.branch!)?.includes(486)).length, { timeout: 20_000 }).toBe(flood.length);
      await expect.poll(async () => (await clientState(alice, 'alice')).calls, { timeout: 10_000 }).toBe(0);
      await Promise.all(acks);

      // Figures: frames sent by kind and what the client answered.
      const table: Record<string, { sent: number; answered: Record<string, number>; unanswered: number }> = {};
      for (const f of frames) {
        const row = (table[f.kind] ??= { sent: 0, answered: {}, unanswered: 0 });
        row.sent++;
        const finals = (f.branch ? (answers.get(f.branch) ?? []) : []).filter((s) => s >= 200);
        if (finals.length === 0) row.unanswered++;
        for (const s of finals) row.answered[s] = (row.answered[s] ?? 0) + 1;
      }
      const incoming = await alice.evaluate(() => window.vx.of('alice', 'incomingcall').length);
      const figures = { frames: frames.length, injectMs, table, incomingCalls: incoming, acksSent: acks.length, pageWarnings: warnings.all, guardWarnings: warnings.guard.length };
      await testInfo.attach('hostile-figures', { body: JSON.stringify(figures, null, 2), contentType: 'application/json' });
      console.log(`[${testInfo.project.name}] hostile figures ${JSON.stringify(figures)}`);

      expect(playwrightErrors).toEqual([]);
      expect(await pageErrors(alice)).toEqual([]);
      expect(await alice.evaluate(() => window.vx.of('alice', 'reject-failed'))).toEqual([]);
      expect(await clientState(alice, 'alice')).toEqual({ registered: true, connection: 'connected', calls: 0 });
      expect(await alice.evaluate(() => window.vx.of('alice', 'connectionchange').length)).toBe(1);
      // No injected request got two final answers (sip.js's and a fallback one), and every
      // whole one but ACK got one (truncated ones may lack the headers needed to answer).
      expect([...answers.values()].filter((list) => list.filter((s) => s >= 200).length > 1)).toEqual([]);
      const requests = frames.filter((f) => f.branch && f.kind !== 'truncated' && !String(f.data).startsWith('ACK '));
      expect(requests.filter((f) => !answers.get(f.branch!)?.some((s) => s >= 200)).map((f) => String(f.data).slice(0, 60))).toEqual([]);
      // What SIP says: 405 for unknown methods (400 where sip.js's grammar cannot read a valid
      // token, e.g. PUBLISHX), 481 for dialog-less PRACK/BYE/CANCEL, nothing for ACK.
      const finalOf = (f: HostileFrame) => (answers.get(f.branch!) ?? []).filter((s) => s >= 200);
      const unknown = frames.filter((f) => f.kind === 'unknown-method');
      expect(unknown.map(finalOf).flat()).toEqual(unknown.map((f) => ((f.data as string).startsWith('PUBLISHX') ? 400 : 405)));
      const ood = (method: string) => frames.filter((f) => f.kind === 'out-of-dialog' && (f.data as string).startsWith(`${method} `));
      for (const method of ['PRACK', 'BYE', 'CANCEL']) expect(ood(method).map(finalOf).flat(), method).toEqual(Array(20).fill(481));
      expect(ood('ACK').map(finalOf).flat()).toEqual([]);
      for (const kind of ['orphan-response', 'bad-cseq-response', 'bad-via-response']) expect(table[kind]!.unanswered).toBe(table[kind]!.sent);
      expect(incoming).toBeGreaterThanOrEqual(flood.length);
      // The guard logs a flood in a few lines (5 per 10 s window, then a summary), not one per frame.
      expect(warnings.guard.length).toBeGreaterThanOrEqual(5);
      expect(warnings.guard.length).toBeLessThanOrEqual(7);

      // Real traffic afterwards: a MESSAGE each way...
      await bob.evaluate(() => window.vx.clients.bob!.sendMessage('alice', 'still there?'));
      await expect.poll(() => alice.evaluate(() => window.vx.of('alice', 'message').map((e) => (e.payload as { from: string; body: string }).from + ':' + (e.payload as { body: string }).body))).toContain('bob:still there?');
      await alice.evaluate(() => window.vx.clients.alice!.sendMessage('bob', 'yes'));
      await expect.poll(() => bob.evaluate(() => window.vx.of('bob', 'message').map((e) => (e.payload as { body: string }).body))).toEqual(['yes']);
      // ...and a call from bob to alice, answered, with audio both ways.
      await bob.evaluate(async () => window.vx.trackCall('bob', await window.vx.clients.bob!.call('alice')));
      await expect.poll(() => alice.evaluate(() => window.vx.calls.alice!.filter((c) => c.remote.user === 'bob').length)).toBe(1);
      const index = await alice.evaluate(() => window.vx.calls.alice!.findIndex((c) => c.remote.user === 'bob'));
      await alice.evaluate((i) => window.vx.calls.alice![i]!.answer(), index);
      await expect.poll(() => bob.evaluate(() => window.vx.calls.bob![0]!.state)).toBe('answered');
      expect(await heard(alice, 'alice', index)).toBeGreaterThan(HEARD);
      expect(await heard(bob, 'bob', 0)).toBeGreaterThan(HEARD);
      await bob.evaluate(() => window.vx.calls.bob![0]!.hangup());
      await expect.poll(() => alice.evaluate((i) => window.vx.calls.alice![i]!.state, index)).toBe('ended');

      expect(playwrightErrors).toEqual([]);
      expect(await pageErrors(alice)).toEqual([]);
      expect(await clientState(alice, 'alice')).toEqual({ registered: true, connection: 'connected', calls: 0 });
    } finally {
      await proxy.stop();
    }
  });
});

/**
 * Calls between real browsers (one page per user) with real WebRTC audio, against Kamailio and
 * the dev server. Audio is asserted from WebRTC statistics: the received audio energy must grow
 * (Chromium's fake microphone plays a tone), not just "connected".
 */
import type { Page } from '@playwright/test';
import { received, signIn, type Sip } from './call-pages';
import { test, expect } from './fixtures';

async function user(openPage: (kind?: 'iife' | 'esm') => Promise<Page>, name: string, sip: Sip, autoAnswer = false): Promise<Page> {
  const page = await openPage();
  await signIn(page, name, sip, autoAnswer);
  return page;
}

/** Alice calls `to`; returns when the INVITE is sent. */
function dial(page: Page, from: string, to: string): Promise<string> {
  return page.evaluate(
    async ({ from, to }) => {
      const call = await window.vx.clients[from]!.call(to);
      window.vx.trackCall(from, call);
      return call.id;
    },
    { from, to },
  );
}

function callEvents(page: Page, name: string, index = 0): Promise<string[]> {
  return page.evaluate(
    ({ name, index }) => {
      const call = window.vx.calls[name]?.[index];
      if (!call) return [];
      return window.vx.events
        .filter((e) => e.callId === call.id)
        .map((e) => (e.type === 'call:ended' ? `ended:${(e.payload as { reason: string }).reason}` : e.type === 'call:dtmf' ? `dtmf:${(e.payload as { tone: string }).tone}` : e.type.slice(5)));
    },
    { name, index },
  );
}

function callOf(page: Page, name: string, index = 0) {
  return {
    do: (method: 'answer' | 'reject' | 'hangup' | 'hold' | 'unhold' | 'mute' | 'unmute') =>
      page.evaluate(({ name, index, method }) => Promise.resolve(window.vx.calls[name]![index]![method]()).then(() => window.vx.calls[name]![index]!.state), { name, index, method }),
    state: () => page.evaluate(({ name, index }) => window.vx.calls[name]?.[index]?.state ?? null, { name, index }),
    /** Received audio energy and bytes gained over `ms`, and the stats at the end. */
    energy: (ms = 1200) => received(page, name, index, ms),
  };
}

const HEARD = 0.0001; // energy gained per ~1 s of Chromium's fake tone is orders of magnitude above this

test.describe('calls', () => {
  test('alice calls bob, bob answers: audio flows both ways; caller hangs up', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => bob.evaluate(() => window.vx.of('bob', 'incomingcall').length)).toBe(1);
    const incoming = await bob.evaluate(() => window.vx.of('bob', 'incomingcall')[0]!.payload as { remote: { user: string; uri: string }; direction: string; state: string });
    expect(incoming).toMatchObject({ direction: 'incoming', state: 'ringing', remote: { user: 'alice' } });
    await expect.poll(() => callEvents(alice, 'alice')).toEqual(['ringing']);
    expect(await callOf(bob, 'bob').do('answer')).toBe('answered');
    await expect.poll(() => callEvents(alice, 'alice')).toEqual(['ringing', 'answered']);

    const heardByBob = await callOf(bob, 'bob').energy();
    const heardByAlice = await callOf(alice, 'alice').energy();
    expect(heardByBob.energy).toBeGreaterThan(HEARD);
    expect(heardByAlice.energy).toBeGreaterThan(HEARD);
    expect(heardByAlice.bytes).toBeGreaterThan(1000);
    expect(heardByAlice.stats.codec).toBe('opus');
    expect(heardByAlice.stats.mos).toBeGreaterThan(3.5);
    expect(await alice.evaluate(() => window.vx.audioElements())).toBe(1);

    await callOf(alice, 'alice').do('hangup');
    await expect.poll(() => callEvents(bob, 'bob')).toEqual(['answered', 'ended:remote-hangup']);
    expect(await callEvents(alice, 'alice')).toEqual(['ringing', 'answered', 'ended:local-hangup']);
    // Nothing left behind on either side: no peer connection, no <audio>, microphone released.
    for (const [page, name] of [[alice, 'alice'], [bob, 'bob']] as const) {
      await expect.poll(() => page.evaluate(() => window.vx.openPeerConnections())).toBe(0);
      expect(await page.evaluate(() => window.vx.audioElements())).toBe(0);
      expect(await page.evaluate(() => window.vx.liveMicrophoneTracks())).toBe(0);
      expect(await page.evaluate((n) => window.vx.clients[n]!.calls.length, name)).toBe(0);
    }
  });

  test('callee hangs up', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip, true);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => callEvents(alice, 'alice')).toContain('answered');
    await callOf(bob, 'bob').do('hangup');
    await expect.poll(() => callEvents(alice, 'alice')).toContain('ended:remote-hangup');
    await expect.poll(() => callEvents(bob, 'bob')).toEqual(['answered', 'ended:local-hangup']);
  });

  test('rejected → busy (486), unknown user → not-found (404), cancelled before answer → canceled', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => bob.evaluate(() => window.vx.calls.bob?.length ?? 0)).toBe(1);
    await callOf(bob, 'bob').do('reject');
    await expect.poll(() => callEvents(alice, 'alice', 0)).toEqual(['ringing', 'ended:busy']);
    expect(await callEvents(bob, 'bob', 0)).toEqual(['ended:rejected']);
    const busy = await alice.evaluate(() => window.vx.events.find((e) => e.type === 'call:ended')!.payload);
    expect(busy).toEqual({ reason: 'busy', status: 486 });

    await dial(alice, 'alice', 'nobody');
    await expect.poll(() => callEvents(alice, 'alice', 1)).toEqual(['ended:not-found']);

    await dial(alice, 'alice', 'bob');
    await expect.poll(() => callEvents(alice, 'alice', 2)).toEqual(['ringing']);
    await callOf(alice, 'alice', 2).do('hangup');
    await expect.poll(() => callEvents(alice, 'alice', 2)).toEqual(['ringing', 'ended:canceled']);
    await expect.poll(() => callEvents(bob, 'bob', 1)).toEqual(['ended:canceled']);
    for (const page of [alice, bob]) await expect.poll(() => page.evaluate(() => window.vx.openPeerConnections())).toBe(0);
  });

  test('mute silences outbound audio; hold stops media and unhold brings it back', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip, true);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => callEvents(alice, 'alice')).toContain('answered');
    expect((await callOf(bob, 'bob').energy()).energy).toBeGreaterThan(HEARD);

    expect(await callOf(alice, 'alice').do('mute')).toBe('answered');
    expect(await alice.evaluate(() => window.vx.calls.alice![0]!.muted)).toBe(true);
    // Once the jitter buffer has played out, bob hears silence.
    await expect.poll(async () => (await callOf(bob, 'bob').energy(600)).energy, { timeout: 6000 }).toBeLessThan(HEARD / 10);
    await callOf(alice, 'alice').do('unmute');
    await expect.poll(async () => (await callOf(bob, 'bob').energy(600)).energy, { timeout: 6000 }).toBeGreaterThan(HEARD);

    expect(await callOf(alice, 'alice').do('hold')).toBe('held');
    await expect.poll(async () => (await callOf(alice, 'alice').energy(600)).bytes, { timeout: 6000 }).toBe(0);
    expect(await callOf(alice, 'alice').do('unhold')).toBe('answered');
    await expect.poll(async () => (await callOf(alice, 'alice').energy(600)).energy, { timeout: 6000 }).toBeGreaterThan(HEARD);
    // Both directions again: bob hears alice after she resumes.
    await expect.poll(async () => (await callOf(bob, 'bob').energy(600)).energy, { timeout: 6000 }).toBeGreaterThan(HEARD);
    expect(await callEvents(alice, 'alice')).toEqual(['ringing', 'answered', 'muted', 'unmuted', 'held', 'resumed']);
    await callOf(alice, 'alice').do('hangup');
  });

  test('DTMF: tones sent by INFO arrive as dtmf events; RTP tones are accepted; bad tones throw TypeError', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip, true);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => callEvents(alice, 'alice')).toContain('answered');
    await alice.evaluate(() => window.vx.calls.alice![0]!.sendDtmf('12#*A', { method: 'info' }));
    await expect.poll(() => callEvents(bob, 'bob')).toEqual(['answered', 'dtmf:1', 'dtmf:2', 'dtmf:#', 'dtmf:*', 'dtmf:A']);
    const rtp = await alice.evaluate(() => window.vx.attempt(() => window.vx.calls.alice![0]!.sendDtmf('123', { method: 'rtp' })));
    expect(rtp.ok).toBe(true);
    const bad = await alice.evaluate(() => window.vx.attempt(() => window.vx.calls.alice![0]!.sendDtmf('12x')));
    expect(bad.error).toMatchObject({ name: 'TypeError' });
    expect(bad.error!.message).toContain('sendDtmf(tones)');
    await callOf(alice, 'alice').do('hangup');
  });

  test('blind transfer: alice → bob, bob transfers to carol, alice ends up talking to carol', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip, true);
    const carol = await user(openPage, 'carol', sip, true);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => callEvents(alice, 'alice')).toContain('answered');
    await bob.evaluate(() => window.vx.calls.bob![0]!.transfer('carol'));
    await expect.poll(() => callEvents(bob, 'bob')).toEqual(['answered', 'ended:local-hangup']);
    await expect.poll(() => alice.evaluate(() => window.vx.calls.alice!.length)).toBe(2);
    expect(await callEvents(alice, 'alice', 0)).toEqual(expect.arrayContaining(['transferred', 'ended:remote-hangup']));
    await expect.poll(() => callEvents(alice, 'alice', 1)).toContain('answered');
    const newCall = await alice.evaluate(() => ({ remote: window.vx.calls.alice![1]!.remote.user, state: window.vx.calls.alice![1]!.state }));
    expect(newCall).toEqual({ remote: 'carol', state: 'answered' });
    expect((await callOf(carol, 'carol').energy()).energy).toBeGreaterThan(HEARD);
    expect((await callOf(alice, 'alice', 1).energy()).energy).toBeGreaterThan(HEARD);
    await callOf(alice, 'alice', 1).do('hangup');
    await expect.poll(() => callEvents(carol, 'carol')).toContain('ended:remote-hangup');
  });

  test('two calls at once are independent; logout ends the rest with local-hangup and frees the microphone', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip, true);
    const carol = await user(openPage, 'carol', sip, true);
    await dial(alice, 'alice', 'bob');
    await dial(alice, 'alice', 'carol');
    await expect.poll(() => callEvents(alice, 'alice', 0)).toContain('answered');
    await expect.poll(() => callEvents(alice, 'alice', 1)).toContain('answered');
    expect(await alice.evaluate(() => window.vx.openPeerConnections())).toBe(2);
    expect(await alice.evaluate(() => window.vx.liveMicrophoneTracks())).toBe(2);
    await callOf(alice, 'alice', 0).do('hangup');
    await expect.poll(() => callEvents(bob, 'bob')).toContain('ended:remote-hangup');
    expect(await callOf(alice, 'alice', 1).state()).toBe('answered');
    expect((await callOf(carol, 'carol').energy()).energy).toBeGreaterThan(HEARD);
    await alice.evaluate(() => window.vx.clients.alice!.logout());
    expect(await callEvents(alice, 'alice', 1)).toEqual(['ringing', 'answered', 'ended:local-hangup']);
    await expect.poll(() => callEvents(carol, 'carol')).toContain('ended:remote-hangup');
    await expect.poll(() => alice.evaluate(() => window.vx.openPeerConnections())).toBe(0);
    expect(await alice.evaluate(() => window.vx.audioElements())).toBe(0);
    expect(await alice.evaluate(() => window.vx.liveMicrophoneTracks())).toBe(0);
  });

  test('microphone denied: call() rejects with MediaError and sends nothing; bad arguments throw TypeError', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    const bob = await user(openPage, 'bob', sip);
    const results = await alice.evaluate(async () => {
      const c = window.vx.clients.alice!;
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
      const denied = await window.vx.attempt(() => c.call('bob'));
      navigator.mediaDevices.getUserMedia = original;
      const badTarget = await window.vx.attempt(() => c.call('bob smith'));
      const badHeader = await window.vx.attempt(() => c.call('bob', { headers: { Via: 'x' } }));
      const ended = await window.vx.attempt(() => c.calls[0]?.hold() ?? Promise.reject(new Error('no call')));
      return { denied, badTarget, badHeader, ended };
    });
    expect(results.denied.error).toMatchObject({ name: 'MediaError', code: 'media', isVoxline: true });
    expect(results.denied.error!.message).toContain('permission');
    expect(results.badTarget.error).toMatchObject({ name: 'TypeError' });
    expect(results.badTarget.error!.message).toContain('call(target)');
    expect(results.badHeader.error!.message).toContain('"Via"');
    await bob.waitForTimeout(500);
    expect(await bob.evaluate(() => window.vx.of('bob', 'incomingcall').length)).toBe(0);
  });

  test('hold() on an ended call throws InvalidStateError naming the state', async ({ openPage, sip }) => {
    const alice = await user(openPage, 'alice', sip);
    await user(openPage, 'bob', sip, true);
    await dial(alice, 'alice', 'bob');
    await expect.poll(() => callEvents(alice, 'alice')).toContain('answered');
    await callOf(alice, 'alice').do('hangup');
    const result = await alice.evaluate(() => window.vx.attempt(() => window.vx.calls.alice![0]!.hold()));
    expect(result.error).toMatchObject({ name: 'InvalidStateError', code: 'invalid-state' });
    expect(result.error!.message).toContain('"ended"');
  });
});

test.describe('calls across a reconnect', () => {
  test('a call survives the loss of the caller’s signalling link: audio keeps flowing and the callee’s hangup still arrives', async ({ openPage, sip }) => {
    const { startFaultProxy } = await import('./harness/fault-proxy.mjs');
    const proxy = await startFaultProxy({ targetPort: sip.port });
    try {
      const alice = await openPage();
      await alice.evaluate(
        async ({ url, domain, password }) => {
          const client = window.vx.create('alice', { servers: [url], domain, logLevel: 'warn' });
          await client.login('alice', password);
        },
        { url: proxy.url, domain: sip.domain, password: sip.users.alice! },
      );
      const bob = await user(openPage, 'bob', sip, true);
      await dial(alice, 'alice', 'bob');
      await expect.poll(() => callEvents(alice, 'alice')).toContain('answered');
      proxy.reset();
      await expect.poll(() => alice.evaluate(() => window.vx.of('alice', 'connectionchange').map((e) => (e.payload as { state: string }).state)), { timeout: 8000 }).toEqual(['connected', 'disconnected', 'reconnected']);
      expect(await callOf(alice, 'alice').state()).toBe('answered');
      expect((await callOf(alice, 'alice').energy()).energy).toBeGreaterThan(HEARD);
      expect((await callOf(bob, 'bob').energy()).energy).toBeGreaterThan(HEARD);
      // Give the re-INVITE that refreshes the dialog a moment, then the callee hangs up.
      await expect.poll(() => bob.evaluate(() => window.vx.calls.bob![0]!.state)).toBe('answered');
      await alice.waitForTimeout(500);
      await callOf(bob, 'bob').do('hangup');
      await expect.poll(() => callEvents(alice, 'alice'), { timeout: 5000 }).toContain('ended:remote-hangup');
      await expect.poll(() => alice.evaluate(() => window.vx.openPeerConnections())).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});

/**
 * A call to a plain SIP desk phone survives a reload of the browser's page (#15, far end = a
 * media endpoint with no WebRTC of its own): alice calls baresip (desk-pcmu, desk-opus) through
 * Kamailio + rtpengine, audio both ways; alice's page reloads and logs in again; `callresumed`,
 * the phone's tone is heard again within 3 s of `login()` resolving, the phone never saw the call
 * end, and the phone hears the browser again.
 *
 * The resume re-INVITE carries no SDP (late offer): baresip offers in its 200 (RFC 3264 §5) and
 * the browser answers in the ACK. e2e/gateway/kamailio.cfg hands the 200's SDP to rtpengine as
 * the offer (towards the WebRTC leg) and the ACK's as the answer (towards the plain leg); the
 * rtpengine commands of the resume are checked here too.
 *
 * Each run prints `[gateway-resume] <phone>: login→tone N ms, login→phone hears N ms`.
 */
import type { Page } from '@playwright/test';
import { test, expect, gatewayUnavailable, dial, callEvents, received, HEARD } from './gateway-fixtures';
import { analyseRecording } from './harness/audio-files.mjs';
import type { Baresip } from './harness/baresip.mjs';
import type { Gateway } from './harness/gateway.mjs';

test.skip(gatewayUnavailable() !== null, gatewayUnavailable() ?? '');

const AUDIO_BACK_MS = 3000;
/** Received energy gained in one 100 ms sample that counts as "heard" (the phone's tone is far above). */
const HEARD_PER_SAMPLE = 0.00001;
/** The phone's received bitrate (bit/s) while the browser sends audio: opus ~32 k, PCMU 64 k; a held or gone browser sends none. */
const PHONE_HEARS_BPS = 8000;

const PHONES = [
  { user: 'desk-pcmu', codec: 'pcmu', phone: (g: Gateway) => g.deskPcmu },
  { user: 'desk-opus', codec: 'opus', phone: (g: Gateway) => g.deskOpus },
] as const;

type W = Window & { energyLog?: Array<{ t: number; d: number; rx?: number }> };

/** Creates client alice on `page` and logs her in; resolves to the time when login() resolved. */
function login(page: Page, gateway: Gateway): Promise<number> {
  return page.evaluate(
    async ({ url, domain, password }) => {
      const client = window.vx.create('alice', { servers: [url], domain, logLevel: 'warn' });
      await client.login('alice', password);
      return Date.now();
    },
    { url: gateway.kamailio.url, domain: gateway.domain, password: gateway.users.alice },
  );
}

/** Logs, every 100 ms, the received energy gained by alice's latest call (0 while there is none). */
function logEnergy(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as W;
    const log: NonNullable<W['energyLog']> = (w.energyLog = []);
    let previous: number | null = null;
    const tick = async (): Promise<void> => {
      const call = window.vx.calls.alice?.at(-1);
      const stats = call && call.state !== 'ended' ? await call.getStats() : null;
      const energy = stats ? stats.inboundAudioEnergy : null;
      log.push({ t: Date.now(), d: energy !== null && previous !== null ? energy - previous : 0, rx: stats?.bytesReceived });
      previous = energy;
      setTimeout(() => void tick(), 100);
    };
    void tick();
  });
}

/** The first time at or after `since` when the page heard the tone: a 100 ms sample, all after `since`, with energy and new bytes. */
async function heardAt(page: Page, since: number): Promise<number | null> {
  const log = await page.evaluate(() => (window as W).energyLog ?? []);
  return log.find((s, i) => i > 0 && log[i - 1]!.t >= since && s.d > HEARD_PER_SAMPLE && (s.rx ?? 0) > (log[i - 1]!.rx ?? 0))?.t ?? null;
}

/** Waits until the phone's status line reports it receives audio; resolves to when it first did. */
async function phoneHearsAt(phone: Baresip, timeoutMs: number): Promise<number> {
  let at = 0;
  await expect.poll(() => ((phone.bitrates()?.rx ?? 0) > PHONE_HEARS_BPS ? (at = Date.now()) : 0), { timeout: timeoutMs, intervals: [100] }).toBeGreaterThan(0);
  return at;
}

/** The phone's recording of what it received in the call that started at `started`, and its length in seconds. */
function recording(phone: Baresip, started: number): { file: string | null; seconds: number } {
  const file = phone.recordingSince(started);
  return { file, seconds: file ? analyseRecording(file).seconds : 0 };
}

/**
 * Waits until the phone records audio again after `before` (its decoder writes only what arrives:
 * nothing while the page is gone); resolves to when it did.
 */
async function phoneRecordsAt(phone: Baresip, started: number, before: { file: string | null; seconds: number }, timeoutMs: number): Promise<number> {
  let at = 0;
  await expect
    .poll(
      () => {
        const now = recording(phone, started);
        const grown = now.file !== before.file ? now.seconds : now.seconds - before.seconds;
        return grown > 0.1 ? (at = Date.now()) : 0;
      },
      { timeout: timeoutMs, intervals: [100] },
    )
    .toBeGreaterThan(0);
  return at;
}

/** Waits until the phone's status line reports it receives (almost) nothing. */
async function phoneDeaf(phone: Baresip, timeoutMs: number): Promise<void> {
  await expect.poll(() => phone.bitrates()?.rx ?? 0, { timeout: timeoutMs, intervals: [200] }).toBeLessThan(PHONE_HEARS_BPS);
}

test.describe('a call to a desk phone across a page reload (late-offer re-INVITE through rtpengine)', () => {
  for (const { user, codec, phone: pick } of PHONES) {
    test(`${user}: alice reloads, callresumed, the tone is back within 3 s of login(), the phone keeps the call and hears the browser again`, async ({ openPage, gateway }) => {
      const phone = pick(gateway);
      const alice = await openPage();
      await login(alice, gateway);
      const since = phone.mark();
      const started = Date.now();
      const index = await dial(alice, 'alice', phone.user);
      // The phone answers at once: its 180 and 200 may cross in Kamailio's UDP workers (a 180 after
      // the 200 is dropped by the INVITE transaction), so only the answer is awaited here.
      await expect.poll(async () => (await callEvents(alice, 'alice', index)).filter((e) => e === 'answered'), { timeout: 10_000 }).toEqual(['answered']);
      await phone.waitEvent((e) => e.type === 'CALL_ESTABLISHED' && e.direction === 'incoming', { since });
      const heard = await received(alice, 'alice', index, 1200);
      expect(heard.codec).toBe(codec);
      expect(heard.energy).toBeGreaterThan(HEARD);
      await phoneHearsAt(phone, 6000);
      const before = await alice.evaluate(() => {
        const call = window.vx.calls.alice!.at(-1)!;
        return { id: call.id, answeredAt: call.answeredAt, remote: call.remote.user };
      });
      const remoteSdps = phone.messages.slice(since).filter((m) => m.type === 'CALL_REMOTE_SDP').length;

      await alice.reload();
      await alice.waitForFunction(() => 'vx' in window);
      // the page is gone: the phone hears nothing (rtpengine has nowhere to take its audio from)
      await phoneDeaf(phone, 6000);
      const recorded = recording(phone, started);
      expect(recorded.seconds).toBeGreaterThan(1);
      const commands = gateway.rtpengineCommands().length;
      await logEnergy(alice);
      const loggedInAt = await login(alice, gateway);
      await expect.poll(() => alice.evaluate(() => window.vx.of('alice', 'callresumed').length)).toBe(1);

      await expect.poll(() => heardAt(alice, loggedInAt), { timeout: AUDIO_BACK_MS + 2000, intervals: [100] }).not.toBeNull();
      const toneBack = (await heardAt(alice, loggedInAt))! - loggedInAt;
      const phoneBack = (await phoneRecordsAt(phone, started, recorded, AUDIO_BACK_MS + 2000)) - loggedInAt;
      console.log(`[gateway-resume] ${user}: login→tone ${toneBack} ms, login→phone records audio ${phoneBack} ms`);
      expect(toneBack).toBeLessThan(AUDIO_BACK_MS);
      expect(phoneBack).toBeLessThan(AUDIO_BACK_MS);
      await phoneHearsAt(phone, 3000);

      // the call is the same call, still answered, in the codec it had
      const after = await alice.evaluate(() => {
        const call = window.vx.calls.alice!.at(-1)!;
        return { id: call.id, answeredAt: call.answeredAt, remote: call.remote.user, state: call.state };
      });
      expect(after).toEqual({ ...before, state: 'answered' });
      expect((await received(alice, 'alice', 0, 1000)).codec).toBe(codec);
      // the phone kept the call: no CALL_CLOSED, and it got one more SDP: its 200 offered, the ACK answered
      expect(phone.messages.slice(since).filter((m) => m.event === true && m.type === 'CALL_CLOSED')).toEqual([]);
      expect(phone.messages.slice(since).filter((m) => m.type === 'CALL_REMOTE_SDP').length).toBeGreaterThan(remoteSdps);
      expect(phone.messages.slice(since).filter((m) => m.type === 'CALL_REMOTE_SDP').at(-1)?.param).toBe('answer');
      // rtpengine took the 200's SDP as the offer and the ACK's as the answer; it was never told to delete the call
      const resumeCommands = gateway.rtpengineCommands().slice(commands);
      expect(resumeCommands).toEqual(expect.arrayContaining(['offer', 'answer']));
      expect(resumeCommands).not.toContain('delete');
      expect(await alice.evaluate(() => window.vx.pageErrors)).toEqual([]);

      await alice.evaluate(() => window.vx.calls.alice!.at(-1)!.hangup());
      await phone.waitEvent((e) => e.type === 'CALL_CLOSED', { since });
      // what the phone recorded after the reload: the browser's fake microphone (it beeps)
      const file = phone.recordingSince(started);
      expect(file, `${user} recorded nothing (${phone.recordDir})`).not.toBeNull();
      const afterReload = analyseRecording(file!, { fromSeconds: file === recorded.file ? recorded.seconds : 0 });
      expect(afterReload.seconds - (file === recorded.file ? recorded.seconds : 0)).toBeGreaterThan(1);
      expect(afterReload.loudSeconds).toBeGreaterThan(0.1);
    });
  }
});


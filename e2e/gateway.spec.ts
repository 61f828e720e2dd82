/**
 * Calls between the browser and plain SIP desk phones (baresip over UDP) through Kamailio and
 * rtpengine: the browser speaks WebRTC (ICE, DTLS-SRTP, rtcp-mux), the phones plain RTP/AVP, and
 * rtpengine turns one into the other. The phones have neither ICE nor DTLS, so audio in both
 * directions proves the bridge; the browser side is checked from WebRTC statistics, the phone
 * side from what it recorded (non-silent 20 ms frames in its WAV file of received audio).
 * Two phones: "desk-opus" (opus/48000/2 + telephone-event/8000) and "desk-pcmu" (PCMU only).
 */
import type { Page } from '@playwright/test';
import { test, expect, gatewayUnavailable, browserUser, dial, callEvents, callDo, received, HEARD } from './gateway-fixtures';
import { analyseRecording } from './harness/audio-files.mjs';
import type { Baresip } from './harness/baresip.mjs';
import type { Gateway } from './harness/gateway.mjs';

test.skip(gatewayUnavailable() !== null, gatewayUnavailable() ?? '');

const PHONES = [
  { user: 'desk-opus', codec: 'opus', phone: (g: Gateway) => g.deskOpus },
  { user: 'desk-pcmu', codec: 'pcmu', phone: (g: Gateway) => g.deskPcmu },
] as const;

/** Alice calls `phone` (which auto-answers); resolves once the call is answered. */
async function aliceCalls(alice: Page, phone: Baresip): Promise<number> {
  const since = phone.mark();
  const index = await dial(alice, 'alice', phone.user);
  // The phone answers at once: its 180 and 200 may cross in Kamailio's UDP workers (a 180 after
  // the 200 is dropped by the INVITE transaction), so only the answer is awaited.
  await expect.poll(async () => (await callEvents(alice, 'alice', index)).filter((e) => e === 'answered'), { timeout: 10_000 }).toEqual(['answered']);
  await phone.waitEvent((e) => e.type === 'CALL_ESTABLISHED' && e.direction === 'incoming', { since });
  return index;
}

/** What the phone heard in the call that started at `since`: seconds recorded and loud seconds. */
function phoneHeard(phone: Baresip, since: number, fromSeconds = 0) {
  const file = phone.recordingSince(since);
  expect(file, `${phone.user} recorded nothing (${phone.recordDir})`).not.toBeNull();
  return analyseRecording(file!, { fromSeconds });
}

test.describe('desk phones through rtpengine', () => {
  for (const { user, codec, phone: pick } of PHONES) {
    test(`browser → ${user}: answered through rtpengine, ${codec} both ways, phone hears the browser`, async ({ openPage, gateway }) => {
      const phone = pick(gateway);
      const alice = await browserUser(openPage, gateway, 'alice');
      const commands = gateway.rtpengineCommands().length;
      const started = Date.now();
      const since = phone.mark();
      const index = await aliceCalls(alice, phone);
      // the INVITE's offer and the 200's answer went through rtpengine
      expect(gateway.rtpengineCommands().slice(commands)).toEqual(expect.arrayContaining(['offer', 'answer']));

      const heard = await received(alice, 'alice', index, 1500);
      expect(heard.codec).toBe(codec);
      expect(heard.energy).toBeGreaterThan(HEARD); // the phone's tone
      expect(heard.bytes).toBeGreaterThan(1000);
      expect(heard.bytesSent).toBeGreaterThan(1000);

      await callDo(alice, 'alice', 'hangup');
      await phone.waitEvent((e) => e.type === 'CALL_CLOSED', { since });
      const recording = phoneHeard(phone, started);
      expect(recording.seconds).toBeGreaterThan(1);
      expect(recording.loudSeconds).toBeGreaterThan(0.1); // Chromium's fake microphone beeps
      await expect.poll(() => alice.evaluate(() => window.vx.openPeerConnections())).toBe(0);
      expect(gateway.rtpengineCommands().slice(commands)).toContain('delete');
    });

    test(`${user} → browser: the phone dials alice, audio both ways, the phone hangs up`, async ({ openPage, gateway }) => {
      const phone = pick(gateway);
      const alice = await browserUser(openPage, gateway, 'alice', gateway.kamailio.url, true);
      const started = Date.now();
      const since = phone.mark();
      expect((await phone.command('dial', 'sip:alice@voxline.test')).ok).toBe(true);
      await phone.waitEvent((e) => e.type === 'CALL_ESTABLISHED' && e.direction === 'outgoing', { since });
      await expect.poll(() => alice.evaluate(() => window.vx.of('alice', 'incomingcall').map((e) => (e.payload as { remote: { user: string } }).remote.user))).toEqual([user]);
      await expect.poll(() => callEvents(alice, 'alice')).toEqual(['answered']);

      const heard = await received(alice, 'alice', 0, 1500);
      expect(heard.codec).toBe(codec);
      expect(heard.energy).toBeGreaterThan(HEARD);

      expect((await phone.command('hangup')).ok).toBe(true);
      await expect.poll(() => callEvents(alice, 'alice')).toEqual(['answered', 'ended:remote-hangup']);
      const recording = phoneHeard(phone, started);
      expect(recording.loudSeconds).toBeGreaterThan(0.1);
    });
  }

  test('hold and unhold across rtpengine: audio stops both ways and comes back both ways', async ({ openPage, gateway }) => {
    const phone = gateway.deskOpus;
    const alice = await browserUser(openPage, gateway, 'alice');
    const since = phone.mark();
    await aliceCalls(alice, phone);
    expect((await received(alice, 'alice')).energy).toBeGreaterThan(HEARD);
    await expect.poll(() => phone.bitrates()?.rx ?? 0, { timeout: 6000 }).toBeGreaterThan(8000);
    const offers = gateway.rtpengineCommands().filter((c) => c === 'offer').length;

    expect(await callDo(alice, 'alice', 'hold')).toBe('held');
    await expect.poll(async () => (await received(alice, 'alice', 0, 600)).bytes, { timeout: 6000 }).toBe(0);
    // a held browser sends no audio, at most a trickle of silence packets
    await expect.poll(() => phone.bitrates()?.rx ?? 0, { timeout: 6000 }).toBeLessThan(4000);

    expect(await callDo(alice, 'alice', 'unhold')).toBe('answered');
    await expect.poll(async () => (await received(alice, 'alice', 0, 600)).energy, { timeout: 6000 }).toBeGreaterThan(HEARD);
    await expect.poll(() => phone.bitrates()?.rx ?? 0, { timeout: 6000 }).toBeGreaterThan(8000);
    // both re-INVITEs reached the phone, through rtpengine
    expect(gateway.rtpengineCommands().filter((c) => c === 'offer').length - offers).toBe(2);
    expect(phone.messages.slice(since).filter((m) => m.type === 'CALL_REMOTE_SDP' && m.param === 'offer')).toHaveLength(3);
    expect(await callEvents(alice, 'alice')).toEqual(['ringing', 'answered', 'held', 'resumed']);
    await callDo(alice, 'alice', 'hangup');
  });

  test('DTMF: RFC 4733 reaches the PCMU phone; SIP INFO reaches the opus phone', async ({ openPage, gateway }) => {
    const alice = await browserUser(openPage, gateway, 'alice');
    const pcmu = gateway.deskPcmu;
    let since = pcmu.mark();
    await aliceCalls(alice, pcmu);
    expect(await alice.evaluate(() => window.vx.calls.alice![0]!.sendDtmf('159#', { method: 'rtp' }))).toEqual({ method: 'rtp' });
    await expect.poll(() => pcmu.dtmfDigits(since), { timeout: 5000 }).toEqual(['1', '5', '9', '#']);
    await callDo(alice, 'alice', 'hangup');

    const opus = gateway.deskOpus;
    since = opus.mark();
    const index = await aliceCalls(alice, opus);
    await alice.evaluate((i) => window.vx.calls.alice![i]!.sendDtmf('73*', { method: 'info' }), index);
    await expect.poll(() => opus.dtmfDigits(since), { timeout: 5000 }).toEqual(['7', '3', '*']);
    await callDo(alice, 'alice', 'hangup', index);
  });

  // Issue #13 item 3: with opus negotiated and the phone offering telephone-event only at 8000 Hz,
  // RFC 4733 digits were lost (baresip reported only CALL_DTMF_END events without a digit); the
  // default method now sees the clock rates differ and sends SIP INFO, and says so.
  test('DTMF with the default method reaches the opus phone (telephone-event/8000 next to opus/48000)', async ({ openPage, gateway }) => {
    const alice = await browserUser(openPage, gateway, 'alice');
    const since = gateway.deskOpus.mark();
    await aliceCalls(alice, gateway.deskOpus);
    expect(await alice.evaluate(() => window.vx.calls.alice![0]!.sendDtmf('159#'))).toEqual({ method: 'info' });
    await expect.poll(() => gateway.deskOpus.dtmfDigits(since), { timeout: 5000 }).toEqual(['1', '5', '9', '#']);
    // asking for RFC 4733 explicitly is refused, naming why
    const refused = await alice.evaluate(() => window.vx.calls.alice![0]!.sendDtmf('1', { method: 'rtp' }).then(() => 'sent', (e: Error) => `${e.name}: ${e.message}`));
    expect(refused).toMatch(/InvalidStateError: .*telephone-event is at 8000 Hz, not at opus's 48000 Hz/);
  });

  test('relay only (iceTransportPolicy "relay") through coturn to desk-pcmu: the selected pair is relay, audio both ways', async ({ openPage, gateway }) => {
    const phone = gateway.deskPcmu;
    const alice = await openPage();
    await alice.evaluate(
      async ({ url, domain, password, turn }) => {
        // Keep the peer connections the SDK makes, with their configuration, to read their ICE pair.
        const made: Array<{ pc: RTCPeerConnection; config: RTCConfiguration }> = ((window as unknown as { madePcs: unknown[] }).madePcs = []) as never;
        const Native = window.RTCPeerConnection;
        window.RTCPeerConnection = class extends Native {
          constructor(config?: RTCConfiguration) {
            super(config);
            made.push({ pc: this, config: config ?? {} });
          }
        } as typeof RTCPeerConnection;
        const client = window.vx.create('alice', { servers: [url], domain, logLevel: 'warn', iceServers: [turn], iceTransportPolicy: 'relay' });
        await client.login('alice', password);
      },
      { url: gateway.kamailio.url, domain: gateway.domain, password: gateway.users.alice, turn: gateway.turn },
    );
    const started = Date.now();
    const since = phone.mark();
    const index = await aliceCalls(alice, phone);
    const heard = await received(alice, 'alice', index, 1500);
    expect(heard.codec).toBe('pcmu');
    expect(heard.energy).toBeGreaterThan(HEARD); // the phone's tone, through coturn and rtpengine
    expect(heard.bytesSent).toBeGreaterThan(1000);
    const ice = await alice.evaluate(async () => {
      const { pc, config } = (window as unknown as { madePcs: Array<{ pc: RTCPeerConnection; config: RTCConfiguration }> }).madePcs.at(-1)!;
      const stats = [...(await pc.getStats()).values()] as Array<Record<string, unknown>>;
      const transport = stats.find((s) => s.type === 'transport');
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      const local = stats.find((s) => s.id === pair?.localCandidateId);
      const candidates = stats.filter((s) => s.type === 'local-candidate').map((s) => String(s.candidateType));
      return { policy: config.iceTransportPolicy, local: `${String(local?.candidateType)} ${String(local?.address)}`, candidates: [...new Set(candidates)] };
    });
    expect(ice).toEqual({ policy: 'relay', local: 'relay 198.18.0.1', candidates: ['relay'] });
    expect(gateway.coturn.logs(400)).toMatch(/user <voxline>: incoming packet ALLOCATE processed, success/);

    await callDo(alice, 'alice', 'hangup', index);
    await phone.waitEvent((e) => e.type === 'CALL_CLOSED', { since });
    const recording = phoneHeard(phone, started);
    expect(recording.loudSeconds).toBeGreaterThan(0.1); // the browser's fake microphone, relayed
  });
});

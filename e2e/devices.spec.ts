/**
 * `client.audio` with Chromium's fake devices (issue #17 item 2): list devices, switch the
 * microphone mid-call (audio keeps flowing, no re-INVITE), route the remote audio to another
 * output, and hot-swap: the selected microphone disappears → the call moves to the default with
 * one `devicelost`, audio still flowing.
 */
import type { Page } from '@playwright/test';
import { aliceAndBob } from './call-pages';
import { test, expect } from './fixtures';

/** Energy bob receives over `ms`: proof alice's microphone is being sent. */
const bobHears = (bob: Page, ms = 800): Promise<number> =>
  bob.evaluate(async (ms) => {
    const call = window.vx.calls.bob![0]!;
    const a = await call.getStats();
    await new Promise((r) => setTimeout(r, ms));
    return (await call.getStats()).inboundAudioEnergy - a.inboundAudioEnergy;
  }, ms);

const HEARD = 0.0001;

test('list devices, switch microphone and speaker mid-call without a re-INVITE, hot-swap to the default on unplug', async ({ openPage, sip }) => {
  test.setTimeout(60_000);
  const { alice, bob } = await aliceAndBob(openPage, sip);
  await alice.evaluate(async () => {
    const call = await window.vx.clients.alice!.call('bob');
    window.vx.trackCall('alice', call);
  });
  await expect.poll(() => alice.evaluate(() => window.vx.calls.alice![0]!.state)).toBe('answered');
  await expect.poll(() => bobHears(bob)).toBeGreaterThan(HEARD);

  // Chromium's fake devices: several inputs and outputs, labels once permission exists.
  const list = await alice.evaluate(() => window.vx.clients.alice!.audio.listDevices());
  expect(list.inputs.length).toBeGreaterThanOrEqual(2);
  expect(list.outputs.length).toBeGreaterThanOrEqual(2);
  expect(list.inputs.every((d) => d.label !== '')).toBe(true);
  const other = list.inputs.find((d) => !d.isDefault && d.deviceId !== 'default' && d.deviceId !== 'communications')!;

  // Count INVITEs bob receives from now on: a device switch must not renegotiate.
  const invitesBefore = await bob.evaluate(() => window.vx.sipFramesSeen('INVITE'));
  await alice.evaluate((id) => window.vx.clients.alice!.audio.setInputDevice(id), other.deviceId);
  expect(await alice.evaluate(() => window.vx.clients.alice!.audio.inputDeviceId)).toBe(other.deviceId);
  const senderLabel = await alice.evaluate(() => window.vx.sentTrackLabels());
  expect(senderLabel).toContain(other.label);
  await expect.poll(() => bobHears(bob)).toBeGreaterThan(HEARD);

  const speaker = list.outputs.find((d) => !d.isDefault && d.deviceId !== 'default' && d.deviceId !== 'communications')!;
  await alice.evaluate((id) => window.vx.clients.alice!.audio.setOutputDevice(id), speaker.deviceId);
  expect(await alice.evaluate(() => (document.querySelector('audio[data-voxline]') as HTMLAudioElement & { sinkId: string }).sinkId)).toBe(speaker.deviceId);

  // Hot-swap: the selected microphone disappears (a test hook replaces the device list).
  const lost = await alice.evaluate(async (id) => {
    const audio = window.vx.clients.alice!.audio;
    const seen = new Promise<string>((resolve) => audio.on('devicelost', ({ kind, device }) => resolve(`${kind}:${device.deviceId}`)));
    const real = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
    navigator.mediaDevices.enumerateDevices = async () => (await real()).filter((d) => d.deviceId !== id);
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    return seen;
  }, other.deviceId);
  expect(lost).toBe(`input:${other.deviceId}`);
  expect(await alice.evaluate(() => window.vx.clients.alice!.audio.inputDeviceId)).toBeNull();
  await expect.poll(() => bobHears(bob)).toBeGreaterThan(HEARD);
  expect(await bob.evaluate(() => window.vx.sipFramesSeen('INVITE'))).toBe(invitesBefore);
  await alice.evaluate(() => window.vx.calls.alice![0]!.hangup());
});

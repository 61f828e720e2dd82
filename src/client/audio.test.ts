import { afterEach, describe, expect, it, vi } from 'vitest';
import { MediaError } from '../errors';
import { createLogger } from '../logger';
import { AudioDevices, type LiveCallAudio } from './audio';

/** navigator.mediaDevices with a device list the test changes, and `devicechange` it fires. */
function stubDevices(initial: Array<[MediaDeviceKind, string, string]>) {
  let infos = initial;
  const listeners = new Set<() => void>();
  vi.stubGlobal('navigator', {
    mediaDevices: {
      enumerateDevices: () => Promise.resolve(infos.map(([kind, deviceId, label]) => ({ kind, deviceId, label, groupId: '' }))),
      addEventListener: (_: string, l: () => void) => listeners.add(l),
      removeEventListener: (_: string, l: () => void) => listeners.delete(l),
    },
  });
  vi.stubGlobal('HTMLMediaElement', { prototype: { setSinkId: () => undefined } });
  return {
    set(next: Array<[MediaDeviceKind, string, string]>) {
      infos = next;
      for (const l of listeners) l();
    },
    listeners,
  };
}

function calls() {
  const applied: string[] = [];
  const live: LiveCallAudio = {
    useInput: async (id) => void applied.push(`input:${id}`),
    useOutput: async (id) => void applied.push(`output:${id}`),
  };
  return { live, applied };
}

afterEach(() => vi.unstubAllGlobals());

const DEVICES: Array<[MediaDeviceKind, string, string]> = [
  ['audioinput', 'default', 'Default'],
  ['audioinput', 'mic-usb', 'USB Headset'],
  ['audiooutput', 'default', 'Default'],
  ['audiooutput', 'spk-usb', 'USB Headset'],
];

describe('AudioDevices', () => {
  it('lists inputs and outputs with the default marked', async () => {
    stubDevices(DEVICES);
    const audio = new AudioDevices(calls().live, createLogger('silent'));
    const list = await audio.listDevices();
    expect(list.inputs).toEqual([
      { deviceId: 'default', label: 'Default', isDefault: true },
      { deviceId: 'mic-usb', label: 'USB Headset', isDefault: false },
    ]);
    expect(list.outputs.map((d) => d.deviceId)).toEqual(['default', 'spk-usb']);
  });

  it('applies a selection to the live calls and remembers it; a bad id is a TypeError', async () => {
    stubDevices(DEVICES);
    const { live, applied } = calls();
    const audio = new AudioDevices(live, createLogger('silent'));
    await audio.setInputDevice('mic-usb');
    await audio.setOutputDevice('spk-usb');
    expect([audio.inputDeviceId, audio.outputDeviceId]).toEqual(['mic-usb', 'spk-usb']);
    expect(applied).toEqual(['input:mic-usb', 'output:spk-usb']);
    await expect(audio.setInputDevice('' as string)).rejects.toBeInstanceOf(TypeError);
  });

  it('hot-swap: the selected headset is unplugged → calls move to the default, one devicelost; plugged back → no silent switch', async () => {
    const devices = stubDevices(DEVICES);
    const { live, applied } = calls();
    const audio = new AudioDevices(live, createLogger('silent'));
    const events: string[] = [];
    audio.on('devicechange', (l) => events.push(`change:${l.inputs.length}`));
    audio.on('devicelost', ({ kind, device }) => events.push(`lost:${kind}:${device.deviceId}:${device.label}`));
    await audio.setInputDevice('mic-usb');
    devices.set(DEVICES.filter(([, id]) => id !== 'mic-usb'));
    await vi.waitFor(() => expect(events).toContain('lost:input:mic-usb:USB Headset'));
    expect(audio.inputDeviceId).toBeNull();
    expect(applied).toEqual(['input:mic-usb', 'input:null']);
    devices.set(DEVICES);
    await vi.waitFor(() => expect(events.filter((e) => e.startsWith('change'))).toHaveLength(2));
    expect(events.filter((e) => e.startsWith('lost'))).toHaveLength(1);
    expect(audio.inputDeviceId).toBeNull();
    expect(applied).toEqual(['input:mic-usb', 'input:null']);
    audio._dispose();
    expect(devices.listeners.size).toBe(0);
  });

  it('a browser without setSinkId: setOutputDevice rejects with MediaError (code media)', async () => {
    stubDevices(DEVICES);
    vi.stubGlobal('HTMLMediaElement', { prototype: {} });
    const audio = new AudioDevices(calls().live, createLogger('silent'));
    const err = await audio.setOutputDevice('spk-usb').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('media');
  });
});

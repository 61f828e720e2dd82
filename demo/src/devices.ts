/**
 * Microphone and speaker pickers, driven by the SDK's `client.audio` (no `enumerateDevices` or
 * `setSinkId` of the demo's own):
 * - `listDevices()` fills the pickers; `devicechange` refills them when a device comes or goes;
 * - a choice goes to `setInputDevice` / `setOutputDevice`, which switch every live call at once
 *   (no renegotiation) and apply to later calls; the speaker also routes the ringtone and keypad
 *   beeps ({@link Tones.setSinkId});
 * - `devicelost` (a headset unplugged): the SDK has already moved the calls to the default, the
 *   picker goes back to "System default" and a toast names the lost device.
 * Choices are remembered in localStorage and applied again once the device is listed.
 */
import { byId, el } from './dom';
import { describeError, type AudioDevice, type AudioDeviceList, type Client } from './sdk';
import { storage, type AudioPreferences } from './storage';
import { toast } from './toasts';
import type { Tones } from './tones';

export interface DevicesDeps {
  client: Client;
  tones: Tones;
  /** Aborted at sign-out: removes the page listeners. */
  signal: AbortSignal;
}

type Kind = 'input' | 'output';

/** Chromium's pseudo-devices: "System default" stands for them. */
const PSEUDO_IDS = new Set(['default', 'communications']);
const NOUN: Record<Kind, string> = { input: 'microphone', output: 'speaker' };

export class Devices {
  private readonly mic = byId<HTMLSelectElement>('mic-select');
  private readonly speaker = byId<HTMLSelectElement>('speaker-select');
  private readonly dtmf = byId<HTMLSelectElement>('dtmf-select');
  private readonly note = byId('devices-note');
  private readonly prefs: AudioPreferences = storage.loadAudio();
  private readonly canPickSpeaker = 'setSinkId' in HTMLMediaElement.prototype;

  constructor(private readonly deps: DevicesDeps) {
    const { client, signal } = deps;
    this.dtmf.value = this.prefs.dtmfMethod ?? 'info';
    this.mic.addEventListener('change', () => void this.pick('input'), { signal });
    this.speaker.addEventListener('change', () => void this.pick('output'), { signal });
    this.dtmf.addEventListener('change', () => this.save({ dtmfMethod: this.dtmfMethod }), { signal });
    client.audio.on('devicechange', (list) => void this.show(list));
    client.audio.on('devicelost', ({ kind, device }) => this.lost(kind, device));
    deps.tones.setSinkId(null);
  }

  /** Lists the devices again (labels appear once the page may use the microphone). */
  async refresh(): Promise<void> {
    try {
      await this.show(await this.deps.client.audio.listDevices());
    } catch (err) {
      this.mic.disabled = this.speaker.disabled = true;
      this.note.textContent = `This page cannot use audio devices: ${describeError(err)}`;
    }
  }

  /** How keypad tones are sent: SIP INFO (the other browser can show them) or RTP where negotiated. */
  get dtmfMethod(): 'info' | 'auto' {
    return this.dtmf.value === 'auto' ? 'auto' : 'info';
  }

  private async show(list: AudioDeviceList): Promise<void> {
    await this.restore(list);
    const audio = this.deps.client.audio;
    fill(this.mic, list.inputs, 'Microphone', audio.inputDeviceId);
    fill(this.speaker, list.outputs, 'Speaker', audio.outputDeviceId);
    this.mic.disabled = false;
    this.speaker.disabled = !this.canPickSpeaker || list.outputs.length === 0;
    const unnamed = list.inputs.length === 0 || list.inputs.some((d) => !d.label);
    this.note.textContent = !this.canPickSpeaker
      ? 'This browser plays calls on the system default output.'
      : unnamed
        ? 'Device names appear once this page may use the microphone (after your first call, or "Test my setup").'
        : '';
  }

  /** Applies the remembered choices whose device is listed now (ids are only known with permission). */
  private async restore(list: AudioDeviceList): Promise<void> {
    const { client, tones } = this.deps;
    const input = this.prefs.microphoneId;
    if (input && client.audio.inputDeviceId !== input && list.inputs.some((d) => d.deviceId === input)) {
      await client.audio.setInputDevice(input).catch(() => undefined);
    }
    const output = this.prefs.speakerId;
    if (output && this.canPickSpeaker && client.audio.outputDeviceId !== output && list.outputs.some((d) => d.deviceId === output)) {
      await client.audio.setOutputDevice(output).catch(() => undefined);
    }
    tones.setSinkId(client.audio.outputDeviceId);
  }

  /** The user picked a device: live calls switch at once. */
  private async pick(kind: Kind): Promise<void> {
    const { client, tones } = this.deps;
    const select = kind === 'input' ? this.mic : this.speaker;
    const id = select.value || null;
    try {
      if (kind === 'input') await client.audio.setInputDevice(id);
      else await client.audio.setOutputDevice(id);
      this.save(kind === 'input' ? { microphoneId: select.value } : { speakerId: select.value });
      if (kind === 'output') tones.setSinkId(id);
    } catch (err) {
      toast(`Could not use that ${NOUN[kind]}: ${describeError(err)}`, 'error');
      select.value = (kind === 'input' ? client.audio.inputDeviceId : client.audio.outputDeviceId) ?? '';
    }
  }

  /** The chosen device disappeared; the SDK already moved the calls to the default one. */
  private lost(kind: Kind, device: AudioDevice): void {
    const name = device.label ? `“${device.label}”` : `The ${NOUN[kind]}`;
    toast(`${name} was disconnected. Using the system default ${NOUN[kind]}.`, 'info', 8000);
    (kind === 'input' ? this.mic : this.speaker).value = '';
    this.save(kind === 'input' ? { microphoneId: '' } : { speakerId: '' });
    if (kind === 'output') this.deps.tones.setSinkId(null);
  }

  private save(change: AudioPreferences): void {
    Object.assign(this.prefs, change);
    storage.saveAudio(this.prefs);
  }
}

/** Refills a picker: "System default" plus every device, with `selected` chosen when it is listed. */
function fill(select: HTMLSelectElement, devices: AudioDevice[], noun: string, selected: string | null): void {
  const options = [el('option', undefined, 'System default')];
  options[0]!.value = '';
  devices
    .filter((d) => !PSEUDO_IDS.has(d.deviceId))
    .forEach((d, i) => {
      const option = el('option', undefined, d.label || `${noun} ${i + 1}`);
      option.value = d.deviceId;
      options.push(option);
    });
  select.replaceChildren(...options);
  select.value = selected !== null && options.some((o) => o.value === selected) ? selected : '';
}

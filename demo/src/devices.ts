/**
 * Microphone and speaker pickers (enumerateDevices). The chosen microphone goes to the SDK as
 * `audio: { deviceId }` on `client.call()` / `call.answer()`; the chosen speaker is applied with
 * `HTMLMediaElement.setSinkId` to the page's own `<audio>` element, which plays the remote audio
 * (calls are made with `playRemoteAudio: false`).
 */
import { byId, el } from './dom';
import { storage, type AudioPreferences } from './storage';

type SinkCapable = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

export class Devices {
  private readonly mic = byId<HTMLSelectElement>('mic-select');
  private readonly speaker = byId<HTMLSelectElement>('speaker-select');
  private readonly dtmf = byId<HTMLSelectElement>('dtmf-select');
  private readonly note = byId('devices-note');
  private readonly prefs: AudioPreferences = storage.loadAudio();
  private readonly canPickSpeaker = typeof (HTMLMediaElement.prototype as SinkCapable).setSinkId === 'function';

  constructor(private readonly output: SinkCapable) {
    this.dtmf.value = this.prefs.dtmfMethod ?? 'info';
    this.mic.addEventListener('change', () => this.save({ microphoneId: this.mic.value }));
    this.speaker.addEventListener('change', () => {
      this.save({ speakerId: this.speaker.value });
      void this.applySpeaker();
    });
    this.dtmf.addEventListener('change', () => this.save({ dtmfMethod: this.dtmf.value === 'auto' ? 'auto' : 'info' }));
    navigator.mediaDevices?.addEventListener?.('devicechange', () => void this.refresh());
  }

  /** Lists the devices again (labels appear once microphone permission was granted). */
  async refresh(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) {
      this.note.textContent = 'This page is not in a secure context (https or localhost), so it cannot use a microphone.';
      this.mic.disabled = this.speaker.disabled = true;
      return;
    }
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    fill(this.mic, devices.filter((d) => d.kind === 'audioinput'), 'Microphone', this.prefs.microphoneId);
    fill(this.speaker, devices.filter((d) => d.kind === 'audiooutput'), 'Speaker', this.prefs.speakerId);
    this.speaker.disabled = !this.canPickSpeaker;
    const unnamed = devices.some((d) => d.kind === 'audioinput' && !d.label);
    this.note.textContent = !this.canPickSpeaker
      ? 'This browser plays calls on the system default output.'
      : unnamed
        ? 'Device names appear after your first call (microphone permission).'
        : '';
  }

  /** The microphone for the next call: `{ deviceId }` when one is picked, else the default. */
  microphone(): MediaTrackConstraints | undefined {
    const id = this.mic.value;
    return id ? { deviceId: { exact: id } } : undefined;
  }

  /** How keypad tones are sent: SIP INFO (the other browser can show them) or RTP where negotiated. */
  get dtmfMethod(): 'info' | 'auto' {
    return this.dtmf.value === 'auto' ? 'auto' : 'info';
  }

  /** Routes the call audio element to the chosen speaker. */
  async applySpeaker(): Promise<void> {
    if (!this.canPickSpeaker || !this.output.setSinkId) return;
    await this.output.setSinkId(this.speaker.value).catch(() => {
      this.note.textContent = 'That speaker could not be used; playing on the default output.';
    });
  }

  private save(change: AudioPreferences): void {
    Object.assign(this.prefs, change);
    storage.saveAudio(this.prefs);
  }
}

/** Refills a select with "System default" plus the devices, keeping the saved choice if it still exists. */
function fill(select: HTMLSelectElement, devices: MediaDeviceInfo[], noun: string, saved: string | undefined): void {
  const current = select.value || saved || '';
  const options = [el('option', undefined, 'System default')];
  options[0]!.value = '';
  devices
    .filter((d) => d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications')
    .forEach((d, i) => {
      const option = el('option', undefined, d.label || `${noun} ${i + 1}`);
      option.value = d.deviceId;
      options.push(option);
    });
  select.replaceChildren(...options);
  select.value = options.some((o) => o.value === current) ? current : '';
}

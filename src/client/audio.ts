/**
 * `client.audio`: the microphone and speaker a client's calls use, and their hot-swap.
 *
 * ```txt
 *   inputDeviceId: null (browser default) ──setInputDevice(id)──▶ id ──device unplugged──▶ null
 *                                                                  (live calls move to the default,
 *                                                                   `devicelost` names the device)
 *   a device that comes back: `devicechange` only; nothing switches by itself
 * ```
 * The same for outputs (`setOutputDevice`, `HTMLMediaElement.setSinkId`).
 */
import { MediaError } from '../errors';
import type { Logger } from '../logger';
import { clearListeners, emitSafely, SafeEmitter } from './safe-emitter';

/** One audio device, as `listDevices()` reports it. */
export interface AudioDevice {
  /** The browser's id for it; pass it to `setInputDevice`/`setOutputDevice`. */
  deviceId: string;
  /** Its name, e.g. "USB Headset"; empty until the page has microphone permission. */
  label: string;
  /** True for the device the browser uses by default. */
  isDefault: boolean;
}

/** The devices of each kind. */
export interface AudioDeviceList {
  /** Microphones. */
  inputs: AudioDevice[];
  /** Speakers and headphones (empty where the browser does not list outputs). */
  outputs: AudioDevice[];
}

/** Events of {@link AudioDevices}. */
export interface AudioDeviceEvents {
  /** The set of devices changed (plugged in or out). @event */
  devicechange: (devices: AudioDeviceList) => void;
  /**
   * The selected device disappeared; calls moved to the browser's default device by themselves.
   * When it comes back nothing switches silently: select it again if you want it. @event
   */
  devicelost: (lost: { kind: 'input' | 'output'; device: AudioDevice }) => void;
}

/** What `client.audio` needs from the calls: apply a device to every live call. */
export interface LiveCallAudio {
  /** Switch every live call's microphone to `deviceId` (`null`: the default), without renegotiation. */
  useInput(deviceId: string | null): Promise<void>;
  /** Play every live call's remote audio on `deviceId` (`null`: the default). */
  useOutput(deviceId: string | null): Promise<void>;
}

interface MediaDevicesLike {
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

function mediaDevices(): MediaDevicesLike | null {
  const devices = (globalThis as { navigator?: { mediaDevices?: MediaDevicesLike } }).navigator?.mediaDevices;
  return devices && typeof devices.enumerateDevices === 'function' ? devices : null;
}

function toList(infos: MediaDeviceInfo[]): AudioDeviceList {
  const of = (kind: MediaDeviceKind): AudioDevice[] => {
    const devices = infos.filter((d) => d.kind === kind && d.deviceId !== '');
    // Chromium lists the default as a pseudo-device "default"; elsewhere the first one is it.
    const defaultId = devices.find((d) => d.deviceId === 'default')?.deviceId ?? devices[0]?.deviceId;
    return devices.map((d) => ({ deviceId: d.deviceId, label: d.label, isDefault: d.deviceId === defaultId }));
  };
  return { inputs: of('audioinput'), outputs: of('audiooutput') };
}

/**
 * The microphone and speaker of a client's calls (`client.audio`).
 *
 * @example
 * ```ts
 * const { inputs } = await client.audio.listDevices();
 * await client.audio.setInputDevice(inputs[1].deviceId);   // live calls switch at once
 * client.audio.on('devicelost', ({ kind, device }) => toast(`${device.label} was unplugged`));
 * ```
 */
export class AudioDevices extends SafeEmitter<AudioDeviceEvents> {
  private input: string | null = null;
  private output: string | null = null;
  private known: AudioDeviceList = { inputs: [], outputs: [] };
  private watching = false;
  private readonly onDeviceChange = (): void => void this.refresh();

  /** @internal */
  constructor(
    private readonly calls: LiveCallAudio,
    private readonly logger: Logger,
  ) {
    super(logger);
  }

  /** The selected microphone, or `null` for the browser's default. */
  get inputDeviceId(): string | null {
    return this.input;
  }

  /** The selected speaker, or `null` for the browser's default. */
  get outputDeviceId(): string | null {
    return this.output;
  }

  /**
   * Lists microphones and speakers. Labels are empty until the page has microphone permission
   * (after the first call, or a `getUserMedia` of your own).
   * @throws {@link MediaError} where the browser cannot list devices (no `mediaDevices`, not https).
   */
  async listDevices(): Promise<AudioDeviceList> {
    const devices = mediaDevices();
    if (!devices) throw new MediaError('this browser cannot list audio devices (navigator.mediaDevices is missing; pages must be served over https or from localhost)');
    this.watch(devices);
    this.known = toList(await devices.enumerateDevices());
    return this.known;
  }

  /**
   * Uses `deviceId` as the microphone of every live call (at once, `replaceTrack`, no
   * renegotiation) and of later calls; `null` goes back to the browser's default.
   * @throws `TypeError` for a bad argument; {@link MediaError} when the device cannot be opened.
   */
  async setInputDevice(deviceId: string | null): Promise<void> {
    if (deviceId !== null && (typeof deviceId !== 'string' || deviceId === '')) throw new TypeError('setInputDevice(deviceId): "deviceId" must be a device id from listDevices(), or null');
    await this.startWatching();
    await this.calls.useInput(deviceId);
    this.input = deviceId;
  }

  /**
   * Plays the remote audio of every live call, and of later calls, on `deviceId`; `null` goes
   * back to the default. Needs `HTMLMediaElement.setSinkId`.
   * @throws `TypeError` for a bad argument; {@link MediaError} (code `media`) where the browser
   *   cannot choose the output device, or refuses this one.
   */
  async setOutputDevice(deviceId: string | null): Promise<void> {
    if (deviceId !== null && (typeof deviceId !== 'string' || deviceId === '')) throw new TypeError('setOutputDevice(deviceId): "deviceId" must be a device id from listDevices(), or null');
    const Media = (globalThis as { HTMLMediaElement?: { prototype: object } }).HTMLMediaElement;
    if (!Media || !('setSinkId' in Media.prototype)) throw new MediaError('this browser cannot choose the audio output device (HTMLMediaElement.setSinkId is missing)');
    await this.startWatching();
    await this.calls.useOutput(deviceId);
    this.output = deviceId;
  }

  /** @internal Stops watching devices (client destroyed). */
  _dispose(): void {
    // Only a page that watched devices touches `navigator` here (SSR never does).
    if (this.watching) mediaDevices()?.removeEventListener('devicechange', this.onDeviceChange);
    this.watching = false;
    clearListeners(this);
  }

  /** Watches for unplugged devices from the first selection on, knowing the current list. */
  private async startWatching(): Promise<void> {
    const devices = mediaDevices();
    if (!devices || this.watching) return;
    this.watch(devices);
    this.known = toList(await devices.enumerateDevices().catch(() => []));
  }

  private watch(devices: MediaDevicesLike): void {
    if (this.watching) return;
    this.watching = true;
    devices.addEventListener('devicechange', this.onDeviceChange);
  }

  private async refresh(): Promise<void> {
    const devices = mediaDevices();
    if (!devices) return;
    let list: AudioDeviceList;
    try {
      list = toList(await devices.enumerateDevices());
    } catch (err) {
      this.logger.warn(`could not list audio devices: ${(err as Error).message}`);
      return;
    }
    const before = this.known;
    this.known = list;
    emitSafely(this, 'devicechange', list);
    await this.checkLost('input', before.inputs, list.inputs);
    await this.checkLost('output', before.outputs, list.outputs);
  }

  /** The selected device is gone: move the calls to the default, then say so. */
  private async checkLost(kind: 'input' | 'output', before: AudioDevice[], now: AudioDevice[]): Promise<void> {
    const selected = kind === 'input' ? this.input : this.output;
    if (selected === null || now.some((d) => d.deviceId === selected)) return;
    const device = before.find((d) => d.deviceId === selected) ?? { deviceId: selected, label: '', isDefault: false };
    if (kind === 'input') this.input = null;
    else this.output = null;
    try {
      await (kind === 'input' ? this.calls.useInput(null) : this.calls.useOutput(null));
    } catch (err) {
      this.logger.warn(`could not move the calls to the default ${kind} device: ${(err as Error).message}`);
    }
    emitSafely(this, 'devicelost', { kind, device });
  }
}

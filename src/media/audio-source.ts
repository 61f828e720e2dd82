/**
 * The microphone: opening it (or taking the application's stream) before a call's INVITE or
 * answer, and stopping the tracks the SDK opened.
 */
import { MediaError } from '../errors';
import type { CallMedia } from './call-media';

/** What `call()`/`answer()` accept as `audio`: constraints for the microphone, or your own stream. */
export type AudioSource = MediaTrackConstraints | MediaStream | boolean | undefined;

/**
 * Opens the microphone (or takes the stream given). Permission denied, no device, or a device
 * in use become a {@link MediaError} that says so. `owned` is true when the SDK opened the
 * microphone (and must stop it), false for the application's own stream.
 */
export async function acquireAudio(source: AudioSource): Promise<{ stream: MediaStream; owned: boolean }> {
  if (typeof MediaStream !== 'undefined' && source instanceof MediaStream) {
    if (source.getAudioTracks().length === 0) throw new TypeError('"audio": the MediaStream given has no audio track');
    return { stream: source, owned: false };
  }
  const devices = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
  if (!devices?.getUserMedia) throw new MediaError('this browser cannot capture audio (navigator.mediaDevices.getUserMedia is missing; pages must be served over https or from localhost)');
  const audio = source === undefined || source === true ? true : (source as MediaTrackConstraints | false);
  if (audio === false) throw new TypeError('"audio": false is not supported; a call needs an audio source');
  try {
    return { stream: await devices.getUserMedia({ audio, video: false }), owned: true };
  } catch (cause) {
    const name = (cause as { name?: string }).name;
    const why =
      name === 'NotAllowedError' || name === 'SecurityError'
        ? 'microphone permission was denied'
        : name === 'NotFoundError' || name === 'OverconstrainedError'
          ? 'no microphone matches the request'
          : name === 'NotReadableError'
            ? 'the microphone is in use by another application or could not be started'
            : `the microphone could not be opened (${name ?? String(cause)})`;
    throw new MediaError(why, { cause });
  }
}

/** The microphone constraints for input device `deviceId` (`null`: the default microphone). */
export function deviceAudio(deviceId: string | null): MediaTrackConstraints | undefined {
  return deviceId === null ? undefined : { deviceId: { exact: deviceId } };
}

/**
 * Moves each media's microphone to `deviceId` (`null`: the default) without renegotiation: opens
 * it, then `replaceInput` (the media owns the new stream).
 * @throws MediaError when the device cannot be opened.
 */
export async function switchInput(medias: Iterable<CallMedia>, deviceId: string | null): Promise<void> {
  for (const media of medias) {
    const { stream } = await acquireAudio(deviceAudio(deviceId));
    await media.replaceInput(stream, true).catch((err: unknown) => {
      stopStream(stream);
      throw err;
    });
  }
}

/** Stops every track of a stream we own. */
export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

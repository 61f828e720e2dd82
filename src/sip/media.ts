/**
 * Media for calls, as sip.js sees it: the factory sip.js's API layer uses to make each call's
 * session description handler, a {@link MediaSessionDescriptionHandler} over Voxline's own
 * {@link AudioPeer} (src/media; sip.js's web handler is not used).
 */
import type { Session, SessionDescriptionHandlerFactory } from 'sip.js';
import { MediaError } from '../errors';
import type { Logger } from '../logger';
import { AudioPeer } from '../media/audio-peer';
import { MediaSessionDescriptionHandler } from './sdh-adapter';

export type { CallStats } from '../media/stats';

/** The audio of one call, known before its INVITE or answer. */
export interface LocalAudio {
  /** The stream to send. */
  stream: MediaStream;
  /** The SDK opened it (and stops it when the call's media closes). */
  owned: boolean;
  /** Play the remote audio through an element the SDK manages. */
  playRemoteAudio: boolean;
  /** Output device of that element; `null`: the default. */
  outputDeviceId: string | null;
}

/** How long a description may wait for usable ICE candidates, in ms. */
const ICE_GATHERING_TIMEOUT_MS = 2000;

/**
 * The factory sip.js uses to create each call's media handler. The audio of each session is
 * looked up with `audioFor(session)` (acquired before the INVITE or the answer).
 */
export function sessionDescriptionHandlerFactory(iceServers: RTCIceServer[], audioFor: (session: Session) => LocalAudio | undefined, logger?: Logger): SessionDescriptionHandlerFactory {
  return (session) => {
    const audio = audioFor(session);
    if (!audio) throw new MediaError('no audio source for this call');
    const media = new AudioPeer({
      localStream: audio.stream,
      ownsLocalStream: audio.owned,
      playRemoteAudio: audio.playRemoteAudio,
      iceServers,
      iceGatheringTimeoutMs: ICE_GATHERING_TIMEOUT_MS,
      ...(logger ? { logger } : {}),
    });
    if (audio.outputDeviceId !== null) media.setOutputDevice(audio.outputDeviceId).catch(() => undefined);
    return new MediaSessionDescriptionHandler(media);
  };
}

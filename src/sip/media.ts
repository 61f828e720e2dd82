/**
 * Media for calls, as the call layer makes it: each call gets its own {@link AudioPeer}
 * (src/media, behind the {@link CallMedia} interface) over the audio acquired before its INVITE
 * or answer. sip.js's session description handlers are not used.
 */
import type { Logger } from '../logger';
import { AudioPeer } from '../media/audio-peer';
import type { CallMediaFactory } from './calls';

export type { CallStats } from '../media/stats';

/** How long a description may wait for usable ICE candidates, in ms. */
const ICE_GATHERING_TIMEOUT_MS = 2000;

/** The factory of each call's media in the page: an {@link AudioPeer} over the call's audio. */
export function pageCallMedia(iceServers: RTCIceServer[], logger?: Logger, iceTransportPolicy: RTCIceTransportPolicy = 'all'): CallMediaFactory {
  return (audio) =>
    new AudioPeer({
      localStream: audio.stream,
      ownsLocalStream: audio.owned,
      playRemoteAudio: audio.playRemoteAudio,
      iceServers,
      iceTransportPolicy,
      iceGatheringTimeoutMs: ICE_GATHERING_TIMEOUT_MS,
      ...(logger ? { logger } : {}),
    });
}

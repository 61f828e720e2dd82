/**
 * The contract between a call's signalling (src/sip) and its media (this folder). The SIP side
 * holds a {@link CallMedia} and never touches WebRTC objects itself, so the media can be
 * implemented by {@link AudioPeer} in the page, or by a forwarder in a SharedWorker engine
 * (src/engine/remote-media.ts) that relays each call to the tab that owns its media. Session descriptions cross it as SDP strings.
 *
 * Offer/answer state (one exchange at a time; a call made in the wrong state rejects with
 * `InvalidStateError`, and every call after `close()` too):
 * ```txt
 *            createOffer(options)                   acceptAnswer(sdp)
 *   stable ─────────────────────▶ have-local-offer ──────────────────▶ stable
 *     ▲ │                               │ rollback() (offer refused)     │
 *     │ │ createAnswer(offer, options)  └───────────────▶ stable         │
 *     │ └──── (remote offer set, answer made) ───▶ stable ◀──────────────┘
 *   any state ──close()──▶ closed
 * ```
 * Early media: `acceptAnswer(sdp, { provisional: true })` applies the answer of a 18x (a
 * `pranswer`) and stays in `have-local-offer`, so its audio plays while the call rings; another
 * provisional answer (a forked INVITE's other branch) replaces it, and the final answer (the 2xx's)
 * ends the exchange. A final answer from another endpoint than the provisional one's does not
 * move the ICE and DTLS association by itself: `restartIce()` makes the next offer restart ICE
 * (new credentials), which brings a new DTLS handshake with the new endpoint's fingerprint.
 * Hold is carried by the exchanges: `hold: true` offers (or answers with) `sendonly`/`inactive`
 * audio and turns the microphone track off; `hold: false` restores `sendrecv` and turns the
 * track back on unless {@link CallMedia.setMuted | muted}. A rolled-back offer restores the
 * previous hold state.
 */
import type { CallStats } from './stats';

/** Options of {@link CallMedia.createOffer}. */
export interface OfferOptions {
  /**
   * Restart ICE: new credentials, new candidates. The offer waits for a candidate of the new
   * generation (see ice-gathering.ts).
   * @defaultValue false
   */
  iceRestart?: boolean;
  /**
   * Put the call on hold (`true`) or take it off hold (`false`) with this offer.
   * @defaultValue false
   */
  hold?: boolean;
}

/** Options of {@link CallMedia.createAnswer}. */
export interface AnswerOptions {
  /**
   * Answer as a call on hold (we keep our hold across the remote party's re-INVITEs).
   * @defaultValue false
   */
  hold?: boolean;
}

/** Options of {@link CallMedia.sendDtmf}. */
export interface DtmfToneOptions {
  /** Length of each tone, in ms. @defaultValue 100 */
  durationMs?: number;
  /** Gap between tones, in ms. @defaultValue 70 */
  interToneGapMs?: number;
}

/** Options of {@link CallMedia.acceptAnswer}. */
export interface AcceptAnswerOptions {
  /**
   * A provisional answer (early media, from a 18x): applied, the exchange stays open for the
   * final answer.
   * @defaultValue false
   */
  provisional?: boolean;
}

/** What {@link CallMedia.sendDtmf} did: sent the tones, or why it could not. */
export type RtpDtmfResult = { sent: true } | { sent: false; reason: string };

/**
 * The audio path's connectivity, from the peer connection's `iceConnectionState` and
 * `connectionState` together: `failed` when either failed, `disconnected` when either is
 * disconnected, `connected` when ICE is connected or completed, `connecting` before.
 */
export type MediaConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** What the media tells its owner. */
export interface CallMediaDelegate {
  /** The remote audio arrived (or was replaced); `stream` is {@link CallMedia.remoteStream}. */
  onRemoteStream?(stream: MediaStream): void;
  /** {@link CallMedia.connectionState} changed. */
  onConnectionState?(state: MediaConnectionState): void;
}

/** One call's media, as the SIP side sees it. */
export interface CallMedia {
  /** Receives the media's notifications; set it right after creating the media. */
  delegate: CallMediaDelegate | undefined;
  /** The offer/answer state drawn above. */
  readonly signalingState: 'stable' | 'have-local-offer' | 'closed';
  /** Whether the last exchange put the call on hold. */
  readonly held: boolean;
  /** Whether {@link CallMedia.setMuted} muted the microphone. */
  readonly muted: boolean;
  /** The remote audio, once a remote track arrived; `null` before. */
  readonly remoteStream: MediaStream | null;
  /** Connectivity of the audio path (see {@link MediaConnectionState}). */
  readonly connectionState: MediaConnectionState;

  /** Makes a local offer and returns its SDP, with candidates (stable → have-local-offer). */
  createOffer(options?: OfferOptions): Promise<string>;
  /** Applies the remote answer to our offer (have-local-offer → stable; a provisional one stays). */
  acceptAnswer(sdp: string, options?: AcceptAnswerOptions): Promise<void>;
  /** Applies a remote offer and returns our answer's SDP (stable → stable). */
  createAnswer(offer: string, options?: AnswerOptions): Promise<string>;
  /** Makes the next {@link CallMedia.createOffer} restart ICE, as its `iceRestart` option does. */
  restartIce(): void;
  /**
   * Replaces the peer connection by a new one (same microphone track, hold and mute; the remote
   * audio plays on): the next offer starts a new ICE and DTLS association from scratch. For a
   * far end that moved to a new page (a reload resuming the call), whose old path and old DTLS
   * association are gone. Only while stable.
   */
  renew(): void;
  /** Withdraws our pending offer (have-local-offer → stable); nothing to do when stable. */
  rollback(): Promise<void>;
  /** Mutes or unmutes the microphone track (it stays off while held). */
  setMuted(muted: boolean): void;
  /**
   * Sends `stream`'s audio track from now on instead of the current one (`replaceTrack`, no
   * renegotiation); stops the old track if this media owned it, and owns the new one if `owned`.
   */
  replaceInput(stream: MediaStream, owned: boolean): Promise<void>;
  /** Plays the remote audio on output device `deviceId` (`null`: the default), now and later. */
  setOutputDevice(deviceId: string | null): Promise<void>;
  /**
   * Plays DTMF tones in the audio (RFC 4733), when the negotiated answer has a telephone-event
   * at the audio codec's clock rate; otherwise says why not (not negotiated, wrong rate, closed).
   * Asynchronous because the media may live in another tab than the call's signalling.
   */
  sendDtmf(tones: string, options?: DtmfToneOptions): Promise<RtpDtmfResult>;
  /** Call quality now; all-empty statistics once closed. */
  getStats(): Promise<CallStats>;
  /** Ends the media: stops what it owns (the microphone it was given to own, remote playback), closes the peer connection. Idempotent. */
  close(): void;
}

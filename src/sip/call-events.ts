/**
 * The vocabulary of a call, shared by the call layer (call-session.ts) and the public `Call`
 * (src/client/call.ts): its states, why it ended, its events, and how a final SIP status maps to
 * an end reason.
 */
import type { ReferTarget } from './call-messages';
import type { CallReconnected, CallReconnecting } from './call-recovery';

/**
 * State of a call: `connecting` (INVITE sent), `ringing` (the callee rings, or an incoming call
 * waits for `answer()`), `answered`, `held` (by `hold()`), `reconnecting` (the audio path is
 * down and the SDK is restoring it; from `answered` or `held`, and back to that state), `ended`
 * (terminal).
 */
export type CallState = 'connecting' | 'ringing' | 'answered' | 'held' | 'reconnecting' | 'ended';
/** `outgoing` (placed with `client.call()`) or `incoming` (from the `incomingcall` event). */
export type CallDirection = 'outgoing' | 'incoming';
/**
 * Why a call ended: `local-hangup` (this side hung up, logged out or destroyed the client),
 * `remote-hangup` (BYE from the other side), `rejected` (declined: 603, or `reject()` here),
 * `busy` (486/600), `not-found` (404/604/484/410), `canceled` (the caller gave up before the
 * answer), `unavailable` (480/408/503/502/504), `connection-lost` (the audio path stayed down
 * longer than `callRecoveryTimeoutMs`; the SDK hung up), `resume-failed` (a call that was up when
 * the page reloaded could not be taken back: the far end no longer knew it (481), did not answer,
 * or the new page logged in after `callResumeWindowMs`), `answered-elsewhere` (shared mode,
 * `sharedWorker` option: another tab of the app answered this incoming call; it goes on there),
 * `failed` (anything else, e.g. media setup failed).
 */
export type CallEndReason = 'local-hangup' | 'remote-hangup' | 'rejected' | 'busy' | 'not-found' | 'canceled' | 'unavailable' | 'connection-lost' | 'resume-failed' | 'answered-elsewhere' | 'failed';

/** Payload of a call's `ended` event. */
export interface CallEnd {
  /** Why the call ended. */
  reason: CallEndReason;
  /** SIP status of the final response, when a response ended the call. */
  status?: number;
}

/** Events every call has, public and internal alike. */
export interface CallLifecycleEvents {
  /**
   * The callee's phone is ringing (an outgoing call got a 180/183). `earlyMedia` is true when the
   * far end sends audio before answering (a 18x with SDP, e.g. a gateway's ringback or
   * announcement): it plays at once through the managed `<audio>` element (and `remotestream`),
   * while the state stays `ringing`. Fires once; fires a second time, with `earlyMedia: true`,
   * when early media starts after a plain 180. A forked INVITE plays the first branch's early
   * media; whichever branch answers gives the call's final audio. @event
   */
  ringing: (event: { earlyMedia: boolean }) => void;
  /** The call is answered and audio flows. @event */
  answered: () => void;
  /** The call was put on hold by `hold()`. @event */
  held: () => void;
  /** The call was taken off hold by `unhold()`. @event */
  resumed: () => void;
  /** The microphone was muted on this call. @event */
  muted: () => void;
  /** The microphone was unmuted on this call. @event */
  unmuted: () => void;
  /** A DTMF tone arrived (SIP INFO; RFC 4733 tones are not visible to web pages). @event */
  dtmf: (event: { tone: string }) => void;
  /**
   * The call's audio path went down (network change, NAT rebinding, Wi-Fi lost…) and the SDK
   * is restoring it with an ICE restart (a re-INVITE); `call.state` is `reconnecting`. Fires
   * once per incident, however many attempts it takes and whether or not the signalling link
   * dropped meanwhile; `reconnected` follows, or `ended` with reason `connection-lost` after
   * `callRecoveryTimeoutMs`. `reason`: `network` (the connection reported disconnected or
   * failed), `no-inbound-audio` (no audio packets for about 4 s while neither side holds),
   * `signalling` (seen while the signalling link was down too), `tab-closed` (shared mode: the tab
   * holding the call's audio closed or reloaded; `reconnected` follows once a tab takes the call
   * over with new audio; no ICE restart and no `callRecoveryTimeoutMs` meanwhile). @event
   * @example
   * ```ts
   * call.on('reconnecting', () => showBanner('Reconnecting…'));
   * call.on('reconnected', (e) => showBanner(`Back after ${Math.round(e.downtimeMs / 1000)} s`));
   * ```
   */
  reconnecting: (event: CallReconnecting) => void;
  /** The audio path is back after `reconnecting`; once per incident, with its downtime. @event */
  reconnected: (event: CallReconnected) => void;
  /**
   * The other party put the call on hold (their re-INVITE offered `sendonly` or `inactive`
   * audio); you hear their music on hold, or nothing, until `remoteresume`. @event
   * @example
   * ```ts
   * call.on('remotehold', () => showNote('Bob put you on hold'));
   * call.on('remoteresume', () => hideNote());
   * ```
   */
  remotehold: () => void;
  /** The other party took the call off hold (after `remotehold`). @event */
  remoteresume: () => void;
  /** The remote audio stream is available (`call.remoteStream`). @event */
  remotestream: (stream: MediaStream) => void;
  /** The call ended; fires once, with why. @event */
  ended: (end: CallEnd) => void;
}

/** A REFER from the other party (blind transfer), already accepted with 202. */
export interface IncomingTransfer extends ReferTarget {
  /** Tells the transferor how the new call went (NOTIFY with a sipfrag), while this call lasts. */
  report(status: number, reason: string): void;
}

/** Events of a call in the call layer: the public ones, and `referred` for the call manager. */
export interface CallSessionEvents extends CallLifecycleEvents {
  /** The remote party asked us (REFER) to call someone else: a blind transfer. */
  referred: (transfer: IncomingTransfer) => void;
}

/** Maps a final failure status of an outgoing INVITE to an end reason. */
export function endReasonFor(status: number): CallEndReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'rejected';
  if (status === 404 || status === 604 || status === 484 || status === 410) return 'not-found';
  if (status === 487) return 'canceled';
  if (status === 480 || status === 408 || status === 503 || status === 502 || status === 504) return 'unavailable';
  return 'failed';
}

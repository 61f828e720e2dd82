/**
 * "Fast ICE": when a local description may be sent. Waiting for ICE gathering to complete can
 * take seconds (unreachable interfaces, slow STUN servers), so the description goes out as soon
 * as it holds a usable candidate, plus {@link ICE_GRACE_MS} for that candidate's siblings:
 *
 *  - with no ICE servers configured, any candidate (a host one) is usable;
 *  - with STUN/TURN servers, a server-reflexive or relay candidate is awaited;
 *  - after an ICE restart (the description has a new ufrag), only candidates of the new
 *    generation count: a restart offer sent before any of them exists leaves the pair
 *    `disconnected` (measured in Chromium).
 *
 * It goes out anyway when gathering completes, or at the gathering timeout with what it has.
 *
 * ```txt
 *   watching ──usable candidate──▶ grace (ICE_GRACE_MS) ──▶ ready
 *      │ gathering complete / timeout / cancel()              ▲
 *      └──────────────────────────────────────────────────────┘
 * ```
 */

/** How long to let sibling candidates arrive after the first usable one, in ms. */
export const ICE_GRACE_MS = 20;

/** How {@link watchIceGathering} decides that a description may be sent. */
export interface IceWaitOptions {
  /** Host candidates are enough (no ICE servers are configured). */
  hostIsEnough: boolean;
  /** Send what there is after this many ms (counted from {@link IceWait.described}). */
  timeoutMs: number;
  /** After an ICE restart: the new ufrag; only candidates of that generation count. */
  restartUfrag?: string | undefined;
}

/** A wait started by {@link watchIceGathering}. */
export interface IceWait {
  /** Resolves when the description may be sent; never rejects. */
  readonly ready: Promise<void>;
  /** Tells the wait that `setLocalDescription` has resolved: starts the timeout. */
  described(): void;
  /** Stops waiting at once (resolves `ready`), clearing its timers and listeners. */
  cancel(): void;
}

/** The generation (ufrag) a candidate belongs to, when the browser says. */
function ufragOf(candidate: RTCIceCandidate): string | undefined {
  return candidate.usernameFragment ?? / ufrag (\S+)/.exec(candidate.candidate)?.[1];
}

function typeOf(candidate: RTCIceCandidate): string | undefined {
  return candidate.type ?? / typ (\S+)/.exec(candidate.candidate)?.[1];
}

/**
 * Starts watching `pc`'s ICE gathering. Call it BEFORE `setLocalDescription`, so no candidate
 * event is missed; then call {@link IceWait.described} once the description is set, and await
 * {@link IceWait.ready}.
 */
export function watchIceGathering(pc: RTCPeerConnection, options: IceWaitOptions): IceWait {
  const restart = options.restartUfrag !== undefined;
  let resolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (resolve = r));
  let grace: ReturnType<typeof setTimeout> | undefined;
  let timeout: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  // After a restart, a gathering state of "complete" may still be the old generation's.
  let newGeneration = !restart;

  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(grace);
    clearTimeout(timeout);
    pc.removeEventListener('icecandidate', onCandidate);
    pc.removeEventListener('icegatheringstatechange', onGatheringState);
    resolve();
  };
  const startGrace = (ms: number): void => {
    if (grace === undefined && !done) grace = setTimeout(finish, ms);
  };
  const onCandidate = (event: Event): void => {
    const candidate = (event as RTCPeerConnectionIceEvent).candidate;
    if (!candidate) {
      // End of candidates for the generation being gathered.
      if (newGeneration) finish();
      return;
    }
    const ufrag = ufragOf(candidate);
    if (restart && ufrag !== undefined && ufrag !== options.restartUfrag) return;
    newGeneration = true;
    const type = typeOf(candidate);
    if (options.hostIsEnough || type === 'srflx' || type === 'relay') startGrace(ICE_GRACE_MS);
  };
  const onGatheringState = (): void => {
    if (pc.iceGatheringState === 'gathering') newGeneration = true;
    else if (pc.iceGatheringState === 'complete' && newGeneration) finish();
  };
  pc.addEventListener('icecandidate', onCandidate);
  pc.addEventListener('icegatheringstatechange', onGatheringState);

  return {
    ready,
    described(): void {
      if (done) return;
      if (!restart && pc.iceGatheringState === 'complete') return finish();
      // Candidates already in the description (gathered before a listener could see them).
      if (!restart && options.hostIsEnough && /\r\na=candidate:/.test(pc.localDescription?.sdp ?? '')) startGrace(0);
      timeout = setTimeout(finish, options.timeoutMs);
    },
    cancel: finish,
  };
}

/**
 * Media probes for the preflight check, page side: the microphone's input level, the ICE
 * candidate types this network yields, and a relay-only loopback call between two peer
 * connections in the page. Each probe closes every peer connection it opened.
 */

/** Input level of a microphone track, measured over `durationMs`. */
export interface MicrophoneProbe {
  /** Average audio level, 0–1 (root mean square over the window). */
  level: number;
}

/** ICE candidates this network yields with the configured servers. */
export interface IceProbe {
  host: number;
  srflx: number;
  relay: number;
  /** ms until gathering completed (or gave up). */
  gatheringMs: number;
}

/** Figures of a relay-only loopback call. */
export interface LoopbackProbe {
  connected: boolean;
  rttMs: number | null;
  jitterMs: number | null;
  /** Share of packets lost, in percent. */
  packetLossPercent: number | null;
  packetsReceived: number;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function newPeer(config: RTCConfiguration): RTCPeerConnection {
  const Peer = (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
  if (!Peer) throw new Error('this browser has no RTCPeerConnection');
  return new Peer(config);
}

/** Energy of a track's source, read from the statistics of a peer connection it is added to. */
async function sourceEnergy(pc: RTCPeerConnection): Promise<number> {
  let energy = 0;
  (await pc.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'media-source' && s.kind === 'audio' && typeof s.totalAudioEnergy === 'number') energy += s.totalAudioEnergy;
  });
  return energy;
}

/**
 * Measures the input level of `track` over `durationMs`. The browser reports a source's energy
 * only while it is being sent, so the track goes through a loopback call in the page (host
 * candidates only, nothing leaves the machine).
 */
export async function probeMicrophone(track: MediaStreamTrack, stream: MediaStream, durationMs: number, connectTimeoutMs: number): Promise<MicrophoneProbe> {
  const loop = await loopback({}, track, stream, connectTimeoutMs);
  try {
    if (!loop.connected) return { level: 0 };
    const before = await sourceEnergy(loop.caller);
    await wait(durationMs);
    const energy = (await sourceEnergy(loop.caller)) - before;
    // totalAudioEnergy sums level² × seconds: the mean square level is energy / seconds.
    return { level: Math.sqrt(Math.max(0, energy) / (durationMs / 1000)) };
  } finally {
    loop.close();
  }
}

/** Two peer connections in the page, `caller` sending `track` to `callee`, connected or given up. */
async function loopback(config: RTCConfiguration, track: MediaStreamTrack, stream: MediaStream, connectTimeoutMs: number): Promise<{ caller: RTCPeerConnection; callee: RTCPeerConnection; connected: boolean; close(): void }> {
  const caller = newPeer(config);
  const callee = newPeer(config);
  const close = (): void => {
    caller.close();
    callee.close();
  };
  try {
    caller.addEventListener('icecandidate', (ev) => void (ev.candidate && callee.addIceCandidate(ev.candidate).catch(() => undefined)));
    callee.addEventListener('icecandidate', (ev) => void (ev.candidate && caller.addIceCandidate(ev.candidate).catch(() => undefined)));
    caller.addTrack(track, stream);
    callee.addTransceiver('audio', { direction: 'recvonly' });
    await caller.setLocalDescription(await caller.createOffer());
    await callee.setRemoteDescription(caller.localDescription!);
    await callee.setLocalDescription(await callee.createAnswer());
    await caller.setRemoteDescription(callee.localDescription!);
    const connected = await new Promise<boolean>((resolve) => {
      const check = (): void => {
        if (caller.connectionState === 'connected') resolve(true);
        else if (caller.connectionState === 'failed') resolve(false);
      };
      caller.addEventListener('connectionstatechange', check);
      setTimeout(() => resolve(caller.connectionState === 'connected'), connectTimeoutMs);
      check();
    });
    return { caller, callee, connected, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** Gathers candidates with `iceServers` and counts them by type. */
export async function probeIce(iceServers: RTCIceServer[], timeoutMs: number): Promise<IceProbe> {
  const pc = newPeer({ iceServers });
  const counts: IceProbe = { host: 0, srflx: 0, relay: 0, gatheringMs: 0 };
  const started = Date.now();
  try {
    const done = new Promise<void>((resolve) => {
      pc.addEventListener('icecandidate', (ev: RTCPeerConnectionIceEvent) => {
        const type = ev.candidate?.type;
        if (type === 'host' || type === 'srflx' || type === 'relay') counts[type]++;
        if (!ev.candidate) resolve();
      });
      setTimeout(resolve, timeoutMs);
    });
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    counts.gatheringMs = Date.now() - started;
    return counts;
  } finally {
    pc.close();
  }
}

/**
 * A call from the page to itself, relay-only through the configured TURN servers, carrying
 * `track` for `durationMs`: round trip, jitter and loss as the receiving side sees them.
 */
export async function probeRelayLoopback(iceServers: RTCIceServer[], track: MediaStreamTrack, stream: MediaStream, durationMs: number, connectTimeoutMs: number): Promise<LoopbackProbe> {
  const loop = await loopback({ iceServers, iceTransportPolicy: 'relay' }, track, stream, connectTimeoutMs);
  try {
    const figures: LoopbackProbe = { connected: loop.connected, rttMs: null, jitterMs: null, packetLossPercent: null, packetsReceived: 0 };
    if (!loop.connected) return figures;
    await wait(durationMs);
    (await loop.callee.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        const received = typeof s.packetsReceived === 'number' ? s.packetsReceived : 0;
        const lost = typeof s.packetsLost === 'number' ? Math.max(0, s.packetsLost) : 0;
        figures.packetsReceived = received;
        figures.packetLossPercent = received + lost > 0 ? (lost / (received + lost)) * 100 : null;
        if (typeof s.jitter === 'number') figures.jitterMs = s.jitter * 1000;
      } else if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') {
        figures.rttMs = s.currentRoundTripTime * 1000;
      }
    });
    return figures;
  } finally {
    loop.close();
  }
}

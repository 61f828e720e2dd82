/**
 * {@link preflight}: "test my setup" before the first call. Runs five steps in order and reports
 * each with figures and a sentence a person can read:
 *
 * ```txt
 *   signalling ──▶ registration ──▶ microphone ──▶ ice ──▶ media (relay loopback; needs TURN)
 *   (connect, round trip)  (login, then logout: no binding is left behind)
 * ```
 * A step that cannot run because an earlier one failed is reported as skipped with the reason.
 * Every socket, track and peer connection it opened is closed before the promise settles.
 */
import { VoxlineError, type VoxlineErrorCode } from '../errors';
import { probeIce, probeMicrophone, probeRelayLoopback } from '../media/probes';
import type { ClientOptions } from '../options';
import { acquireAudio, stopStream } from '../media/audio-source';
import { Client } from './client';

/** The steps of a preflight check, in the order they run. */
export type PreflightStepName = 'signalling' | 'registration' | 'microphone' | 'ice' | 'media';

/** One step's outcome. */
export interface PreflightStep {
  /** Which step. */
  name: PreflightStepName;
  /** True when the step passed (a skipped step is not ok). */
  ok: boolean;
  /** True when the step did not run; `message` says why. */
  skipped: boolean;
  /** What happened, in one sentence for a person. */
  message: string;
  /** The step's measurements, e.g. `{ connectMs: 41, roundTripMs: 3 }`. */
  figures: Record<string, number | string | boolean | null>;
  /** The error code, when the step failed with a Voxline error (e.g. `authentication`). */
  code?: VoxlineErrorCode;
}

/** What {@link preflight} resolves to. */
export interface PreflightReport {
  /** True when no step failed (skipped steps do not count as failures). */
  ok: boolean;
  /** Every step, in order. */
  steps: PreflightStep[];
}

/** Options of {@link preflight}: the client's options plus the credentials to test. */
export interface PreflightOptions extends ClientOptions {
  /** The SIP user name to register with. */
  user: string;
  /** Its password. */
  password: string;
  /** Longest time for each network step, in ms. @defaultValue `10000` */
  timeoutMs?: number;
  /** Microphone constraints for the microphone and media steps. @defaultValue `true` */
  audio?: MediaTrackConstraints;
  /** Called as each step finishes (progress for a UI). @defaultValue none */
  onProgress?: (step: PreflightStep) => void;
}

const MICROPHONE_WINDOW_MS = 1000;
const LOOPBACK_WINDOW_MS = 3000;

function hasTurn(iceServers: RTCIceServer[]): boolean {
  return iceServers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u)));
}

function failure(name: PreflightStepName, err: unknown, figures: PreflightStep['figures'] = {}): PreflightStep {
  const step: PreflightStep = { name, ok: false, skipped: false, message: err instanceof Error ? err.message : String(err), figures };
  if (err instanceof VoxlineError) step.code = err.code;
  return step;
}

/**
 * Checks the setup end to end: the signalling server, the credentials, the microphone, the
 * network's ICE candidates and, when TURN servers are configured, a relayed call. Never leaves a
 * registration, socket, track or peer connection behind.
 *
 * @throws {@link ConfigurationError} for bad client options (before anything runs).
 * @example
 * ```ts
 * const report = await Voxline.preflight({ servers: ['wss://sip.example.com'], user: 'alice', password,
 *   onProgress: (step) => render(step) });
 * if (!report.ok) showProblems(report.steps.filter((s) => !s.ok && !s.skipped));
 * ```
 */
export async function preflight(options: PreflightOptions): Promise<PreflightReport> {
  const { user, password, timeoutMs = 10_000, audio, onProgress, ...clientOptions } = options;
  const client = new Client({ ...clientOptions, reconnect: false, connectTimeoutMs: clientOptions.connectTimeoutMs ?? timeoutMs });
  const iceServers = clientOptions.iceServers ?? [];
  const steps: PreflightStep[] = [];
  const report = (step: PreflightStep): boolean => {
    steps.push(step);
    try {
      onProgress?.(step);
    } catch {
      // A progress callback's failure must not stop the check.
    }
    return step.ok;
  };
  const skip = (name: PreflightStepName, message: string): boolean => report({ name, ok: false, skipped: true, message, figures: {} });
  let stream: MediaStream | null = null;
  let owned = false;
  try {
    let started = Date.now();
    let online = false;
    try {
      await client.connect();
      const connectMs = Date.now() - started;
      const roundTripMs = await client._measureRoundTrip(timeoutMs);
      online = report({ name: 'signalling', ok: true, skipped: false, message: `Connected to ${client.server} in ${connectMs} ms; round trip ${roundTripMs} ms.`, figures: { server: client.server, connectMs, roundTripMs } });
    } catch (err) {
      report(failure('signalling', err, { server: client.server }));
    }
    if (!online) skip('registration', 'Not tried: the signalling server could not be reached.');
    else {
      started = Date.now();
      try {
        await client.login(user, password);
        const registerMs = Date.now() - started;
        await client.logout();
        report({ name: 'registration', ok: true, skipped: false, message: `Registered as ${user} in ${registerMs} ms (and unregistered again).`, figures: { registerMs } });
      } catch (err) {
        report(failure('registration', err));
      }
    }
    try {
      ({ stream, owned } = await acquireAudio(audio));
      const track = stream.getAudioTracks()[0]!;
      const { level } = await probeMicrophone(track, stream, MICROPHONE_WINDOW_MS, timeoutMs);
      const heard = level > 0.001;
      report({ name: 'microphone', ok: heard, skipped: false, message: heard ? `Microphone "${track.label}" works (level ${level.toFixed(3)}).` : `Microphone "${track.label}" is silent: check that it is not muted and is the right device.`, figures: { label: track.label, level } });
    } catch (err) {
      report(failure('microphone', err));
    }
    const turn = hasTurn(iceServers);
    let relayOk = false;
    try {
      const ice = await probeIce(iceServers, timeoutMs);
      relayOk = ice.relay > 0;
      const ok = ice.host + ice.srflx + ice.relay > 0 && (!turn || relayOk);
      const found = `${ice.host} host, ${ice.srflx} server-reflexive, ${ice.relay} relay candidate(s)`;
      const message = !ok ? (turn ? `The TURN server could not be reached (${found}).` : 'No ICE candidate at all: WebRTC is blocked.') : iceServers.length === 0 ? `${found}; no STUN or TURN server is configured, so users behind NAT may not be reachable.` : `${found}.`;
      report({ name: 'ice', ok, skipped: false, message, figures: { ...ice, turnConfigured: turn } });
    } catch (err) {
      report(failure('ice', err));
    }
    if (!turn) skip('media', 'Not tried: a relayed test call needs a TURN server in iceServers.');
    else if (!relayOk || !stream) skip('media', !stream ? 'Not tried: no microphone.' : 'Not tried: no relay candidate.');
    else {
      try {
        const loop = await probeRelayLoopback(iceServers, stream.getAudioTracks()[0]!, stream, LOOPBACK_WINDOW_MS, timeoutMs);
        const ok = loop.connected && loop.packetsReceived > 0;
        const message = ok ? `A call through the TURN relay works: round trip ${loop.rttMs?.toFixed(0) ?? '?'} ms, jitter ${loop.jitterMs?.toFixed(1) ?? '?'} ms, loss ${loop.packetLossPercent?.toFixed(1) ?? '?'} %.` : 'A call through the TURN relay did not connect.';
        report({ name: 'media', ok, skipped: false, message, figures: { ...loop } });
      } catch (err) {
        report(failure('media', err));
      }
    }
  } finally {
    if (owned) stopStream(stream);
    client.destroy();
  }
  return { ok: steps.every((s) => s.ok || s.skipped), steps };
}

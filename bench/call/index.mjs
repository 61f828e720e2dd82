// @ts-check
/**
 * Bench module `call`: call setup between two pages of the same library (the callee answers at
 * once), real WebRTC audio (Chromium's fake microphone), digest auth on the INVITE, Kamailio on
 * loopback. Timed in the caller's page from the call:
 *   Voxline  client.call()  → `answered`          callee: `incomingcall` → call.answer()
 *   sip.js   new Inviter().invite() → Established  callee: onInvite → invitation.accept()
 *   SimpleUser call()       → onCallAnswered        callee: onCallReceived → answer()
 *   JsSIP    ua.call()      → `accepted`           callee: newRTCSession → session.answer()
 * and to the first inbound audio packet (caller's inbound-rtp packetsReceived > 0, getStats
 * polled every 5 ms). Each call is hung up by the caller and ended on both sides before the next.
 */
import { fmt } from '../report/format.mjs';
import { FEATURE_LIBS, FEATURE_USERS, closePair, openPair, sleep } from '../lib/feature-page.mjs';
import { librariesConfig, makeFigure, ratioTarget } from '../lib/figure.mjs';
import { summarize } from '../lib/stats.mjs';

const LIBS = FEATURE_LIBS;
const POLL_MS = 5;

/**
 * @typedef {{ answeredMs: number | null, audioMs: number | null, unmuteMs: number | null, inviteOutMs: number | null, okInMs: number | null,
 *   callerGumMs: number | null, callerSdpMs: number | null, calleeAnswerMs: number | null, calleeGumMs: number | null, calleeSdpMs: number | null, error?: string }} CallRun
 * @typedef {Record<string, (number | null)[]>} Samples
 */

/** @type {import('../modules.mjs').BenchModule} */
export const call = {
  id: 'call',
  title: 'Call setup',
  parts: ['call'],
  async run(env, { runs, flags, progress }) {
    const settleMs = Number(flags['call-settle'] ?? 300);
    /** @type {Record<string, Awaited<ReturnType<typeof openPair>>>} */
    const pairs = {};
    /** @type {Record<string, CallRun[]>} */
    const raw = Object.fromEntries(LIBS.map((l) => [l, []]));
    /** @type {string[]} */
    const consoleLines = [];
    try {
      for (const lib of LIBS) pairs[lib] = await openPair(env, lib);
      for (const lib of LIBS) await one(/** @type {any} */ (pairs[lib]), settleMs); // warm-up, not recorded
      for (let run = 1; run <= runs; run++) {
        for (const lib of LIBS) raw[lib]?.push(await one(/** @type {any} */ (pairs[lib]), settleMs));
        if (run % 5 === 0 || run === runs) progress(`call ${run}/${runs}`);
      }
    } finally {
      for (const p of Object.values(pairs)) {
        consoleLines.push(...p.caller.consoleLines, ...p.callee.consoleLines);
        await closePair(p);
      }
    }
    const col = (/** @type {(r: CallRun) => number | null} */ f) => Object.fromEntries(Object.entries(raw).map(([l, list]) => [l, list.map(f)]));
    const answered = col((r) => r.answeredMs);
    const audio = col((r) => r.audioMs);
    const med = (/** @type {Record<string, (number | null)[]>} */ s, /** @type {string} */ l) => summarize(s[l] ?? []).median;
    const diff = (/** @type {number | null} */ a, /** @type {(number | null)[]} */ bs) => (a === null || bs.some((b) => b === null) ? null : a - bs.reduce((/** @type {number} */ x, y) => x + (y ?? 0), 0));
    const breakdown = {
      beforeInvite: col((r) => r.inviteOutMs),
      callerGum: col((r) => r.callerGumMs),
      callerSdp: col((r) => r.callerSdpMs),
      callerRest: col((r) => diff(r.inviteOutMs, [r.callerGumMs, r.callerSdpMs])),
      calleeAnswer: col((r) => r.calleeAnswerMs),
      calleeGum: col((r) => r.calleeGumMs),
      calleeSdp: col((r) => r.calleeSdpMs),
      calleeRest: col((r) => diff(r.calleeAnswerMs, [r.calleeGumMs, r.calleeSdpMs])),
      afterOk: col((r) => (r.answeredMs !== null && r.okInMs !== null ? r.answeredMs - r.okInMs : null)),
      toAudio: col((r) => (r.audioMs !== null && r.answeredMs !== null ? r.audioMs - r.answeredMs : null)),
    };
    const fix = fixText(answered, breakdown, med);
    const audioFix = audioFixText(answered, audio, breakdown, med);
    const target = ratioTarget('sipjs', 0.6, '≤ 0.6× raw sip.js');
    const figures = [
      makeFigure({ part: 'call', title: 'call() → answered', unit: 'ms', reference: 'caller page, from the call method', samples: answered, target, goal: { text: 'call setup (call() → answered) ≤ 0.6× raw sip.js', fix } }),
      makeFigure({
        part: 'call',
        title: 'call() → first inbound audio packet',
        unit: 'ms',
        reference: `caller page, from the call method to inbound-rtp packetsReceived > 0 (getStats every ${POLL_MS} ms)`,
        samples: audio,
        target,
        goal: { text: 'call setup (call() → first inbound audio packet) ≤ 0.6× raw sip.js', fix: audioFix },
      }),
      ...[
        ['caller: call() → first INVITE sent', 'microphone, SDP offer, ICE gathering wait (WebSocket send of the INVITE)', breakdown.beforeInvite],
        ['  … of which getUserMedia', 'caller page, time inside navigator.mediaDevices.getUserMedia', breakdown.callerGum],
        ['  … of which SDP calls', 'caller page, time inside createOffer / setLocalDescription', breakdown.callerSdp],
        ['  … the rest (ICE gathering wait, library)', 'caller page, first INVITE sent minus the two above', breakdown.callerRest],
        ['callee: INVITE received → 200 OK sent', 'callee page: auto-answer, microphone, SDP answer, ICE gathering wait', breakdown.calleeAnswer],
        ['  … of which getUserMedia', 'callee page', breakdown.calleeGum],
        ['  … of which SDP calls', 'callee page: setRemoteDescription / createAnswer / setLocalDescription', breakdown.calleeSdp],
        ['  … the rest (ICE gathering wait, 100 / 180, library)', 'callee page, 200 OK sent minus the two above', breakdown.calleeRest],
        ['caller: 200 OK received → answered', 'caller page: remote description applied, ACK, library event', breakdown.afterOk],
        ['answered → first inbound audio packet', 'caller page: ICE connectivity checks, DTLS handshake, first RTP packet, + up to one 5 ms poll', breakdown.toAudio],
      ].map(([title, reference, samples]) => makeFigure({ part: 'call', title: /** @type {string} */ (title), unit: 'ms', reference: /** @type {string} */ (reference), samples: /** @type {Samples} */ (samples), informative: true })),
      makeFigure({ part: 'call', title: 'call() → remote track unmuted', unit: 'ms', reference: "caller page: the remote audio track's first `unmute` (first RTP packet, no polling)", samples: col((r) => r.unmuteMs), informative: true }),
    ];
    const failed = Object.entries(raw).flatMap(([l, list]) => list.filter((r) => r.error).map((r) => `${l}: ${r.error}`));
    const notes = [
      `call: one warm-up call per library first (not recorded); libraries take turns within each run; ${settleMs} ms pause after both sides ended.`,
      'call: the sip.js, SimpleUser and JsSIP callees answer with their default session description handlers, so both sides of each pair run the same library.',
    ];
    if (failed.length) notes.push(`call: ${failed.length} failed call(s): ${failed.slice(0, 3).join('; ')}.`);
    const users = Object.fromEntries(LIBS.map((l) => [l, `${FEATURE_USERS[l].a} → ${FEATURE_USERS[l].b}`]));
    return { config: { pollMs: POLL_MS, settleMs, libraries: librariesConfig(env, [...LIBS], users) }, figures, notes, raw: { call: raw, 'call/console': consoleLines } };
  },
};

/**
 * One call: dial, answered, first packet, hang up, both sides ended.
 * @param {Awaited<ReturnType<typeof openPair>>} pair
 * @param {number} settleMs
 * @returns {Promise<CallRun>}
 */
async function one(pair, settleMs) {
  /** @type {CallRun} */
  let r = { answeredMs: null, audioMs: null, unmuteMs: null, inviteOutMs: null, okInMs: null, callerGumMs: null, callerSdpMs: null, calleeAnswerMs: null, calleeGumMs: null, calleeSdpMs: null };
  try {
    const c = await pair.caller.call(pair.target, { pollMs: POLL_MS });
    const a = await pair.callee.answerMs();
    r = { ...c, calleeAnswerMs: a?.ms ?? null, calleeGumMs: a?.gumMs ?? null, calleeSdpMs: a?.sdpMs ?? null };
  } catch (err) {
    r.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  await pair.caller.hangup().catch(() => undefined);
  if (!(await pair.callee.idle())) r.error = `${r.error ?? ''} callee still in a call 5 s after hangup`.trim();
  await sleep(settleMs);
  return r;
}

/**
 * What would close the gap to answered, from the breakdown medians (RESULTS.md shows it only when missed).
 * @param {Samples} answered
 * @param {Record<string, Samples>} b
 * @param {(s: Samples, l: string) => number | null} med
 */
function fixText(answered, b, med) {
  const m = (/** @type {Samples | undefined} */ s, /** @type {string} */ l) => (s ? (med(s, l) ?? 0) : 0);
  /** @type {[string, Samples | undefined][]} */
  const parts = [
    ['caller before the INVITE', b.beforeInvite],
    ['callee INVITE → 200 OK', b.calleeAnswer],
    ['200 OK → answered', b.afterOk],
  ];
  const rest = (/** @type {string} */ l) => m(answered, l) - parts.reduce((a, [, s]) => a + m(s, l), 0);
  /** @type {[string, number, number][]} */
  const rows = [...parts.map(([label, s]) => /** @type {[string, number, number]} */ ([label, m(s, 'voxline'), m(s, 'sipjs')])), ['the rest (407 challenge round trip, Kamailio relay)', rest('voxline'), rest('sipjs')]];
  const goal = m(answered, 'sipjs') * 0.6;
  const slower = rows.filter(([, v, p]) => v > p);
  const gain = slower.reduce((a, [, v, p]) => a + v - p, 0);
  const vox = m(answered, 'voxline');
  return (
    `Voxline needs ≤ ${fmt(goal)} to answered (median ${fmt(vox)}). Medians, Voxline vs sip.js: ${rows.map(([l, v, p]) => `${l} ${fmt(v)} vs ${fmt(p)}`).join('; ')}. ` +
    (slower.length ? `Matching sip.js where Voxline is slower (${slower.map(([l]) => l).join(', ')}) would take ${fmt(gain)} off (→ ≈ ${((vox - gain) / Math.max(1, m(answered, 'sipjs'))).toFixed(2)}× sip.js). ` : '') +
    callee(b, m)
  );
}

/**
 * The callee part of the story: where Voxline's answer spends its time compared with sip.js's.
 * @param {Record<string, Samples>} b
 * @param {(s: Samples | undefined, l: string) => number} m
 */
function callee(b, m) {
  const row = (/** @type {string} */ l, /** @type {string} */ k) => `${l} ${fmt(m(b[k], 'voxline'))} vs ${fmt(m(b[k], 'sipjs'))}`;
  const work = (/** @type {string} */ l) => m(b.calleeGum, l) + m(b.calleeSdp, l);
  return (
    `Callee INVITE → 200 OK split: ${row('getUserMedia', 'calleeGum')}, ${row('SDP calls', 'calleeSdp')}, ${row('the rest', 'calleeRest')}; ` +
    `caller before the INVITE: ${row('getUserMedia', 'callerGum')}, ${row('SDP calls', 'callerSdp')}, ${row('the rest (mostly the ICE gathering wait)', 'callerRest')}. ` +
    (work('voxline') > work('sipjs') + 2
      ? `Voxline's callee spends ${fmt(work('voxline') - work('sipjs'))} more inside getUserMedia and the SDP calls, consistent with the overlap its early INVITE creates ` +
        '(the caller page is still gathering ICE while the callee answers, both pages on 2 shared cores). '
      : "The callee's getUserMedia and SDP calls take about as long as sip.js's, so the difference is the library's own work between them. ") +
    'Opening the microphone before the call (`audio: MediaStream`, supported) takes getUserMedia out of both legs.'
  );
}

/**
 * What would close the gap to the first inbound audio packet.
 * @param {Samples} answered
 * @param {Samples} audio
 * @param {Record<string, Samples>} b
 * @param {(s: Samples, l: string) => number | null} med
 */
function audioFixText(answered, audio, b, med) {
  const m = (/** @type {Samples | undefined} */ s, /** @type {string} */ l) => (s ? (med(s, l) ?? 0) : 0);
  const limit = m(audio, 'sipjs') * 0.6;
  const after = m(b.toAudio, 'voxline');
  return (
    `Voxline needs ≤ ${fmt(limit)} to the first packet (median ${fmt(m(audio, 'voxline'))}). It is answered after ${fmt(m(answered, 'voxline'))} vs ${fmt(m(answered, 'sipjs'))} for sip.js, ` +
    `then the first packet follows ${fmt(after)} vs ${fmt(m(b.toAudio, 'sipjs'))} later (ICE connectivity checks, DTLS handshake, first RTP: the same WebRTC work in every library). ` +
    `That fixed leg means answered has to come within ≈ ${fmt(limit - after)}, i.e. ${fmt(m(answered, 'voxline') - (limit - after))} faster than now. ` +
    callee(b, m)
  );
}

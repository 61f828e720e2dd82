/**
 * The little SDP reading the media needs, and the hold rules for the audio direction
 * (RFC 3264 §6.1, §8.4; the rules sip.js's web handler applied, kept so calls behave as before).
 */

/** The audio `m=` section of an SDP (up to the next `m=` line), or `''` when there is none. */
function audioSection(sdp: string): string {
  return /(?:^|\n)m=audio [\s\S]*?(?=\r?\nm=|$)/.exec(sdp)?.[0] ?? '';
}

/** The session-level part of an SDP (before the first `m=` line). */
function sessionSection(sdp: string): string {
  return sdp.split(/\r?\nm=/)[0] ?? '';
}

const DIRECTION = /(?:^|\r?\n)a=(sendrecv|sendonly|recvonly|inactive)[ \t]*(?=\r?\n|$)/;

/**
 * The direction an SDP offers for its audio: the audio section's attribute, else the
 * session-level one, else `sendrecv` (the default when none is given).
 */
export function offeredDirection(sdp: string): RTCRtpTransceiverDirection {
  const found = DIRECTION.exec(audioSection(sdp)) ?? DIRECTION.exec(sessionSection(sdp));
  return (found?.[1] as RTCRtpTransceiverDirection | undefined) ?? 'sendrecv';
}

/**
 * The ICE username fragment of an SDP's audio section (or of its session level): it changes
 * with every ICE restart, so it names the candidates' generation.
 */
export function iceUfrag(sdp: string | undefined): string | undefined {
  if (!sdp) return undefined;
  const ufrag = /(?:^|\r?\n)a=ice-ufrag:(\S+)/;
  return ufrag.exec(audioSection(sdp))?.[1] ?? ufrag.exec(sessionSection(sdp))?.[1];
}

/** The DTLS fingerprint of an SDP (audio section, else session level), e.g. `sha-256 AB:CD:…`. */
export function dtlsFingerprint(sdp: string): string | undefined {
  const fingerprint = /(?:^|\r?\n)a=fingerprint:([^\r\n]+)/;
  return (fingerprint.exec(audioSection(sdp))?.[1] ?? fingerprint.exec(sessionSection(sdp))?.[1])?.trim().toLowerCase();
}

/**
 * The direction to offer, from the transceiver's current one and our hold state: holding
 * turns sending-and-receiving into `sendonly`, and receiving-only into `inactive`; resuming
 * turns them back. A side the remote party stopped (it offered `sendonly`, we answered
 * `recvonly`) stays so until the remote party resumes.
 */
export function offerDirection(current: RTCRtpTransceiverDirection, hold: boolean): RTCRtpTransceiverDirection {
  switch (current) {
    case 'sendrecv':
    case 'sendonly':
      return hold ? 'sendonly' : 'sendrecv';
    case 'recvonly':
    case 'inactive':
      return hold ? 'inactive' : 'recvonly';
    default:
      return current; // 'stopped'
  }
}

/** The direction to answer an offer with, from the offered direction and our hold state. */
export function answerDirection(offered: RTCRtpTransceiverDirection, hold: boolean): RTCRtpTransceiverDirection {
  switch (offered) {
    case 'sendonly':
      return hold ? 'inactive' : 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
    default:
      return hold ? 'sendonly' : 'sendrecv';
  }
}

/** Clock rates of the static audio payload types (RFC 3551), which need no `a=rtpmap`. */
const STATIC_CLOCK: Record<string, [string, number]> = { '0': ['pcmu', 8000], '3': ['gsm', 8000], '8': ['pcma', 8000], '9': ['g722', 8000], '18': ['g729', 8000] };

/** Payload formats that are not the voice codec itself. */
const NOT_A_CODEC = new Set(['telephone-event', 'cn', 'red', 'rtx', 'ulpfec']);

/**
 * Why RFC 4733 DTMF (`telephone-event`) cannot be sent with the negotiated audio of `answer`, or
 * `undefined` when it can. The answer's first voice codec is the one sent, and a telephone-event
 * is only usable at that codec's clock rate (RFC 4733 §2.1: e.g. opus/48000 needs
 * telephone-event/48000, PCMU/8000 needs telephone-event/8000). A browser negotiating opus with
 * a far end that offers telephone-event/8000 only would otherwise send digits nobody decodes.
 */
export function rtpDtmfProblem(answer: string): string | undefined {
  const section = audioSection(answer);
  const formats = /^m=audio \S+ \S+((?: \S+)*)/m.exec(section)?.[1]?.trim().split(' ') ?? [];
  const maps = new Map<string, [string, number]>();
  for (const [, pt, name, clock] of section.matchAll(/a=rtpmap:(\d+) ([^/\s]+)\/(\d+)/g)) maps.set(pt!, [name!.toLowerCase(), Number(clock)]);
  const codecs = formats.map((pt) => maps.get(pt) ?? STATIC_CLOCK[pt]).filter((c): c is [string, number] => c !== undefined);
  const voice = codecs.find(([name]) => !NOT_A_CODEC.has(name));
  if (!voice) return 'the answer names no audio codec';
  const events = codecs.filter(([name]) => name === 'telephone-event').map(([, clock]) => clock);
  if (events.length === 0) return 'the answer has no telephone-event';
  if (!events.includes(voice[1])) return `the answer's telephone-event is at ${events.join('/')} Hz, not at ${voice[0]}'s ${voice[1]} Hz`;
  return undefined;
}

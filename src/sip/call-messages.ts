/**
 * The pieces of SIP a call's requests and responses carry, in one place: session-description
 * bodies, the `Allow` and `Reason` headers, DTMF over SIP INFO, REFER (RFC 3515) and the
 * `message/sipfrag` NOTIFYs that report a transfer's progress. Plain functions, no state.
 */
import type { Core, URI } from 'sip.js';

/** Methods a call handles, sent in `Allow` with every INVITE and 2xx (as sip.js's API layer did). */
export const ALLOW_HEADER = 'Allow: ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER';

const SDP = 'application/sdp';

/** A session description as a request or response body. */
export function sdpBody(sdp: string): Core.Body {
  return { contentDisposition: 'session', contentType: SDP, content: sdp };
}

/** The media type of a message's body without parameters, lower case; `''` without a body. */
function bodyType(message: Core.IncomingMessage): string {
  if (!message.body) return '';
  return (message.getHeader('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The session description a message carries (`application/sdp`, not `render`ed), or undefined. */
export function sdpOf(message: Core.IncomingMessage): string | undefined {
  if (bodyType(message) !== SDP) return undefined;
  const disposition = (message.getHeader('content-disposition') ?? 'session').split(';')[0]!.trim().toLowerCase();
  return disposition === 'session' ? message.body : undefined;
}

/** True when a message has a body that is not a session description we can use (e.g. multipart). */
export function hasForeignBody(message: Core.IncomingMessage): boolean {
  return bodyType(message) !== '' && sdpOf(message) === undefined;
}

/** A `Reason` header (RFC 3326) for a BYE that ends a call on an error, e.g. 488. */
export function reasonHeader(status: number, text: string): string {
  return `Reason: SIP;cause=${status};text="${text}"`;
}

/** The body of a SIP INFO carrying one DTMF tone (`application/dtmf-relay`, as today's PBXs expect). */
export function dtmfInfoBody(tone: string, durationMs: number): Core.Body {
  return { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${tone}\r\nDuration=${durationMs}\r\n` };
}

/** The DTMF tone an incoming INFO carries (`application/dtmf-relay` or `application/dtmf`), upper case. */
export function dtmfToneOf(message: Core.IncomingMessage): string | undefined {
  const type = (message.getHeader('content-type') ?? '').toLowerCase();
  const body = message.body ?? '';
  let tone: string | undefined;
  if (type.startsWith('application/dtmf-relay')) tone = /Signal\s*=\s*([0-9A-D*#])/i.exec(body)?.[1];
  else if (type.startsWith('application/dtmf')) tone = /^\s*([0-9A-D*#])/i.exec(body)?.[1];
  return tone?.toUpperCase();
}

/** Headers of a REFER asking the other party to call `target` (blind transfer). */
export function referHeaders(target: URI, referredBy: URI, contact: string): string[] {
  return [`Referred-By: <${referredBy.toString()}>`, `Contact: ${contact}`, ALLOW_HEADER, `Refer-To: <${target.toString()}>`];
}

/** What an accepted REFER asks for: the target, and the headers its INVITE carries along. */
export interface ReferTarget {
  /** Where to call (the Refer-To URI without its headers). */
  uri: URI;
  /** `Referred-By` and `Replaces` header lines for the new INVITE. */
  headers: string[];
}

/** Reads a REFER's `Refer-To` (undefined when missing or unreadable). */
export function referTargetOf(message: Core.IncomingRequestMessage): ReferTarget | undefined {
  let referTo: unknown;
  try {
    referTo = message.hasHeader('refer-to') ? message.parseHeader('refer-to') : undefined;
  } catch {
    return undefined;
  }
  const uri = (referTo as { uri?: URI } | undefined)?.uri;
  if (!uri || typeof uri.clone !== 'function') return undefined;
  const target = uri.clone();
  const replaces = target.getHeader('replaces')?.[0];
  target.clearHeaders();
  const headers: string[] = [];
  if (replaces) headers.push(`Replaces: ${decodeURIComponent(replaces)}`);
  const referredBy = message.getHeader('referred-by');
  if (referredBy) headers.push(`Referred-By: ${referredBy}`);
  return { uri: target, headers };
}

/** Options of a NOTIFY that reports a transfer's progress to the transferor (RFC 3515 §2.4.5). */
export function referNotify(status: number, reason: string, final: boolean): Core.RequestOptions {
  return {
    extraHeaders: ['Event: refer', final ? 'Subscription-State: terminated;reason=noresource' : 'Subscription-State: active;expires=60'],
    body: { contentDisposition: 'render', contentType: 'message/sipfrag;version=2.0', content: `SIP/2.0 ${status} ${reason}`.trim() },
  };
}

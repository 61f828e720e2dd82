/**
 * Requests in a call's dialog that do not change the call's state by themselves: DTMF tones as
 * SIP INFO, and the REFER of a blind transfer (RFC 3515) both ways. The call (call-session.ts)
 * decides when; these build, send and answer them on sip.js's core `Session`.
 */
import type { Core, URI } from 'sip.js';
import { InvalidStateError, SipError } from '../errors';
import type { CallMedia } from '../media/call-media';
import type { IncomingTransfer } from './call-events';
import { dtmfInfoBody, referHeaders, referNotify, referTargetOf } from './call-messages';

/** Length of a `,` pause in a DTMF string, in ms (as `RTCDTMFSender.insertDTMF`). */
export const DTMF_PAUSE_MS = 2000;

const DTMF = /^[0-9A-D*#,]+$/i;

/**
 * Sends DTMF tones: RFC 4733 in the audio (`rtp`) where the negotiated answer has a
 * telephone-event at the audio codec's clock rate (see `rtpDtmfProblem`), or SIP INFO (`info`),
 * one request per tone, in order, not waiting for their answers (a `,` waits
 * {@link DTMF_PAUSE_MS}); `auto` prefers RTP and falls back to INFO. INFOs stop once `ended` is
 * aborted (the call ended), and so does a pause: its timer is cleared at once. Resolves to the
 * method used.
 * @throws TypeError for characters outside 0-9, *, #, A-D and `,`, before anything is sent.
 * @throws InvalidStateError for `rtp` when RFC 4733 is not possible on the call, saying why.
 */
export async function sendDtmf(media: CallMedia | null, dialog: Core.Session, tones: string, method: 'auto' | 'rtp' | 'info', durationMs: number, ended: AbortSignal): Promise<'rtp' | 'info'> {
  if (!DTMF.test(tones)) throw new TypeError(`sendDtmf(tones): "${tones}" has characters outside 0-9, *, #, A-D and ","`);
  if (method !== 'info') {
    const rtp = media ? await media.sendDtmf(tones, { durationMs, interToneGapMs: 70 }) : { sent: false as const, reason: 'the call has no media' };
    if (rtp.sent) return 'rtp';
    if (method === 'rtp') throw new InvalidStateError(`sendDtmf(): RFC 4733 DTMF is not possible on this call: ${rtp.reason} (method "auto" would send SIP INFO)`);
  }
  for (const tone of tones) {
    if (ended.aborted) break;
    if (tone === ',') await pause(DTMF_PAUSE_MS, ended);
    else dialog.info(undefined, { body: dtmfInfoBody(tone, durationMs) });
  }
  return 'info';
}

/** Resolves after `ms`, or at once when `ended` aborts (its timer cleared then). */
function pause(ms: number, ended: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      ended.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ended.addEventListener('abort', done);
  });
}

/** Sends a REFER asking the other party to call `target`; resolves on its 2xx, rejects with {@link SipError}. */
export function sendRefer(dialog: Core.Session, target: URI, referredBy: URI, contact: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const refused = ({ message }: Core.IncomingResponse): void =>
      reject(new SipError(message.statusCode ?? 0, message.reasonPhrase ?? '', `transfer to ${target.toString()} refused: SIP ${message.statusCode} ${message.reasonPhrase}`));
    dialog.refer({ onAccept: () => resolve(), onReject: refused, onRedirect: refused }, { extraHeaders: referHeaders(target, referredBy, contact) });
  });
}

/**
 * Answers the other party's REFER: 202, then a first NOTIFY (100 Trying); 400 without a usable
 * Refer-To. The transfer it returns reports the new call's progress while `live()` holds.
 */
export function acceptRefer(request: Core.IncomingReferRequest, dialog: Core.Session, live: () => boolean): IncomingTransfer | undefined {
  const target = referTargetOf(request.message);
  if (!target) {
    request.reject({ statusCode: 400 });
    return undefined;
  }
  request.accept({ statusCode: 202 });
  const report = (status: number, reason: string): void => {
    if (live()) dialog.notify(undefined, referNotify(status, reason, status >= 200));
  };
  report(100, 'Trying');
  return { ...target, report };
}

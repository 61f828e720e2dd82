/**
 * The re-INVITE that resumes a call after a reload (call-resume.ts): sent *without* an offer
 * (RFC 3261 §14.1, §13.2.1), from our new Contact (a target refresh, §12.2). The far end puts an
 * offer of its existing session in the 2xx; our new media answers it in the ACK.
 * ```txt
 *   re-INVITE (no body) ──2xx with their offer──▶ createAnswer ──▶ ACK with our answer (resolves)
 *        │                 └ no offer, or our media refuses it ──▶ ACK without body (rejects; the caller sends BYE)
 *        ├ 491 (glare: the far end's own re-INVITE, e.g. its ICE restart towards the page that is
 *        │      gone, is pending): wait as §14.1 says, send again (at most GLARE_RETRIES times)
 *        └ 3xx–6xx (481: the dialog is gone; an internal 408 after Timer B) ──▶ rejects with SipError
 * ```
 * Why not our own offer: the far end's DTLS association must restart (our fingerprint is new).
 * Answering our offer, a WebRTC far end keeps its DTLS role (RFC 8842 §5.3 forbids an offer
 * naming another), so when it was the DTLS client it re-sends its handshake, with backoff,
 * towards the page that is gone, and the audio comes back seconds late. Answering its offer
 * instead (`actpass`), our new peer connection becomes the DTLS client: the far end waits as the
 * server, and our handshake goes out the moment our new ICE path works.
 */
import type { Core } from 'sip.js';
import { SipError } from '../errors';
import type { CallMedia } from '../media/call-media';
import { ALLOW_HEADER, sdpBody, sdpOf } from './call-messages';
import { GLARE_RETRIES, glareDelayMs } from './reinvite';

/** What {@link reinviteForOffer} needs besides the dialog and the media. */
export interface LateOfferOptions {
  contact: string;
  hold: boolean;
  /** True when we sent the initial INVITE (the §14.1 wait after a 491 depends on it). */
  ownsCallId: boolean;
  what: string;
  /** False once the call ended: no further attempt. */
  wanted(): boolean;
}

/** Sends the offerless re-INVITE in `dialog` (again after a 491); resolves once our answer went out in the ACK. */
export async function reinviteForOffer(dialog: Core.Session, media: CallMedia, o: LateOfferOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await exchange(dialog, media, o);
    } catch (err) {
      if (!(err instanceof SipError) || err.status !== 491 || attempt >= GLARE_RETRIES || !o.wanted()) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, glareDelayMs(o.ownsCallId)));
    if (!o.wanted()) return;
  }
}

function exchange(dialog: Core.Session, media: CallMedia, o: LateOfferOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const refused = ({ message }: Core.IncomingResponse): void => {
      const status = message.statusCode ?? 0;
      reject(new SipError(status, message.reasonPhrase ?? '', `${o.what} refused: SIP ${status} ${message.reasonPhrase ?? ''}`));
    };
    dialog.invite(
      {
        onAccept: (response) => {
          const offer = sdpOf(response.message);
          (offer === undefined ? Promise.reject(new Error('its 2xx carries no offer')) : media.createAnswer(offer, { hold: o.hold })).then(
            (answer) => {
              response.ack({ body: sdpBody(answer) });
              resolve();
            },
            (err: unknown) => {
              response.ack();
              reject(new Error(`${o.what}: the far end's offer could not be used (${(err as Error).message})`));
            },
          );
        },
        onRedirect: refused,
        onReject: refused,
      },
      { extraHeaders: [`Contact: ${o.contact}`, ALLOW_HEADER] },
    );
  });
}

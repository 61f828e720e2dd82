/**
 * The re-INVITE that resumes a call after a reload (call-resume.ts): sent *without* an offer
 * (RFC 3261 §14.1, §13.2.1), from our new Contact (a target refresh, §12.2). The far end puts an
 * offer of its existing session in the 2xx; our new media answers it in the ACK.
 * ```txt
 *   re-INVITE (no body) ──2xx with their offer──▶ createAnswer ──▶ ACK with our answer (resolves)
 *        │                 └ no offer, or our media refuses it ──▶ ACK without body (rejects; the caller sends BYE)
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

/** Sends the offerless re-INVITE in `dialog`; resolves once our answer went out in the ACK. */
export function reinviteForOffer(dialog: Core.Session, media: CallMedia, o: { contact: string; hold: boolean; what: string }): Promise<void> {
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

/**
 * sip.js's `SessionDescriptionHandler` on top of Voxline's own media ({@link CallMedia},
 * src/media): what sip.js's API layer (`Inviter`, `Invitation`, `Session`) calls during the
 * offer/answer of an INVITE, a re-INVITE or an ACK, translated to the media's interface, so
 * that sip.js's web handler (and its peer connection code) is not used nor bundled.
 *
 * How sip.js drives it:
 *  - our offer (INVITE, re-INVITE, 200 to an offerless INVITE): `getDescription()`, later
 *    `setDescription(answer)`, or `rollbackDescription()` when the re-INVITE was refused;
 *  - their offer (INVITE, re-INVITE, 2xx to our offerless INVITE): `setDescription(offer)` then
 *    `getDescription()` for the answer. The answer is made in `setDescription` (so a bad offer
 *    fails there, as with sip.js's handler) and handed out by the next `getDescription`.
 *
 * Options sip.js passes through (`sessionDescriptionHandlerOptions` and
 * `sessionDescriptionHandlerOptionsReInvite`): `hold` (offer/answer as held), `iceRestart` or
 * `offerOptions.iceRestart` (an ICE-restart offer). `constraints` is ignored: the audio is
 * acquired before the INVITE or the answer. Modifiers are not supported (Voxline sets none).
 */
import type { BodyAndContentType, SessionDescriptionHandler, SessionDescriptionHandlerModifier, SessionDescriptionHandlerOptions } from 'sip.js';
import type { CallMedia } from '../media/call-media';

/** The handler options Voxline understands (see the file's doc comment). */
export interface MediaHandlerOptions extends SessionDescriptionHandlerOptions {
  /** Offer (or answer) as a call on hold. @defaultValue false */
  hold?: boolean;
  /** Make an ICE-restart offer. @defaultValue false */
  iceRestart?: boolean;
  /** sip.js's web handler's spelling of `iceRestart`, accepted too. */
  offerOptions?: { iceRestart?: boolean };
}

const SDP = 'application/sdp';

/** A sip.js session description handler backed by a {@link CallMedia}. */
export class MediaSessionDescriptionHandler implements SessionDescriptionHandler {
  /** Our answer to the offer given to `setDescription`, for the next `getDescription`. */
  private answer: Promise<string> | null = null;

  constructor(readonly media: CallMedia) {}

  async getDescription(options?: MediaHandlerOptions, modifiers?: SessionDescriptionHandlerModifier[]): Promise<BodyAndContentType> {
    noModifiers(modifiers);
    const answer = this.answer;
    this.answer = null;
    const sdp = answer ? await answer : await this.media.createOffer({ hold: options?.hold ?? false, iceRestart: options?.iceRestart ?? options?.offerOptions?.iceRestart ?? false });
    return { body: sdp, contentType: SDP };
  }

  async setDescription(sdp: string, options?: MediaHandlerOptions, modifiers?: SessionDescriptionHandlerModifier[]): Promise<void> {
    noModifiers(modifiers);
    if (this.media.signalingState === 'have-local-offer') return this.media.acceptAnswer(sdp);
    const answer = this.media.createAnswer(sdp, { hold: options?.hold ?? false });
    this.answer = answer;
    await answer.catch((err: unknown) => {
      if (this.answer === answer) this.answer = null;
      throw err;
    });
  }

  hasDescription(contentType: string): boolean {
    return contentType === SDP;
  }

  async rollbackDescription(): Promise<void> {
    this.answer = null;
    await this.media.rollback();
  }

  /** RFC 4733 DTMF; sip.js's option names (`duration`, `interToneGap`, in ms). */
  sendDtmf(tones: string, options?: { duration?: number; interToneGap?: number }): boolean {
    return this.media.sendDtmf(tones, { durationMs: options?.duration, interToneGapMs: options?.interToneGap });
  }

  close(): void {
    this.answer = null;
    this.media.close();
  }
}

function noModifiers(modifiers: SessionDescriptionHandlerModifier[] | undefined): void {
  if (modifiers?.length) throw new TypeError('session description modifiers are not supported by Voxline’s media handler');
}

/** The media behind a session's handler, when it is Voxline's. */
export function mediaOf(handler: SessionDescriptionHandler | undefined): CallMedia | undefined {
  return handler instanceof MediaSessionDescriptionHandler ? handler.media : undefined;
}

import { describe, expect, it } from 'vitest';
import type { AnswerOptions, CallMedia, DtmfToneOptions, OfferOptions } from '../media/call-media';
import { readStats } from '../media/stats';
import { mediaOf, MediaSessionDescriptionHandler } from './sdh-adapter';

/** A CallMedia that records what it is asked and answers with made-up SDP. */
function recordingMedia() {
  const calls: string[] = [];
  let offers = 0;
  const media: CallMedia & { calls: string[]; failAnswer: boolean; dtmfResult: boolean } = {
    calls,
    failAnswer: false,
    dtmfResult: true,
    delegate: undefined,
    signalingState: 'stable',
    held: false,
    muted: false,
    remoteStream: null,
    async createOffer(options?: OfferOptions) {
      calls.push(`createOffer ${JSON.stringify(options)}`);
      (this as { signalingState: string }).signalingState = 'have-local-offer';
      return `offer-${++offers}`;
    },
    async acceptAnswer(sdp: string) {
      calls.push(`acceptAnswer ${sdp}`);
      (this as { signalingState: string }).signalingState = 'stable';
    },
    async createAnswer(offer: string, options?: AnswerOptions) {
      calls.push(`createAnswer ${offer} ${JSON.stringify(options)}`);
      if (this.failAnswer) throw new DOMException('Failed to parse SessionDescription', 'OperationError');
      return `answer-to-${offer}`;
    },
    async rollback() {
      calls.push('rollback');
      (this as { signalingState: string }).signalingState = 'stable';
    },
    setMuted: (muted: boolean) => void calls.push(`setMuted ${muted}`),
    sendDtmf(tones: string, options?: DtmfToneOptions) {
      calls.push(`sendDtmf ${tones} ${JSON.stringify(options)}`);
      return this.dtmfResult;
    },
    getStats: () => readStats(undefined),
    close: () => void calls.push('close'),
  };
  return media;
}

describe('MediaSessionDescriptionHandler (sip.js SDH over CallMedia)', () => {
  it('our offer: getDescription makes an offer (hold and ICE restart from the options), setDescription takes the answer', async () => {
    const media = recordingMedia();
    const sdh = new MediaSessionDescriptionHandler(media);
    expect(await sdh.getDescription({ constraints: { audio: true } })).toEqual({ body: 'offer-1', contentType: 'application/sdp' });
    await sdh.setDescription('their-answer');
    await sdh.getDescription({ hold: true } as object);
    await sdh.setDescription('their-answer-2');
    await sdh.getDescription({ iceRestart: true } as object);
    await sdh.rollbackDescription();
    await sdh.getDescription({ offerOptions: { iceRestart: true } } as object);
    expect(media.calls).toEqual([
      'createOffer {"hold":false,"iceRestart":false}',
      'acceptAnswer their-answer',
      'createOffer {"hold":true,"iceRestart":false}',
      'acceptAnswer their-answer-2',
      'createOffer {"hold":false,"iceRestart":true}',
      'rollback',
      'createOffer {"hold":false,"iceRestart":true}',
    ]);
  });

  it('their offer: setDescription makes the answer (with our hold), the next getDescription hands it out, the one after offers', async () => {
    const media = recordingMedia();
    const sdh = new MediaSessionDescriptionHandler(media);
    await sdh.setDescription('their-offer', { hold: true } as object);
    expect(await sdh.getDescription({ hold: true } as object)).toEqual({ body: 'answer-to-their-offer', contentType: 'application/sdp' });
    expect(await sdh.getDescription()).toEqual({ body: 'offer-1', contentType: 'application/sdp' });
    expect(media.calls).toEqual(['createAnswer their-offer {"hold":true}', 'createOffer {"hold":false,"iceRestart":false}']);
  });

  it('an offer the media cannot use rejects setDescription, and leaves no stale answer behind', async () => {
    const media = recordingMedia();
    media.failAnswer = true;
    const sdh = new MediaSessionDescriptionHandler(media);
    await expect(sdh.setDescription('garbage')).rejects.toMatchObject({ name: 'OperationError' });
    expect((await sdh.getDescription()).body).toBe('offer-1');
  });

  it('rollbackDescription drops an answer not handed out yet', async () => {
    const media = recordingMedia();
    const sdh = new MediaSessionDescriptionHandler(media);
    await sdh.setDescription('their-offer');
    await sdh.rollbackDescription();
    expect((await sdh.getDescription()).body).toBe('offer-1');
  });

  it('DTMF, content type, close, modifiers', async () => {
    const media = recordingMedia();
    const sdh = new MediaSessionDescriptionHandler(media);
    expect(sdh.sendDtmf('1#', { duration: 200, interToneGap: 50 })).toBe(true);
    media.dtmfResult = false;
    expect(sdh.sendDtmf('2')).toBe(false);
    expect([sdh.hasDescription('application/sdp'), sdh.hasDescription('text/plain')]).toEqual([true, false]);
    await expect(sdh.getDescription(undefined, [async (d) => d])).rejects.toBeInstanceOf(TypeError);
    sdh.close();
    expect(media.calls).toEqual(['sendDtmf 1# {"durationMs":200,"interToneGapMs":50}', 'sendDtmf 2 {}', 'close']);
  });

  it('mediaOf finds the media behind Voxline’s handler only', () => {
    const media = recordingMedia();
    expect(mediaOf(new MediaSessionDescriptionHandler(media))).toBe(media);
    expect(mediaOf(undefined)).toBeUndefined();
    expect(mediaOf({ close: () => undefined } as never)).toBeUndefined();
  });
});

/**
 * The call manager: the microphone before anything is sent, answer() guards, media that cannot
 * be made (test/sip-call-bed.ts: a real core over an in-memory transport, fake media).
 */
import { describe, expect, it, vi } from 'vitest';
import { InvalidStateError, MediaError } from '../errors';
import { useCallBedHooks, bobUri, stubMicrophone, type CallBed } from '../../test/sip-call-bed';

let bed: CallBed;
useCallBedHooks((b) => (bed = b), { microphone: false });

function microphone(getUserMedia: () => Promise<MediaStream>): { stop: ReturnType<typeof vi.fn> } {
  const track = { kind: 'audio', stop: vi.fn() };
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
  return track;
}

describe('CallManager', () => {
  it('place(): a refused microphone rejects with MediaError before any call, media or INVITE exists', async () => {
    microphone(() => Promise.reject(Object.assign(new Error('denied'), { name: 'NotAllowedError' })));
    const err = await bed.manager.place(bobUri(), {}, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(bed.medias).toHaveLength(0);
    expect(bed.peer.frames).toHaveLength(0);
  });

  it('place(): media that cannot be made rejects, stops the microphone we opened, sends nothing', async () => {
    const track = { kind: 'audio', stop: vi.fn() };
    const stream = { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.resolve(stream) } });
    bed.mediaSetup = () => {
      throw new TypeError('AudioPeer: the local stream has no audio track');
    };
    await expect(bed.manager.place(bobUri(), {}, {})).rejects.toBeInstanceOf(TypeError);
    expect(track.stop).toHaveBeenCalled();
    expect(bed.peer.requests('INVITE')).toHaveLength(0);
  });

  it('place(): an offer the media cannot make rejects, and the call ends as failed without an INVITE', async () => {
    stubMicrophone();
    bed.mediaSetup = (media) => (media.failNext.createOffer = new Error('no ICE candidates'));
    await expect(bed.manager.place(bobUri(), {}, {})).rejects.toThrow('no ICE candidates');
    expect(bed.peer.requests('INVITE')).toHaveLength(0);
    expect(bed.medias[0]!.calls.at(-1)).toBe('close');
  });

  it('answer() twice at once: the second rejects with InvalidStateError, the first goes on', async () => {
    let grant: (s: MediaStream) => void = () => undefined;
    microphone(() => new Promise<MediaStream>((resolve) => (grant = resolve)));
    bed.peer.invite({ sdp: 'v=0 o\r\n' });
    await bed.settle();
    const call = bed.incoming[0]!;
    const first = bed.manager.answer(call, {});
    await expect(bed.manager.answer(call, {})).rejects.toBeInstanceOf(InvalidStateError);
    const track = { kind: 'audio', stop: vi.fn() };
    grant({ getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream);
    await expect(first).resolves.toBeUndefined();
    expect(bed.medias).toHaveLength(1);
    expect(bed.peer.responses('INVITE').filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('answer() on a call cancelled while the microphone opened: InvalidStateError naming the state, the microphone stopped', async () => {
    const track = { kind: 'audio', stop: vi.fn() };
    let grant: () => void = () => undefined;
    microphone(() => new Promise<MediaStream>((resolve) => (grant = () => resolve({ getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream))));
    const { text } = bed.peer.invite({ sdp: 'v=0 o\r\n' });
    await bed.settle();
    const answering = bed.manager.answer(bed.incoming[0]!, {}).catch((e: unknown) => e);
    bed.peer.cancel(text);
    grant();
    const err = await answering;
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toContain('"ended"');
    expect(track.stop).toHaveBeenCalled();
    expect(bed.medias).toHaveLength(0);
  });
});

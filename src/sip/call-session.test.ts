import { EmitterImpl, Invitation, SessionState } from 'sip.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidStateError } from '../errors';
import { createLogger } from '../logger';
import { fakeLocalStream, FakePeerConnection, FakeStream, FakeTrack, remoteSdp } from '../../test/fake-peer-connection';
import { AudioPeer } from '../media/audio-peer';
import { CallSession, DTMF_PAUSE_MS, endReasonFor, type CallEnd } from './call-session';
import { MediaSessionDescriptionHandler } from './sdh-adapter';

describe('endReasonFor', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'rejected'],
    [404, 'not-found'],
    [604, 'not-found'],
    [487, 'canceled'],
    [480, 'unavailable'],
    [408, 'unavailable'],
    [503, 'unavailable'],
    [488, 'failed'],
    [500, 'failed'],
  ])('SIP %i → %s', (status, reason) => {
    expect(endReasonFor(status)).toBe(reason);
  });
});

/**
 * A sip.js Invitation stand-in: the state and calls CallSession uses, driven by the test. Its
 * media is Voxline's real handler over a fake peer connection whose initial exchange is done,
 * and its re-INVITE drives the handler as sip.js does (getDescription, then the answer).
 */
function fakeInvitation() {
  const stateChange = new EmitterImpl<SessionState>();
  const { stream, track } = fakeLocalStream();
  let pc: FakePeerConnection | undefined;
  const media = new AudioPeer({ localStream: stream, playRemoteAudio: false, createPeerConnection: () => (pc = new FakePeerConnection({})) as unknown as RTCPeerConnection, createMediaStream: () => new FakeStream().asMediaStream });
  const sdh = new MediaSessionDescriptionHandler(media);
  pc!.iceGatheringState = 'complete';
  const calls: string[] = [];
  const fake = Object.create(Invitation.prototype) as Invitation;
  let state = SessionState.Initial;
  const props: Record<string, unknown> = {
    delegate: undefined,
    stateChange,
    remoteIdentity: { uri: { user: 'bob', toString: () => 'sip:bob@voxline.test' }, displayName: 'Bob' },
    sessionDescriptionHandler: sdh,
    sessionDescriptionHandlerOptionsReInvite: {},
    invite: async (opts: { requestDelegate?: { onAccept?: () => void } }) => {
      const offer = await sdh.getDescription(fake.sessionDescriptionHandlerOptionsReInvite);
      calls.push(`invite ${/a=(sendrecv|sendonly|recvonly|inactive)/.exec(offer.body)?.[1]}`);
      queueMicrotask(() => {
        const answered = offer.body.includes('a=sendonly') ? 'recvonly' : 'sendrecv';
        void sdh.setDescription(remoteSdp(answered)).then(() => opts.requestDelegate?.onAccept?.());
      });
    },
    info: (opts: { requestOptions: { body: { content: string } } }) => {
      calls.push(`info ${/Signal=(.)/.exec(opts.requestOptions.body.content)?.[1]}`);
      return Promise.resolve();
    },
    bye: () => {
      calls.push('bye');
      return Promise.resolve();
    },
    accept: () => {
      calls.push('accept');
      set(SessionState.Established);
      return Promise.resolve();
    },
    reject: () => {
      calls.push('reject');
      set(SessionState.Terminated);
      return Promise.resolve();
    },
    progress: () => Promise.resolve(),
    dispose: () => Promise.resolve(),
  };
  for (const [key, value] of Object.entries(props)) Object.defineProperty(fake, key, { value, writable: true, configurable: true });
  Object.defineProperty(fake, 'state', { get: () => state, configurable: true });
  function set(next: SessionState): void {
    state = next;
    stateChange.emit(next);
  }
  return { fake, set, calls, track, media, pc: pc! };
}

const silent = createLogger('silent');

function answeredCall() {
  const inv = fakeInvitation();
  const call = new CallSession(inv.fake, silent, { stream: null, owned: false }, false);
  const ended: CallEnd[] = [];
  const events: string[] = [];
  call.on('ended', (e) => ended.push(e));
  for (const name of ['answered', 'held', 'resumed', 'muted', 'unmuted'] as const) call.on(name, () => events.push(name));
  return { inv, call, ended, events };
}

describe('CallSession with a fake sip.js session', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('ends once with remote-hangup when the BYE arrives, even if a hangup races it', async () => {
    const { inv, call, ended } = answeredCall();
    await call.answer();
    inv.fake.delegate!.onBye!({ accept: () => Promise.resolve() } as never);
    inv.set(SessionState.Terminated);
    await call.hangup();
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toEqual([{ reason: 'remote-hangup' }]);
  });

  it('a local hangup that wins the race is reported as local-hangup, once', async () => {
    const { inv, call, ended } = answeredCall();
    await call.answer();
    await call.hangup();
    inv.fake.delegate!.onBye!({ accept: () => Promise.resolve() } as never);
    inv.set(SessionState.Terminated);
    await vi.advanceTimersByTimeAsync(0);
    expect(inv.calls).toContain('bye');
    expect(ended).toEqual([{ reason: 'local-hangup' }]);
  });

  it('a CANCEL before the answer ends the call as canceled; answer() then fails with InvalidStateError', async () => {
    const { inv, call, ended } = answeredCall();
    inv.fake.delegate!.onCancel!({} as never);
    inv.set(SessionState.Terminated);
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toEqual([{ reason: 'canceled' }]);
    await expect(call.answer()).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('mute and hold switch the microphone track; unhold keeps it off while muted', async () => {
    const { inv, call, events } = answeredCall();
    await call.answer();
    call.mute();
    expect(inv.track.enabled).toBe(false);
    await call.hold();
    expect(call.state).toBe('held');
    await call.unhold();
    expect(inv.track.enabled).toBe(false);
    call.unmute();
    expect(inv.track.enabled).toBe(true);
    await call.hold();
    expect(inv.track.enabled).toBe(false);
    expect(inv.calls.filter((c) => c.startsWith('invite'))).toEqual(['invite sendonly', 'invite sendrecv', 'invite sendonly']);
    expect(events).toEqual(['answered', 'muted', 'held', 'resumed', 'unmuted', 'held']);
  });

  it('DTMF: rtp goes to the media\'s DTMF sender; auto falls back to SIP INFO when the media cannot', async () => {
    const { inv, call } = answeredCall();
    await call.answer();
    await call.sendDtmf('12', 'rtp', 120);
    expect(inv.pc.transceivers[0]!.sender.dtmf!.inserted).toEqual([{ tones: '12', duration: 120, gap: 70 }]);
    expect(inv.calls.filter((c) => c.startsWith('info'))).toEqual([]);
    inv.pc.transceivers[0]!.sender.dtmf!.canInsertDTMF = false;
    await call.sendDtmf('3', 'auto', 120);
    expect(inv.calls.filter((c) => c.startsWith('info'))).toEqual(['info 3']);
    await expect(call.sendDtmf('4', 'rtp', 120)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('remote audio from the media becomes call.remoteStream and a remotestream event', async () => {
    const { inv, call } = answeredCall();
    const streams: MediaStream[] = [];
    call.on('remotestream', (s) => streams.push(s));
    inv.fake.delegate!.onSessionDescriptionHandler!(inv.fake.sessionDescriptionHandler!, false);
    expect(call.remoteStream).toBeNull();
    const track = new FakeTrack('audio');
    inv.pc.receiveTrack(track);
    expect(streams).toHaveLength(1);
    expect(call.remoteStream).toBe(streams[0]);
    expect(call.remoteStream!.getAudioTracks()).toEqual([track]);
    expect(await call.getStats()).toMatchObject({ bytesReceived: 1234 });
  });

  it('muted before its media existed (incoming, ringing): the media starts muted', async () => {
    const { inv, call } = answeredCall();
    const sdh = inv.fake.sessionDescriptionHandler!;
    (inv.fake as { sessionDescriptionHandler: unknown }).sessionDescriptionHandler = undefined;
    call.mute();
    (inv.fake as { sessionDescriptionHandler: unknown }).sessionDescriptionHandler = sdh;
    inv.fake.delegate!.onSessionDescriptionHandler!(sdh, false);
    expect([inv.media.muted, inv.track.enabled]).toEqual([true, false]);
  });

  it('the end of the call closes its media', async () => {
    const { inv, call } = answeredCall();
    await call.answer();
    inv.fake.delegate!.onBye!({ accept: () => Promise.resolve() } as never);
    inv.set(SessionState.Terminated);
    await vi.advanceTimersByTimeAsync(0);
    expect(inv.pc.calls.filter((c) => c === 'close')).toHaveLength(1);
    expect(inv.media.signalingState).toBe('closed');
  });

  it('SIP INFO DTMF keeps "," as a 2 s pause', async () => {
    const { inv, call } = answeredCall();
    await call.answer();
    const done = call.sendDtmf('1,2', 'info', 100);
    await vi.advanceTimersByTimeAsync(0);
    expect(inv.calls.filter((c) => c.startsWith('info'))).toEqual(['info 1']);
    await vi.advanceTimersByTimeAsync(DTMF_PAUSE_MS - 1);
    expect(inv.calls.filter((c) => c.startsWith('info'))).toEqual(['info 1']);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(inv.calls.filter((c) => c.startsWith('info'))).toEqual(['info 1', 'info 2']);
  });
});

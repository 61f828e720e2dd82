import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeLocalStream, FakePeerConnection, FakeStream, FakeTrack, remoteSdp } from '../../test/fake-peer-connection';
import { InvalidStateError } from '../errors';
import { AudioPeer, type AudioPeerOptions } from './audio-peer';
import { ICE_GRACE_MS } from './ice-gathering';

function peer(options: Partial<AudioPeerOptions> = {}) {
  const { stream, track } = fakeLocalStream();
  let pc: FakePeerConnection | undefined;
  const media = new AudioPeer({
    localStream: stream,
    ownsLocalStream: true,
    playRemoteAudio: false,
    createPeerConnection: (configuration) => (pc = new FakePeerConnection(configuration)) as unknown as RTCPeerConnection,
    createMediaStream: () => new FakeStream().asMediaStream,
    ...options,
  });
  return { media, pc: pc!, track };
}

/** Settles a promise's state without waiting for it: 'pending', or its value / error. */
async function peek<T>(promise: Promise<T>): Promise<{ state: 'pending' } | { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown }> {
  let result: { state: 'pending' } | { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown } = { state: 'pending' };
  promise.then(
    (value) => (result = { state: 'resolved', value }),
    (error: unknown) => (result = { state: 'rejected', error }),
  );
  await vi.advanceTimersByTimeAsync(0);
  return result;
}

/** An answered call: our offer sent with one host candidate, the remote answer applied, gathering complete. */
async function established(options: Partial<AudioPeerOptions> = {}) {
  const p = peer(options);
  const offer = p.media.createOffer();
  await vi.advanceTimersByTimeAsync(0);
  p.pc.gather('host');
  p.pc.completeGathering();
  await offer;
  await p.media.acceptAnswer(remoteSdp());
  return p;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('AudioPeer offer/answer', () => {
  it('sends the local track and configures the peer connection as before', () => {
    const { pc, track } = peer({ iceServers: [{ urls: 'stun:stun.example.org' }] });
    expect(pc.configuration).toEqual({ bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers: [{ urls: 'stun:stun.example.org' }] });
    expect(pc.transceivers.map((t) => t.sender.track)).toEqual([track]);
  });

  it('an offer goes out ICE_GRACE_MS after the first host candidate, with it, then takes the answer', async () => {
    const { media, pc } = peer();
    const offer = media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    expect(media.signalingState).toBe('have-local-offer');
    expect((await peek(offer)).state).toBe('pending');
    pc.gather('host');
    await vi.advanceTimersByTimeAsync(ICE_GRACE_MS - 1);
    expect((await peek(offer)).state).toBe('pending');
    pc.gather('host'); // a sibling within the grace goes along
    await vi.advanceTimersByTimeAsync(1);
    const sdp = await offer;
    expect(sdp).toContain('a=sendrecv');
    expect(sdp.match(/a=candidate:/g)).toHaveLength(2);
    await media.acceptAnswer(remoteSdp());
    expect(media.signalingState).toBe('stable');
    expect(pc.calls).toEqual(['createOffer', 'setLocalDescription offer', 'setRemoteDescription answer']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with ICE servers, host candidates are not enough: a srflx one is awaited', async () => {
    const { media, pc } = peer({ iceServers: [{ urls: 'stun:stun.example.org' }] });
    const offer = media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    pc.gather('host');
    await vi.advanceTimersByTimeAsync(500);
    expect((await peek(offer)).state).toBe('pending');
    pc.gather('srflx');
    await vi.advanceTimersByTimeAsync(ICE_GRACE_MS);
    expect(await offer).toMatch(/typ srflx/);
  });

  it('sends what it has at the gathering timeout, or as soon as gathering completes', async () => {
    const slow = peer({ iceServers: [{ urls: 'stun:unreachable.example.org' }], iceGatheringTimeoutMs: 2000 });
    const offer = slow.media.createOffer();
    await vi.advanceTimersByTimeAsync(1999);
    expect((await peek(offer)).state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect((await peek(offer)).state).toBe('resolved');

    const quick = peer({ iceServers: [{ urls: 'stun:stun.example.org' }] });
    const second = quick.media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    quick.pc.completeGathering();
    expect((await peek(second)).state).toBe('resolved');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers a remote offer (sendrecv) and is stable again; a malformed offer rejects and changes nothing', async () => {
    const { media, pc } = peer();
    const bad = await media.createAnswer('garbage').catch((e: unknown) => e);
    expect((bad as DOMException).name).toBe('OperationError');
    expect(media.signalingState).toBe('stable');
    const answer = media.createAnswer(remoteSdp('sendrecv'));
    await vi.advanceTimersByTimeAsync(0);
    pc.gather('host');
    await vi.advanceTimersByTimeAsync(ICE_GRACE_MS);
    expect(await answer).toMatch(/a=sendrecv[\s\S]*a=candidate:/);
    expect(media.signalingState).toBe('stable');
    expect(pc.calls).toEqual(['setRemoteDescription offer', 'setRemoteDescription offer', 'createAnswer', 'setLocalDescription answer']);
  });

  it('answers with the RFC 3264 direction: sendonly → recvonly, recvonly → sendonly, inactive → inactive', async () => {
    const cases: [RTCRtpTransceiverDirection, RTCRtpTransceiverDirection][] = [
      ['sendonly', 'recvonly'],
      ['recvonly', 'sendonly'],
      ['inactive', 'inactive'],
    ];
    for (const [offered, answered] of cases) {
      const { media, pc } = peer();
      const answer = media.createAnswer(remoteSdp(offered));
      await vi.advanceTimersByTimeAsync(0);
      pc.completeGathering();
      expect(await answer).toContain(`a=${answered}\r\n`);
      expect(pc.transceivers[0]!.direction).toBe(answered);
    }
  });

  it('one exchange at a time; an answer without an offer, or anything after close(), is an InvalidStateError', async () => {
    const { media } = peer();
    await expect(media.acceptAnswer(remoteSdp())).rejects.toBeInstanceOf(InvalidStateError);
    const first = media.createOffer();
    await expect(media.createOffer()).rejects.toThrow(/createOffer\(\) is still in progress/);
    media.close();
    await expect(first).rejects.toThrow(/media is closed/);
    await expect(media.createAnswer(remoteSdp())).rejects.toBeInstanceOf(InvalidStateError);
  });
});

describe('AudioPeer hold and mute', () => {
  it('hold offers sendonly and turns the microphone off; unhold offers sendrecv and turns it back on', async () => {
    const { media, pc, track } = await established();
    const hold = await media.createOffer({ hold: true });
    expect(hold).toContain('a=sendonly\r\n');
    expect(pc.transceivers[0]!.direction).toBe('sendonly');
    expect([media.held, track.enabled]).toEqual([true, false]);
    await media.acceptAnswer(remoteSdp('recvonly'));
    const unhold = await media.createOffer({ hold: false });
    expect(unhold).toContain('a=sendrecv\r\n');
    expect([media.held, track.enabled]).toEqual([false, true]);
  });

  it('unhold keeps the microphone off while muted; unmute turns it on', async () => {
    const { media, track } = await established();
    media.setMuted(true);
    expect(track.enabled).toBe(false);
    await media.createOffer({ hold: true });
    await media.acceptAnswer(remoteSdp('recvonly'));
    await media.createOffer({ hold: false });
    await media.acceptAnswer(remoteSdp());
    expect([media.held, media.muted, track.enabled]).toEqual([false, true, false]);
    media.setMuted(false);
    expect(track.enabled).toBe(true);
  });

  it('a held call answers a remote re-offer as held (sendonly), keeping the microphone off', async () => {
    const { media, track } = await established();
    await media.createOffer({ hold: true });
    await media.acceptAnswer(remoteSdp('recvonly'));
    const answer = await media.createAnswer(remoteSdp('sendrecv'), { hold: true });
    expect(answer).toContain('a=sendonly\r\n');
    expect(track.enabled).toBe(false);
  });

  it('a refused hold offer is rolled back: direction, hold state and microphone as before', async () => {
    const { media, pc, track } = await established();
    await media.createOffer({ hold: true });
    expect(track.enabled).toBe(false);
    await media.rollback();
    expect(pc.calls.at(-1)).toBe('setLocalDescription rollback');
    expect([media.signalingState, media.held, track.enabled, pc.transceivers[0]!.direction]).toEqual(['stable', false, true, 'sendrecv']);
    await media.rollback(); // nothing pending: nothing to do
    expect(pc.calls.filter((c) => c.endsWith('rollback'))).toHaveLength(1);
  });
});

describe('AudioPeer ICE restart', () => {
  it('a re-offer without restart goes out at once when gathering is complete', async () => {
    const { media, pc } = await established();
    expect(pc.iceGatheringState).toBe('complete');
    const offer = media.createOffer();
    expect((await peek(offer)).state).toBe('resolved');
  });

  it('an ICE-restart offer waits for a candidate of the new generation, and carries it', async () => {
    const { media, pc } = await established();
    const offer = media.createOffer({ iceRestart: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(pc.calls.at(-2)).toBe('createOffer iceRestart');
    expect(pc.gatheringUfrag).toBe('u2');
    // Gathering still reads "complete" (the old generation's); a late old candidate, and the old
    // generation's end-of-candidates, are not enough.
    pc.gather('host', 'u1');
    pc.completeGathering();
    await vi.advanceTimersByTimeAsync(500);
    expect((await peek(offer)).state).toBe('pending');
    pc.startGathering();
    pc.gather('host');
    await vi.advanceTimersByTimeAsync(ICE_GRACE_MS);
    const sdp = await offer;
    expect(sdp).toContain('a=ice-ufrag:u2');
    expect(sdp).toMatch(/a=candidate:.* ufrag u2/);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restartIce() (a forked INVITE answered by another endpoint than the early media\'s): after a pranswer and a final answer from another endpoint, the next offer restarts ICE, same sender and track', async () => {
    const { media, pc } = peer();
    const first = media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    pc.gather('host');
    pc.completeGathering();
    await first;
    await media.acceptAnswer(remoteSdp('sendrecv', 'branchA'), { provisional: true });
    await media.acceptAnswer(remoteSdp('sendrecv', 'branchB'));
    media.restartIce();
    const offer = media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    expect(pc.calls.slice(-3)).toEqual(['restartIce', 'createOffer iceRestart', 'setLocalDescription offer']);
    pc.startGathering();
    pc.gather('host');
    pc.completeGathering();
    expect(await offer).toMatch(/a=ice-ufrag:u2[\s\S]*ufrag u2/);
    expect(pc.getSenders()).toHaveLength(1);
    await media.acceptAnswer(remoteSdp('sendrecv', 'branchB2'));
    expect(media.signalingState).toBe('stable');
    // Only once: the offer after it keeps the new credentials.
    await media.createOffer();
    expect(pc.calls.filter((c) => c.startsWith('createOffer')).at(-1)).toBe('createOffer');
  });

  it('renew() (the far end reloaded and resumes the call): a new peer connection with the same track, the old one closed, mute kept; the track is not stopped', async () => {
    const pcs: FakePeerConnection[] = [];
    const { media, track } = peer({ createPeerConnection: (c) => (pcs.push(new FakePeerConnection(c)), pcs.at(-1)!) as unknown as RTCPeerConnection });
    const first = media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    pcs[0]!.gather('host');
    pcs[0]!.completeGathering();
    await first;
    await media.acceptAnswer(remoteSdp());
    media.setMuted(true);
    media.renew();
    expect(pcs).toHaveLength(2);
    expect(pcs[0]!.signalingState).toBe('closed');
    expect(pcs[1]!.getSenders().map((sender) => sender.track)).toEqual([track]);
    expect(track.enabled).toBe(false);
    expect(track.readyState).toBe('live');
    const offer = media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    pcs[1]!.gather('host');
    pcs[1]!.completeGathering();
    await offer;
    expect(pcs[1]!.calls).toContain('setLocalDescription offer');
    // Only while stable.
    expect(() => media.renew()).toThrow(InvalidStateError);
  });

  it('answering a remote ICE restart also waits for our new generation', async () => {
    const { media, pc } = await established();
    const answer = media.createAnswer(remoteSdp('sendrecv', 'remote2'));
    await vi.advanceTimersByTimeAsync(100);
    expect((await peek(answer)).state).toBe('pending');
    pc.gather('host');
    await vi.advanceTimersByTimeAsync(ICE_GRACE_MS);
    expect(await answer).toMatch(/a=ice-ufrag:u2[\s\S]*ufrag u2/);
  });
});

describe('AudioPeer DTMF, remote audio, stats, close', () => {
  it('DTMF goes to the RTCDTMFSender when the answer has telephone-event at the codec\'s rate; otherwise says why', async () => {
    const { media, pc } = await established();
    const dtmf = pc.transceivers[0]!.sender.dtmf!;
    // remoteSdp(): opus without any telephone-event
    expect(await media.sendDtmf('1')).toEqual({ sent: false, reason: 'the answer names no audio codec' });
    const answer = (events: string) => remoteSdp().replace(' 111\r\n', ' 111 101\r\n') + `a=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/${events}\r\n`;
    const renegotiate = async (sdp: string) => {
      const offer = media.createOffer();
      await vi.advanceTimersByTimeAsync(0);
      pc.completeGathering();
      await offer;
      await media.acceptAnswer(sdp);
    };
    await renegotiate(answer('8000'));
    expect(await media.sendDtmf('1')).toEqual({ sent: false, reason: "the answer's telephone-event is at 8000 Hz, not at opus's 48000 Hz" });
    expect(dtmf.inserted).toEqual([]);
    await renegotiate(answer('48000'));
    expect(await media.sendDtmf('12#')).toEqual({ sent: true });
    expect(await media.sendDtmf('9', { durationMs: 250, interToneGapMs: 90 })).toEqual({ sent: true });
    expect(dtmf.inserted).toEqual([
      { tones: '12#', duration: 100, gap: 70 },
      { tones: '9', duration: 250, gap: 90 },
    ]);
    dtmf.canInsertDTMF = false;
    expect((await media.sendDtmf('1')).sent).toBe(false);
    dtmf.canInsertDTMF = true;
    media.close();
    expect(await media.sendDtmf('1')).toEqual({ sent: false, reason: "the call's media is closed" });
    expect(dtmf.inserted).toHaveLength(2);
  });

  it('early media: provisional answers (pranswer) keep the offer open, a second branch replaces the first, the final answer closes it', async () => {
    const p = peer();
    const offer = p.media.createOffer();
    await vi.advanceTimersByTimeAsync(0);
    p.pc.completeGathering();
    await offer;
    await p.media.acceptAnswer(remoteSdp('sendrecv', 'branch1'), { provisional: true });
    expect(p.media.signalingState).toBe('have-local-offer');
    expect(p.pc.signalingState).toBe('have-remote-pranswer');
    await p.media.acceptAnswer(remoteSdp('sendrecv', 'branch2'), { provisional: true });
    expect(p.pc.remoteDescription?.sdp).toContain('ice-ufrag:branch2');
    await p.media.acceptAnswer(remoteSdp('sendrecv', 'branch1'));
    expect(p.media.signalingState).toBe('stable');
    expect(p.pc.currentRemoteDescription?.sdp).toContain('ice-ufrag:branch1');
    expect(p.pc.calls.filter((c) => c.startsWith('setRemoteDescription'))).toEqual(['setRemoteDescription pranswer', 'setRemoteDescription pranswer', 'setRemoteDescription answer']);
  });

  it('iceTransportPolicy "relay" reaches the peer connection; "all" leaves the browser default', () => {
    expect(peer({ iceTransportPolicy: 'relay' }).pc.configuration.iceTransportPolicy).toBe('relay');
    expect(peer({ iceTransportPolicy: 'all' }).pc.configuration).not.toHaveProperty('iceTransportPolicy');
  });

  it('a remote audio track becomes remoteStream and is announced once per new track', async () => {
    const { media, pc } = peer();
    const announced: MediaStream[] = [];
    media.delegate = { onRemoteStream: (s) => announced.push(s) };
    expect(media.remoteStream).toBeNull();
    const first = new FakeTrack('audio');
    pc.receiveTrack(first);
    pc.receiveTrack(new FakeTrack('video'));
    expect(announced).toHaveLength(1);
    expect(media.remoteStream?.getAudioTracks()).toEqual([first]);
    const second = new FakeTrack('audio');
    pc.receiveTrack(second);
    expect(media.remoteStream?.getAudioTracks()).toEqual([second]);
    expect(announced).toHaveLength(2);
  });

  it('connectionState folds ICE and peer-connection states into one, and tells the delegate each change once', () => {
    const { media, pc } = peer();
    const seen: string[] = [];
    media.delegate = { onConnectionState: (state) => seen.push(state) };
    expect(media.connectionState).toBe('new');
    pc.setConnectivity('checking', 'connecting');
    pc.setConnectivity('connected', 'connecting');
    pc.setConnectivity('connected', 'connected');
    pc.setConnectivity('disconnected');
    pc.setConnectivity('connected', 'disconnected');
    pc.setConnectivity('completed', 'connected');
    pc.setConnectivity('failed', 'failed');
    expect(seen).toEqual(['connecting', 'connected', 'disconnected', 'connected', 'failed']);
    media.close();
    expect(media.connectionState).toBe('closed');
    pc.setConnectivity('connected', 'connected');
    expect(seen).toHaveLength(5);
  });

  it('stats come from the peer connection; after close they are empty', async () => {
    const { media } = await established();
    expect(await media.getStats()).toMatchObject({ bytesReceived: 1234, packetsLost: 1, jitterMs: 2 });
    media.close();
    expect(await media.getStats()).toMatchObject({ bytesReceived: 0, jitterMs: null });
  });

  it('close() stops the microphone it owns, closes the peer connection once, and leaves no timer', async () => {
    const { media, pc, track } = peer();
    void media.createOffer().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    media.close();
    media.close();
    expect(track.readyState).toBe('ended');
    expect(pc.calls.filter((c) => c === 'close')).toHaveLength(1);
    expect(media.signalingState).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("close() leaves the application's own stream running", () => {
    const { media, track } = peer({ ownsLocalStream: false });
    media.close();
    expect(track.readyState).toBe('live');
  });
});

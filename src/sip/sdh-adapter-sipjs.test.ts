/**
 * Voxline's media handler driven by sip.js's real API layer (UserAgent, Inviter, Invitation,
 * Session) over a recording transport, with a fake RTCPeerConnection: the SDP sip.js sends and
 * applies is the media's, in every exchange Voxline uses (INVITE both ways, hold re-INVITE both
 * ways, a refused re-INVITE rolled back, BYE).
 */
import { EmitterImpl, Invitation, Inviter, SessionState, TransportState, UserAgent, type Transport } from 'sip.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest, buildResponseTo, parseSip } from '../../server/test-client.js';
import { fakeLocalStream, FakePeerConnection, remoteSdp } from '../../test/fake-peer-connection';
import { ICE_GRACE_MS } from '../media/ice-gathering';
import { sessionDescriptionHandlerFactory } from './media';

type Frame = { method: string; status: number; body: string; header(name: string): string | undefined };

class RecordingTransport implements Transport {
  static last: RecordingTransport;
  readonly protocol = 'WSS';
  readonly stateChange = new EmitterImpl<TransportState>();
  state = TransportState.Disconnected;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly sent: Frame[] = [];
  constructor() {
    RecordingTransport.last = this;
  }
  connect = async (): Promise<void> => {
    this.state = TransportState.Connected;
    this.stateChange.emit(this.state);
    this.onConnect?.();
  };
  disconnect = (): Promise<void> => Promise.resolve();
  dispose = (): Promise<void> => Promise.resolve();
  isConnected = (): boolean => this.state === TransportState.Connected;
  send = async (message: string): Promise<void> => void this.sent.push(parseSip(message) as Frame);
  last(method: string, status = 0): Frame {
    const frame = this.sent.filter((f) => f.method === method && f.status === status).at(-1);
    if (!frame) throw new Error(`no ${method} ${status || ''} sent`);
    return frame;
  }
}

const SDP_HEADERS = ['Content-Type: application/sdp'];
let invitations: Invitation[] = [];

async function agent() {
  const { stream, track } = fakeLocalStream();
  const ua = new UserAgent({
    uri: UserAgent.makeURI('sip:alice@voxline.test'),
    transportConstructor: RecordingTransport,
    logBuiltinEnabled: false,
    logLevel: 'error',
    sessionDescriptionHandlerFactory: sessionDescriptionHandlerFactory([], () => ({ stream, owned: true, playRemoteAudio: false })),
    delegate: { onInvite: (invitation) => void invitations.push(invitation) },
  });
  await ua.start();
  return { ua, transport: RecordingTransport.last, track };
}

/**
 * Lets the media's ICE wait end: one host candidate on the newest fake peer connection, then the
 * grace; gathering completes after (so later re-offers go out at once).
 */
async function gatherHost(): Promise<FakePeerConnection> {
  await vi.advanceTimersByTimeAsync(0);
  const pc = FakePeerConnection.created.at(-1)!;
  pc.gather('host');
  await vi.advanceTimersByTimeAsync(ICE_GRACE_MS);
  pc.completeGathering();
  return pc;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  FakePeerConnection.reset();
  invitations = [];
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('sip.js API layer over Voxline media', () => {
  it('outgoing: the INVITE carries our offer, the 200 answer is applied; hold re-INVITE offers sendonly; BYE closes the media', async () => {
    const { ua, transport, track } = await agent();
    const inviter = new Inviter(ua, UserAgent.makeURI('sip:bob@voxline.test')!);
    const sending = inviter.invite();
    const pc = await gatherHost();
    await sending;
    const invite = transport.last('INVITE');
    expect(invite.header('content-type')).toBe('application/sdp');
    expect(invite.body).toMatch(/a=ice-ufrag:u1\r\na=sendrecv\r\na=candidate:.*typ host/);
    transport.onMessage!(buildResponseTo(invite, 200, 'OK', { toTag: 'bob1', contact: 'sip:bob@10.0.0.2;transport=ws', body: remoteSdp(), headers: SDP_HEADERS }));
    await vi.advanceTimersByTimeAsync(0);
    expect(inviter.state).toBe(SessionState.Established);
    expect(transport.last('ACK').method).toBe('ACK');
    expect(pc.calls).toEqual(['createOffer', 'setLocalDescription offer', 'setRemoteDescription answer']);

    inviter.sessionDescriptionHandlerOptionsReInvite = { hold: true } as object;
    const accepted = vi.fn();
    await inviter.invite({ requestDelegate: { onAccept: accepted } });
    await vi.advanceTimersByTimeAsync(0);
    const reinvite = transport.last('INVITE');
    expect(reinvite.body).toContain('a=sendonly\r\n');
    expect(track.enabled).toBe(false);
    transport.onMessage!(buildResponseTo(reinvite, 200, 'OK', { contact: 'sip:bob@10.0.0.2;transport=ws', body: remoteSdp('recvonly'), headers: SDP_HEADERS }));
    await vi.advanceTimersByTimeAsync(0);
    expect(accepted).toHaveBeenCalledTimes(1);

    await inviter.bye();
    await vi.advanceTimersByTimeAsync(0);
    expect(pc.calls.at(-1)).toBe('close');
    expect(track.readyState).toBe('ended');
    void ua.stop();
    await vi.runAllTimersAsync();
  });

  it('a refused re-INVITE rolls our offer back, so the next one can be made', async () => {
    const { ua, transport, track } = await agent();
    const inviter = new Inviter(ua, UserAgent.makeURI('sip:bob@voxline.test')!);
    const sending = inviter.invite();
    const pc = await gatherHost();
    await sending;
    transport.onMessage!(buildResponseTo(transport.last('INVITE'), 200, 'OK', { toTag: 'bob1', contact: 'sip:bob@10.0.0.2;transport=ws', body: remoteSdp(), headers: SDP_HEADERS }));
    await vi.advanceTimersByTimeAsync(0);

    inviter.sessionDescriptionHandlerOptionsReInvite = { hold: true } as object;
    const rejected = vi.fn();
    await inviter.invite({ requestDelegate: { onReject: rejected } });
    transport.onMessage!(buildResponseTo(transport.last('INVITE'), 488, 'Not Acceptable Here', {}));
    await vi.advanceTimersByTimeAsync(0);
    expect(rejected).toHaveBeenCalledTimes(1);
    expect(pc.calls.at(-1)).toBe('setLocalDescription rollback');
    expect([pc.signalingState, track.enabled, pc.transceivers[0]!.direction]).toEqual(['stable', true, 'sendrecv']);

    await inviter.invite(); // possible again (sip.js's own handler stayed in have-local-offer here)
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.sent.filter((f) => f.method === 'INVITE' && f.status === 0)).toHaveLength(3);
    void ua.stop();
    await vi.runAllTimersAsync();
  });

  it('incoming: the 200 carries our answer; the remote hold re-INVITE (sendonly) is answered recvonly', async () => {
    const { ua, transport } = await agent();
    const common = { from: 'sip:bob@voxline.test', to: 'sip:alice@voxline.test', fromTag: 'bob1', callId: 'call-1', contact: 'sip:bob@10.0.0.2;transport=ws', contentType: 'application/sdp' };
    transport.onMessage!(buildRequest('INVITE', 'sip:alice@voxline.test', { ...common, cseq: 1, body: remoteSdp() }));
    await vi.advanceTimersByTimeAsync(0);
    const invitation = invitations[0]!;
    const accepting = invitation.accept();
    await gatherHost();
    await accepting;
    const ok = transport.last('INVITE', 200);
    expect(ok.body).toMatch(/a=sendrecv\r\na=candidate:/);
    const toTag = /;tag=([^;\s]+)/.exec(ok.header('to') ?? '')?.[1];
    transport.onMessage!(buildRequest('ACK', 'sip:alice@voxline.test', { ...common, cseq: 1, toTag, body: '' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(invitation.state).toBe(SessionState.Established);

    transport.onMessage!(buildRequest('INVITE', 'sip:alice@voxline.test', { ...common, cseq: 2, toTag, body: remoteSdp('sendonly') }));
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.last('INVITE', 200).body).toContain('a=recvonly\r\n');
    void ua.stop();
    await vi.runAllTimersAsync();
  });
});

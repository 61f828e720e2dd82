import { EmitterImpl, TransportState, UserAgent, type Transport } from 'sip.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidStateError, MediaError } from '../errors';
import { createLogger } from '../logger';
import type { CallSession } from './call-session';
import { CallManager } from './calls';

/** The smallest sip.js transport: never connected, sends nothing. */
class NullTransport implements Transport {
  readonly protocol = 'WS';
  readonly stateChange = new EmitterImpl<TransportState>();
  readonly state = TransportState.Disconnected;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  connect = (): Promise<void> => Promise.resolve();
  disconnect = (): Promise<void> => Promise.resolve();
  dispose = (): Promise<void> => Promise.resolve();
  isConnected = (): boolean => false;
  send = (): Promise<void> => Promise.resolve();
}

function fakeStream() {
  const track = { kind: 'audio', stop: vi.fn() };
  return { track, stream: { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream };
}

function stubMicrophone(getUserMedia: () => Promise<MediaStream>): void {
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
}

function ringingCall(answer: () => Promise<void>) {
  return {
    state: 'ringing',
    direction: 'incoming',
    session: {},
    playRemoteAudio: true,
    setLocalAudio: vi.fn(),
    answer: vi.fn(answer),
    terminate: vi.fn(),
  };
}

afterEach(() => vi.unstubAllGlobals());

const logger = createLogger('silent');

describe('CallManager', () => {
  it('place(): a refused microphone rejects with MediaError before any SIP session exists', async () => {
    stubMicrophone(() => Promise.reject(Object.assign(new Error('denied'), { name: 'NotAllowedError' })));
    const manager = new CallManager([], logger, 5);
    const ua = new UserAgent({ uri: UserAgent.makeURI('sip:alice@voxline.test'), transportConstructor: NullTransport, logConfiguration: false, logBuiltinEnabled: false, sessionDescriptionHandlerFactory: manager.sdhFactory });
    manager.attach(ua);
    const err = await manager.place(UserAgent.makeURI('sip:bob@voxline.test')!, {}, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(Object.keys((ua as unknown as { _sessions: Record<string, unknown> })._sessions)).toHaveLength(0);
  });

  it('answer(): an offer the browser cannot use (malformed SDP) is a MediaError, the call ends as failed, the microphone is not leaked', async () => {
    const { stream } = fakeStream();
    stubMicrophone(() => Promise.resolve(stream));
    const manager = new CallManager([], logger, 5);
    const call = ringingCall(() => Promise.reject(new DOMException('Failed to parse SessionDescription', 'OperationError')));
    const err = await manager.answer(call as unknown as CallSession, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as Error).message).toMatch(/offer could not be used/);
    expect(call.terminate).toHaveBeenCalledWith('failed');
  });

  it('answer() twice at once: the second rejects with InvalidStateError, the first goes on', async () => {
    const { stream } = fakeStream();
    let grant: (s: MediaStream) => void = () => undefined;
    stubMicrophone(() => new Promise<MediaStream>((resolve) => (grant = resolve)));
    const manager = new CallManager([], logger, 5);
    const call = ringingCall(() => Promise.resolve());
    const first = manager.answer(call as unknown as CallSession, {});
    await expect(manager.answer(call as unknown as CallSession, {})).rejects.toBeInstanceOf(InvalidStateError);
    grant(stream);
    await expect(first).resolves.toBeUndefined();
    expect(call.answer).toHaveBeenCalledTimes(1);
  });

  it('receive(): beyond maxIncomingCalls a further INVITE is answered 486 without an incoming event', () => {
    const manager = new CallManager([], logger, 1);
    const incoming: unknown[] = [];
    manager.on('incoming', (c) => incoming.push(c));
    const invitation = () => {
      const rejected: number[] = [];
      const inv = {
        rejected,
        remoteIdentity: { uri: { user: 'mallory', toString: () => 'sip:mallory@evil.test' } },
        stateChange: new EmitterImpl(),
        progress: () => Promise.resolve(),
        reject: (o: { statusCode: number }) => {
          rejected.push(o.statusCode);
          return Promise.resolve();
        },
      };
      return inv;
    };
    const first = invitation();
    const second = invitation();
    manager.receive(first as never);
    manager.receive(second as never);
    expect(incoming).toHaveLength(1);
    expect(first.rejected).toEqual([]);
    expect(second.rejected).toEqual([486]);
  });
});

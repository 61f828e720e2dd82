import { EmitterImpl, Invitation, SessionState } from 'sip.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidStateError } from '../errors';
import { createLogger } from '../logger';
import { CallSession, DTMF_PAUSE_MS, endReasonFor, type CallEnd } from './call-session';
import { estimateMos } from './media';

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

describe('estimateMos', () => {
  it('is near the top on a clean loopback link', () => {
    expect(estimateMos(1, 0.5, 0)).toBeGreaterThanOrEqual(4.3);
    expect(estimateMos(1, 0.5, 0)).toBeLessThanOrEqual(4.5);
  });

  it('falls with delay and with loss, and stays within 1..4.5', () => {
    const clean = estimateMos(20, 2, 0);
    expect(estimateMos(400, 2, 0)).toBeLessThan(clean);
    expect(estimateMos(20, 2, 0.05)).toBeLessThan(clean);
    expect(estimateMos(20, 2, 0.2)).toBeLessThan(estimateMos(20, 2, 0.05));
    expect(estimateMos(5000, 500, 1)).toBe(1);
  });
});

/** A sip.js Invitation stand-in: the state and calls CallSession uses, driven by the test. */
function fakeInvitation() {
  const stateChange = new EmitterImpl<SessionState>();
  const track = { kind: 'audio', enabled: true };
  const calls: string[] = [];
  const fake = Object.create(Invitation.prototype) as Invitation;
  let state = SessionState.Initial;
  const props: Record<string, unknown> = {
    delegate: undefined,
    stateChange,
    remoteIdentity: { uri: { user: 'bob', toString: () => 'sip:bob@voxline.test' }, displayName: 'Bob' },
    sessionDescriptionHandler: { peerConnection: { getSenders: () => [{ track }] } },
    sessionDescriptionHandlerOptionsReInvite: {},
    invite: (opts: { requestDelegate?: { onAccept?: () => void } }) => {
      calls.push(`invite hold=${String((fake.sessionDescriptionHandlerOptionsReInvite as { hold?: boolean }).hold)}`);
      queueMicrotask(() => opts.requestDelegate?.onAccept?.());
      return Promise.resolve();
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
  return { fake, set, calls, track };
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
    expect(inv.calls.filter((c) => c.startsWith('invite'))).toEqual(['invite hold=true', 'invite hold=false', 'invite hold=true']);
    expect(events).toEqual(['answered', 'muted', 'held', 'resumed', 'unmuted', 'held']);
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

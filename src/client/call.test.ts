import { EventEmitter } from '../emitter';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger';
import { DEFAULT_QUALITY_THRESHOLDS } from '../options';
import { Call, type CallView } from './call';

function fakeCall() {
  const session = Object.assign(new EventEmitter(), { id: 'call-1', direction: 'outgoing', state: 'answered', remote: { user: 'bob', uri: 'sip:bob@voxline.test' }, sendDtmf: vi.fn(() => Promise.resolve()) });
  const call = Call._create(session as unknown as CallView, () => Promise.resolve(), createLogger('silent'), 'voxline.test', DEFAULT_QUALITY_THRESHOLDS);
  return { call, session };
}

describe('Call.sendDtmf argument checks', () => {
  it.each([Number.NaN, 39, 2001, Number.POSITIVE_INFINITY, '100'])('durationMs %j is a TypeError naming the option, before anything is sent', async (durationMs) => {
    const { call, session } = fakeCall();
    await expect(call.sendDtmf('1', { durationMs: durationMs as number })).rejects.toThrow(/"options.durationMs"/);
    expect(session.sendDtmf).not.toHaveBeenCalled();
  });

  it('passes valid tones, method and duration through', async () => {
    const { call, session } = fakeCall();
    await call.sendDtmf('12#,3', { durationMs: 40, method: 'info' });
    expect(session.sendDtmf).toHaveBeenCalledWith('12#,3', 'info', 40);
  });
});

/**
 * The incident state machine of a call's media (call-recovery.ts) with fake peer-connection
 * states, a scripted restart and a fake clock: grace, one `reconnecting`/`reconnected` per
 * incident whatever the attempts, backoff, the signalling link going down in the middle, the
 * no-inbound-audio detector, giving up. Its suspension during a media handover:
 * call-recovery-suspend.test.ts; the bed: test/call-recovery-bed.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { SipError } from '../errors';
import { retryDelayMs, type CallReconnected } from './call-recovery';
import { bed, names, start, tick, useFakeClock } from '../../test/call-recovery-bed';

useFakeClock();

describe('CallRecovery: ICE state', () => {
  it('disconnected, then connected within the 2 s grace: no event, no restart', async () => {
    const b = bed();
    b.recovery.onMediaState('disconnected');
    await tick(1900);
    b.recovery.onMediaState('connected');
    await tick(10_000);
    expect(b.events).toEqual([]);
    expect(b.restarts).toEqual([]);
    b.recovery.dispose();
  });

  it('disconnected for longer than the grace: one reconnecting (network) at the end of the grace, and a restart', async () => {
    const b = bed();
    b.recovery.onMediaState('disconnected');
    await tick(1999);
    expect(b.events).toEqual([]);
    await tick(1);
    expect(b.events).toEqual([['reconnecting', { reason: 'network', at: start + 2000 }]]);
    expect(b.restarts).toEqual([2000]);
    expect(b.recovery.recovering).toBe(true);
    b.recovery.dispose();
  });

  it('failed → one reconnecting at once; attempts refused or not bringing media back retry with backoff 0.5, 1, 2, 4 s; connected → one reconnected with the downtime', async () => {
    const b = bed();
    b.outcomes.push(new SipError(500, 'Server Internal Error'), new SipError(408, 'Request Timeout'), 'ok', new SipError(503, 'Service Unavailable'));
    await tick(500);
    b.recovery.onMediaState('failed');
    // attempt 1 at 500 (500), +0.5 s → attempt 2 at 1000 (408), +1 s → attempt 3 at 2000 accepted,
    // media not back within 4 s → +2 s → attempt 4 at 8000 (503), +4 s → attempt 5 at 12000, accepted.
    await tick(16_000);
    expect(b.restarts).toEqual([500, 1000, 2000, 8000, 12_000]);
    b.recovery.onMediaState('disconnected');
    b.recovery.onMediaState('connected');
    await tick(60_000);
    expect(b.events).toEqual([
      ['reconnecting', { reason: 'network', at: start + 500 }],
      ['reconnected', { at: start + 16_500, downtimeMs: 16_000 }],
    ]);
    expect(b.restarts).toHaveLength(5);
    expect(b.recovery.recovering).toBe(false);
    b.recovery.dispose();
  });

  it('the restarted ICE fails while waiting for it: the next attempt comes after the backoff, not after the full wait', async () => {
    const b = bed();
    b.recovery.onMediaState('failed');
    await tick(100);
    b.recovery.onMediaState('connecting');
    b.recovery.onMediaState('failed');
    await tick(1000);
    expect(b.restarts).toEqual([0, 600]);
    expect(names(b)).toEqual(['reconnecting']);
    b.recovery.dispose();
  });

  it('a second incident after recovery is a second pair of events', async () => {
    const b = bed();
    for (let i = 0; i < 2; i++) {
      b.recovery.onMediaState('failed');
      await tick(300);
      b.recovery.onMediaState('connected');
      await tick(10_000);
    }
    expect(names(b)).toEqual(['reconnecting', 'reconnected', 'reconnecting', 'reconnected']);
    b.recovery.dispose();
  });

  it('retryDelayMs: 0.5, 1, 2, 4, then 4 s', () => {
    expect([1, 2, 3, 4, 5, 9].map(retryDelayMs)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });
});

describe('CallRecovery: the signalling link', () => {
  it('an incident overlapping a signalling outage is one incident: no attempt while the link is down, the one in flight is interrupted, the attempt rides on the link coming back', async () => {
    const b = bed();
    b.outcomes.push('hang');
    b.recovery.onMediaState('failed');
    await tick(200);
    expect(b.restarts).toEqual([0]);
    b.recovery.onLinkDown();
    expect(b.interrupts).toBe(1);
    await tick(20_000);
    expect(b.restarts).toEqual([0]);
    expect(b.recovery.onLinkUp()).toBe(true); // the refresh re-INVITE is this ICE restart
    expect(b.restarts).toEqual([0, 20_200]);
    b.recovery.onMediaState('connected');
    await tick(30_000);
    expect(b.events).toEqual([
      ['reconnecting', { reason: 'network', at: start }],
      ['reconnected', { at: start + 20_200, downtimeMs: 20_200 }],
    ]);
    b.recovery.dispose();
  });

  it('media lost while the link is down: reason signalling, and the first attempt waits for the link', async () => {
    const b = bed();
    b.recovery.onLinkDown();
    b.recovery.onMediaState('failed');
    await tick(5000);
    expect(b.events).toEqual([['reconnecting', { reason: 'signalling', at: start }]]);
    expect(b.restarts).toEqual([]);
    expect(b.recovery.onLinkUp()).toBe(true);
    expect(b.restarts).toEqual([5000]);
    b.recovery.dispose();
  });

  it('link back with the media connected: a plain refresh (false), no event', async () => {
    const b = bed();
    b.recovery.onLinkDown();
    await tick(3000);
    expect(b.recovery.onLinkUp()).toBe(false);
    expect(b.events).toEqual([]);
    expect(b.restarts).toEqual([]);
    b.recovery.dispose();
  });

  it('link back while the media is disconnected (still within the grace): the refresh is an ICE restart, and one incident', async () => {
    const b = bed();
    b.recovery.onLinkDown();
    b.recovery.onMediaState('disconnected');
    await tick(1000);
    expect(b.recovery.onLinkUp()).toBe(true);
    expect(b.events).toEqual([['reconnecting', { reason: 'signalling', at: start + 1000 }]]);
    expect(b.restarts).toEqual([1000]);
    await tick(5000);
    b.recovery.onMediaState('connected');
    expect(names(b)).toEqual(['reconnecting', 'reconnected']);
    b.recovery.dispose();
  });
});

describe('CallRecovery: inbound RTP', () => {
  it('packets stop for 4 s while ICE says connected: one reconnecting (no-inbound-audio); growing again after the restart: reconnected', async () => {
    const b = bed();
    for (let i = 0; i < 3; i++) {
      b.packets += 50;
      await tick(1000);
    }
    await tick(3999);
    expect(b.events).toEqual([]);
    await tick(1);
    expect(b.events).toEqual([['reconnecting', { reason: 'no-inbound-audio', at: start + 7000 }]]);
    expect(b.restarts).toEqual([7000]);
    await tick(1000);
    b.packets += 50;
    await tick(1000);
    expect(b.events.map(([name, e]) => [name, (e as CallReconnected).downtimeMs])).toEqual([
      ['reconnecting', undefined],
      ['reconnected', 2000],
    ]);
    b.recovery.dispose();
  });

  it('no detection before packets flowed, nor while silence is expected (hold either way, an exchange running)', async () => {
    const b = bed();
    await tick(10_000); // never any packet
    b.packets = 10;
    await tick(1000);
    b.silence = true;
    await tick(20_000);
    expect(b.events).toEqual([]);
    b.silence = false;
    await tick(4500); // the detector must be armed again by new packets first
    expect(b.events).toEqual([]);
    b.packets = 20;
    await tick(5000);
    expect(names(b)).toEqual(['reconnecting']);
    b.recovery.dispose();
  });

  it('a far end that stays silent after a successful restart (silence suppression) is reconnected once, not restarted forever', async () => {
    const b = bed();
    b.packets = 10;
    await tick(1000);
    await tick(5000);
    expect(b.restarts).toHaveLength(1);
    await tick(4000); // attempt wait: ICE is connected, the far end just sends nothing
    expect(names(b)).toEqual(['reconnecting', 'reconnected']);
    await tick(60_000);
    expect(b.restarts).toHaveLength(1);
    expect(names(b)).toEqual(['reconnecting', 'reconnected']);
    b.recovery.dispose();
  });
});

describe('CallRecovery: their restart first', () => {
  it('their re-offer while our audio had stopped for 2 s: one reconnecting, no restart of ours, reconnected when packets flow again', async () => {
    const b = bed();
    b.packets = 100;
    await tick(1000);
    await tick(2000); // stopped for 2 s: not yet our own detection (4 s)
    expect(b.events).toEqual([]);
    b.recovery.onRemoteOffer();
    expect(b.events).toEqual([['reconnecting', { reason: 'no-inbound-audio', at: start + 3000 }]]);
    await tick(500);
    b.packets = 150;
    await tick(1000);
    expect(names(b)).toEqual(['reconnecting', 'reconnected']);
    expect(b.restarts).toEqual([]);
    b.recovery.dispose();
  });

  it('their re-offer while our audio flows: nothing; while disconnected: reason network, and ours only if theirs does not help within 4 s', async () => {
    const b = bed();
    b.packets = 100;
    await tick(1000);
    b.packets = 200;
    b.recovery.onRemoteOffer();
    await tick(1000);
    expect(b.events).toEqual([]);
    b.recovery.onMediaState('disconnected');
    b.recovery.onRemoteOffer();
    expect(names(b)).toEqual(['reconnecting']);
    expect(b.events[0]![1]).toMatchObject({ reason: 'network' });
    await tick(3999);
    expect(b.restarts).toEqual([]);
    await tick(1 + 500); // their restart's 4 s (from 2 s), then 0.5 s of backoff
    expect(b.restarts).toEqual([6500]);
    b.recovery.dispose();
  });

  it('the callee waits before its first attempt; their restart meanwhile brings the media back: no restart of ours', async () => {
    const b = bed({ firstAttemptDelayMs: 2000 });
    b.recovery.onMediaState('failed');
    await tick(1999);
    expect(b.restarts).toEqual([]);
    b.recovery.onRemoteOffer();
    await tick(500);
    b.recovery.onMediaState('connected');
    await tick(20_000);
    expect(names(b)).toEqual(['reconnecting', 'reconnected']);
    expect(b.restarts).toEqual([]);
    b.recovery.dispose();
  });
});

describe('CallRecovery: giving up', () => {
  it('not back within timeoutMs: gave up once, no reconnected, no timer left', async () => {
    const b = bed({ timeoutMs: 5000 });
    b.outcomes.push(new SipError(503, 'Service Unavailable'), new SipError(503, 'Service Unavailable'), new SipError(503, 'Service Unavailable'));
    b.recovery.onMediaState('failed');
    await tick(4999);
    expect(names(b)).toEqual(['reconnecting']);
    await tick(1);
    expect(names(b)).toEqual(['reconnecting', 'gaveup']);
    expect(b.events[1]![1]).toContain('5000 ms');
    const attempts = b.restarts.length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    b.recovery.onMediaState('connected');
    await tick(60_000);
    expect(names(b)).toEqual(['reconnecting', 'gaveup']);
    expect(b.restarts).toHaveLength(attempts);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('481 to the restart (the dialog is gone): gives up at once', async () => {
    const b = bed();
    b.outcomes.push(new SipError(481, 'Call/Transaction Does Not Exist'));
    b.recovery.onMediaState('failed');
    await tick(0);
    expect(names(b)).toEqual(['reconnecting', 'gaveup']);
    expect(b.restarts).toHaveLength(1);
  });

  it('the restart in flight is told when it is no longer wanted (media back, or disposed)', async () => {
    const b = bed();
    b.outcomes.push('hang');
    b.recovery.onMediaState('failed');
    expect(b.wanted()).toBe(true);
    b.recovery.onMediaState('connected');
    expect(b.wanted()).toBe(false);
    b.recovery.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

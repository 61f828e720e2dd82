/**
 * call-recovery.ts while a call's media is gone (media handover, media-handover.ts): suspended
 * with `tab-closed`, no attempts, no ending, then resumed on the new media.
 */
import { describe, expect, it } from 'vitest';
import { bed, names, start, tick, useFakeClock } from '../../test/call-recovery-bed';
useFakeClock();

describe('CallRecovery: suspended while the media is gone (media handover)', () => {
  it('suspend(tab-closed): one reconnecting; no attempt, no sample, no giving up over 2× timeoutMs; resume: one reconnected, the watch runs again', async () => {
    const b = bed({ timeoutMs: 5000 });
    b.packets = 10;
    await tick(1000); // packets flowed: the no-inbound detector is armed
    b.recovery.suspend('tab-closed');
    b.recovery.onMediaState('failed');
    b.recovery.onLinkDown();
    expect(b.recovery.onLinkUp()).toBe(true); // no plain refresh: the handover's re-INVITE is it
    await tick(10_000);
    expect(b.events).toEqual([['reconnecting', { reason: 'tab-closed', at: start + 1000 }]]);
    expect(b.restarts).toEqual([]);
    b.recovery.resume('connecting'); // the new media still connecting: the incident goes on until it connects
    expect(b.events).toHaveLength(1);
    await tick(1000);
    b.recovery.onMediaState('connected');
    expect(b.events[1]).toEqual(['reconnected', { at: start + 12_000, downtimeMs: 11_000 }]);
    b.recovery.onMediaState('failed');
    await tick(0);
    expect(names(b)).toEqual(['reconnecting', 'reconnected', 'reconnecting']);
    expect(b.restarts).toEqual([12_000]);
    b.recovery.dispose();
  });

  it('resume() with a new media that does not connect: the same incident restarts ICE after attemptWaitMs, gives up timeoutMs after the resume; an ICE restart asked meanwhile (onLinkUp) is one of its attempts', async () => {
    const b = bed({ timeoutMs: 8000 });
    b.recovery.suspend('tab-closed');
    await tick(1000);
    b.recovery.resume('connecting');
    await tick(500);
    expect(b.recovery.onLinkUp()).toBe(true); // e.g. CallResume.checkAudio's restart: no second incident
    expect(b.restarts).toEqual([1500]);
    await tick(8000);
    expect(names(b)).toEqual(['reconnecting', 'gaveup']);
    expect(b.restarts.length).toBeGreaterThan(1);
    expect(b.events[1]).toEqual(['gaveup', 'the media did not come back within 8000 ms']);
  });

  it('an incident under way goes on (no second reconnecting): its attempt is no longer wanted, no more follow; resume closes it', async () => {
    const b = bed();
    b.outcomes.push('hang');
    b.recovery.onMediaState('failed');
    await tick(300);
    b.recovery.suspend('tab-closed');
    expect(b.wanted()).toBe(false);
    await tick(60_000);
    expect(b.restarts).toEqual([0]);
    b.recovery.resume('connected');
    expect(b.events).toEqual([
      ['reconnecting', { reason: 'network', at: start }],
      ['reconnected', { at: start + 60_300, downtimeMs: 60_300 }],
    ]);
    b.recovery.dispose();
  });

  it('suspend(null) (a live handover): no event, nothing watched; resume: no event', async () => {
    const b = bed();
    b.packets = 10;
    await tick(1000); // packets flowed, then stop: unsuspended, that is a no-inbound-audio incident 4 s later
    b.recovery.suspend(null);
    b.recovery.onMediaState('failed');
    await tick(60_000);
    b.recovery.resume('connected');
    expect(b.events).toEqual([]);
    expect(b.restarts).toEqual([]);
    b.recovery.dispose();
  });
});

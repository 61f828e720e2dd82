import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidStateError, LimitError, SipError } from '../errors';
import { Outbox, type AttemptOutcome } from './outbox';

/** A deliver function whose attempts the test settles by hand. */
function harness(timeoutMs = 30_000, maxQueued = 1000, window = 16) {
  const attempts: Array<{ item: string; settle: (o: AttemptOutcome) => void }> = [];
  const outbox = new Outbox<string>(
    (item) => new Promise<AttemptOutcome>((settle) => attempts.push({ item, settle })),
    { timeoutMs, maxQueued, window },
    (item) => `message "${item}"`,
  );
  const results: string[] = [];
  const send = (item: string) =>
    outbox.send(item).then(
      () => results.push(`${item}:ok`),
      (err: Error) => results.push(`${item}:${err.name}`),
    );
  return { outbox, attempts, results, send };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Outbox', () => {
  it('sends at once when ready and resolves on success', async () => {
    const h = harness();
    h.outbox.setReady(true);
    void h.send('a');
    expect(h.attempts.map((a) => a.item)).toEqual(['a']);
    h.attempts[0]!.settle({ ok: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results).toEqual(['a:ok']);
    expect(h.outbox.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the SIP error of a final failure', async () => {
    const h = harness();
    h.outbox.setReady(true);
    const p = h.outbox.send('a');
    h.attempts[0]!.settle({ ok: false, retry: false, error: new SipError(404, 'Not Found') });
    await expect(p).rejects.toMatchObject({ name: 'SipError', status: 404 });
  });

  it('holds messages while not ready and sends them in order when ready', async () => {
    const h = harness();
    for (const m of ['1', '2', '3']) void h.send(m);
    expect(h.attempts).toHaveLength(0);
    h.outbox.setReady(true);
    expect(h.attempts.map((a) => a.item)).toEqual(['1', '2', '3']);
  });

  it('sends again what was in flight when the link dropped, and ignores the stale outcome', async () => {
    const h = harness();
    h.outbox.setReady(true);
    void h.send('a');
    h.outbox.setReady(false);
    h.attempts[0]!.settle({ ok: false, retry: false, error: new SipError(503, 'Service Unavailable') });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results).toEqual([]);
    h.outbox.setReady(true);
    expect(h.attempts.map((a) => a.item)).toEqual(['a', 'a']);
    h.attempts[1]!.settle({ ok: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results).toEqual(['a:ok']);
  });

  it('an attempt that asks for a retry waits for the next ready', async () => {
    const h = harness();
    h.outbox.setReady(true);
    void h.send('a');
    h.attempts[0]!.settle({ ok: false, retry: true, error: new SipError(503, 'x') });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results).toEqual([]);
    h.outbox.setReady(false);
    h.outbox.setReady(true);
    expect(h.attempts).toHaveLength(2);
  });

  it('rejects with TimeoutError after timeoutMs, exactly once, even if an answer comes later', async () => {
    const h = harness(1000);
    void h.send('a');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.results).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.results).toEqual(['a:TimeoutError']);
    h.outbox.setReady(true);
    expect(h.attempts).toHaveLength(0);
    expect(h.outbox.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a deadline passing while the message is in flight waits for the outcome: a late 2xx resolves it', async () => {
    const h = harness(1000);
    h.outbox.setReady(true);
    void h.send('a');
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.results).toEqual([]);
    h.attempts[0]!.settle({ ok: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results).toEqual(['a:ok']);
  });

  it('past its deadline, a message whose attempt was cut by a link loss rejects with TimeoutError and is not sent again', async () => {
    const h = harness(1000);
    h.outbox.setReady(true);
    void h.send('a');
    await vi.advanceTimersByTimeAsync(1000);
    h.outbox.setReady(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results).toEqual(['a:TimeoutError']);
    h.outbox.setReady(true);
    expect(h.attempts).toHaveLength(1);
  });

  it('refuses a message beyond maxQueued with LimitError, at once', async () => {
    const h = harness(30_000, 3);
    for (const m of ['1', '2', '3']) void h.send(m);
    const err = await h.outbox.send('4').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect((err as LimitError).limit).toBe(3);
    expect((err as Error).message).toMatch(/maxQueuedMessages/);
    expect(h.outbox.size).toBe(3);
  });

  it('10,000 messages while down: one timer, a window of 16 in flight on flush, order kept, every delivered message resolves', async () => {
    const h = harness(30_000, 20_000, 16);
    const items = Array.from({ length: 10_000 }, (_, i) => String(i));
    for (const m of items) void h.send(m);
    expect(vi.getTimerCount()).toBe(1);
    h.outbox.setReady(true);
    expect(h.attempts).toHaveLength(16);
    // The server answers slowly: one answer per 5 ms, well past every message's deadline.
    for (let answered = 0; answered < h.attempts.length; answered++) {
      h.attempts[answered]!.settle({ ok: true });
      await vi.advanceTimersByTimeAsync(5);
      expect(h.attempts.length - (answered + 1)).toBeLessThanOrEqual(16);
    }
    expect(h.attempts.map((a) => a.item)).toEqual(items.slice(0, h.attempts.length));
    const ok = h.results.filter((r) => r.endsWith(':ok')).length;
    const timedOut = h.results.filter((r) => r.endsWith(':TimeoutError')).length;
    // Those that were sent before their deadline and answered 2xx resolved; the rest never left.
    expect(ok).toBe(h.attempts.length);
    expect(ok).toBeGreaterThan(5000);
    expect(ok + timedOut).toBe(items.length);
    expect(h.outbox.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() rejects everything waiting with InvalidStateError, and later sends too', async () => {
    const h = harness();
    const p1 = h.outbox.send('a');
    const p2 = h.outbox.send('b');
    h.outbox.close('logged out');
    await expect(p1).rejects.toBeInstanceOf(InvalidStateError);
    await expect(p2).rejects.toThrow(/message "b" was not delivered: logged out/);
    await expect(h.outbox.send('c')).rejects.toBeInstanceOf(InvalidStateError);
    expect(vi.getTimerCount()).toBe(0);
  });
});

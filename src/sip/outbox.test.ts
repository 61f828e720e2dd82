import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidStateError, LimitError, SipError, TimeoutError } from '../errors';
import { Outbox, type AttemptOutcome } from './outbox';

/** A deliver function whose attempts the test settles by hand; the observer's calls recorded. */
function harness(timeoutMs = 30_000, maxQueued = 1000, window = 16) {
  const attempts: Array<{ item: string; settle: (o: AttemptOutcome) => void }> = [];
  const settled: string[] = [];
  let changes = 0;
  const outbox = new Outbox<string>(
    (item) => new Promise<AttemptOutcome>((settle) => attempts.push({ item, settle })),
    { timeoutMs, maxQueued, window },
    (item) => `message "${item}"`,
    {
      changed: () => changes++,
      settled: (entry, error, restored) => settled.push(`${entry.id}:${entry.item}:${error ? error.name : 'ok'}${restored ? ':restored' : ''}`),
    },
  );
  const results: string[] = [];
  const send = (item: string) =>
    outbox.send(item, `id-${item}`).then(
      () => results.push(`${item}:ok`),
      (err: Error) => results.push(`${item}:${err.name}`),
    );
  return { outbox, attempts, results, send, settled, changes: () => changes };
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
    const p = h.outbox.send('a', 'id-a');
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
    const err = await h.outbox.send('4', 'id-4').catch((e: unknown) => e);
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
    const p1 = h.outbox.send('a', 'id-a');
    const p2 = h.outbox.send('b', 'id-b');
    h.outbox.close('logged out');
    await expect(p1).rejects.toBeInstanceOf(InvalidStateError);
    await expect(p2).rejects.toThrow(/message "b" was not delivered: logged out/);
    await expect(h.outbox.send('c', 'id-c')).rejects.toBeInstanceOf(InvalidStateError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tells its observer of every change and every outcome, with the entry id', async () => {
    const h = harness(1000);
    h.outbox.setReady(true);
    void h.send('a');
    void h.send('b');
    expect(h.changes()).toBe(2);
    expect(h.outbox.pending()).toEqual([
      { id: 'id-a', item: 'a', deadline: Date.now() + 1000 },
      { id: 'id-b', item: 'b', deadline: Date.now() + 1000 },
    ]);
    expect(h.outbox.has('id-a')).toBe(true);
    h.attempts[0]!.settle({ ok: true });
    h.attempts[1]!.settle({ ok: false, retry: false, error: new SipError(404, 'Not Found') });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.settled).toEqual(['id-a:a:ok', 'id-b:b:SipError']);
    expect(h.changes()).toBe(4);
    expect(h.outbox.pending()).toEqual([]);
    expect(h.outbox.has('id-a')).toBe(false);
  });

  it('restore() queues entries ahead of the rest, in their order, with their own deadlines; those past it expire on the next timer turn, unsent', async () => {
    const h = harness(10_000);
    void h.send('new');
    const now = Date.now();
    h.outbox.restore([
      { id: 'r1', item: 'old1', deadline: now - 1 },
      { id: 'r2', item: 'old2', deadline: now + 500 },
      { id: 'r3', item: 'old3', deadline: now + 800 },
      { id: 'r2', item: 'twice', deadline: now + 900 },
    ]);
    expect(h.settled).toEqual([]); // not synchronously: the caller's listeners may come right after
    expect(h.outbox.pending().map((e) => e.id)).toEqual(['r1', 'r2', 'r3', 'id-new']);
    h.outbox.setReady(true);
    expect(h.attempts.map((a) => a.item)).toEqual(['old2', 'old3', 'new']);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.settled).toEqual(['r1:old1:TimeoutError:restored']);
    h.attempts[0]!.settle({ ok: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.settled).toEqual(['r1:old1:TimeoutError:restored', 'r2:old2:ok:restored']);
    // r3's own deadline (800 ms), not the outbox's 10 s, decides: past it, a cut attempt is not retried.
    await vi.advanceTimersByTimeAsync(800);
    h.outbox.setReady(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.settled.at(-1)).toBe('r3:old3:TimeoutError:restored');
    expect(h.results).toEqual([]);
  });

  it('a restored entry still waiting when its deadline passes expires by the timer', async () => {
    const h = harness(10_000);
    h.outbox.restore([{ id: 'r1', item: 'old', deadline: Date.now() + 300 }]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(h.settled).toEqual(['r1:old:TimeoutError:restored']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never starts an entry past its deadline, even when the timer has not fired yet (a throttled background tab)', async () => {
    let now = 1_000;
    const attempts: string[] = [];
    const outbox = new Outbox<string>(
      (item) => {
        attempts.push(item);
        return new Promise<AttemptOutcome>(() => undefined);
      },
      { timeoutMs: 100, maxQueued: 10 },
      (item) => item,
      undefined,
      () => now,
    );
    const result = outbox.send('late', 'l').catch((e: unknown) => e);
    now += 100;
    outbox.setReady(true);
    expect(attempts).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(await result).toBeInstanceOf(TimeoutError);
  });
});

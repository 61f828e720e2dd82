import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the module per test: the refusal is remembered per page (module). */
let defaultTickerFactory: typeof import('./ticker').defaultTickerFactory;

beforeEach(async () => {
  vi.resetModules();
  ({ defaultTickerFactory } = await import('./ticker'));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function stubBlobUrls(): void {
  vi.stubGlobal('URL', Object.assign(function () {} as unknown as typeof URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => undefined }));
}

describe('keep-alive ticker', () => {
  it('tries a Worker refused by CSP (constructor throws) only once per page, then uses the main thread', () => {
    stubBlobUrls();
    let constructed = 0;
    vi.stubGlobal('Worker', function () {
      constructed++;
      throw new DOMException('refused by Content-Security-Policy', 'SecurityError');
    });
    const first = defaultTickerFactory(250, () => undefined);
    const second = defaultTickerFactory(250, () => undefined);
    expect([first.kind, second.kind]).toEqual(['main', 'main']);
    expect(constructed).toBe(1);
    first.stop();
    second.stop();
  });

  it('remembers a Worker refused after creation (error event): the next link does not try again', () => {
    stubBlobUrls();
    const workers: Array<{ onerror: (() => void) | null }> = [];
    vi.stubGlobal('Worker', function (this: { onerror: (() => void) | null }) {
      workers.push(this);
      Object.assign(this, { onerror: null, onmessage: null, postMessage: () => undefined, terminate: () => undefined });
    });
    const first = defaultTickerFactory(250, () => undefined);
    expect(first.kind).toBe('worker');
    workers[0]!.onerror?.();
    expect(first.kind).toBe('main');
    const second = defaultTickerFactory(250, () => undefined);
    expect(second.kind).toBe('main');
    expect(workers).toHaveLength(1);
    first.stop();
    second.stop();
  });
});

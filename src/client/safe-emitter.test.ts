import { describe, expect, it, vi } from 'vitest';
import { clearListeners, emitSafely, SafeEmitter } from './safe-emitter';

interface Events {
  tick: (n: number) => void;
  done: () => void;
}

function make() {
  const errors: string[] = [];
  const emitter = new SafeEmitter<Events>({ error: (m) => errors.push(m) });
  return { emitter, errors };
}

describe('SafeEmitter', () => {
  it('isolates listeners: the second runs although the first throws, and the throw is logged', () => {
    const { emitter, errors } = make();
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('app bug');
    });
    emitter.on('tick', (n) => seen.push(n));
    emitSafely(emitter, 'tick', 7);
    expect(seen).toEqual([7]);
    expect(errors).toEqual(['a "tick" listener threw: app bug']);
  });

  it('catches the rejected promise of an async listener (no unhandled rejection) and logs it', async () => {
    const { emitter, errors } = make();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    emitter.on('done', async () => {
      throw new Error('async bug');
    });
    emitSafely(emitter, 'done');
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
    expect(errors).toEqual(['a "done" listener threw: async bug']);
  });

  it('once, off, listenerCount; a listener removed by an earlier one does not run', () => {
    const { emitter } = make();
    const seen: string[] = [];
    const b = (): void => void seen.push('b');
    emitter.once('done', () => seen.push('once'));
    emitter.on('done', () => {
      seen.push('a');
      emitter.off('done', b);
    });
    emitter.on('done', b);
    expect(emitter.listenerCount('done')).toBe(3);
    emitSafely(emitter, 'done');
    emitSafely(emitter, 'done');
    expect(seen).toEqual(['once', 'a', 'a']);
    expect(emitter.listenerCount('done')).toBe(1);
    clearListeners(emitter);
    expect(emitter.listenerCount('done')).toBe(0);
  });

  it('has no public emit: applications can listen but not fake SDK events', () => {
    const { emitter } = make();
    expect('emit' in emitter).toBe(false);
    expect(() => emitter.on('done', 'nope' as never)).toThrow(TypeError);
  });
});

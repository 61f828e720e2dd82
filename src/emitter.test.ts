import { describe, expect, it } from 'vitest';
import { EventEmitter } from './emitter';

interface Events {
  ping: (n: number, label: string) => void;
  other: () => void;
}

describe('EventEmitter (internal)', () => {
  it('calls the listeners in registration order with the arguments, and says whether it had any', () => {
    const emitter = new EventEmitter<Events>();
    const calls: string[] = [];
    expect(emitter.emit('ping', 1, 'a')).toBe(false);
    emitter.on('ping', (n, label) => calls.push(`first ${n} ${label}`));
    emitter.on('ping', (n, label) => calls.push(`second ${n} ${label}`));
    expect(emitter.emit('ping', 2, 'b')).toBe(true);
    expect(calls).toEqual(['first 2 b', 'second 2 b']);
  });

  it('runs a once listener for the next emit only, and counts it until then', () => {
    const emitter = new EventEmitter<Events>();
    const seen: number[] = [];
    emitter.once('ping', (n) => seen.push(n));
    expect(emitter.listenerCount('ping')).toBe(1);
    emitter.emit('ping', 1, '');
    emitter.emit('ping', 2, '');
    expect(seen).toEqual([1]);
    expect(emitter.listenerCount('ping')).toBe(0);
    expect(emitter.emit('ping', 3, '')).toBe(false);
  });

  it('off(event, listener) removes every registration of that listener and no other', () => {
    const emitter = new EventEmitter<Events>();
    const seen: string[] = [];
    const a = (): void => void seen.push('a');
    const b = (): void => void seen.push('b');
    emitter.on('ping', a).on('ping', b).once('ping', a);
    expect(emitter.listenerCount('ping')).toBe(3);
    emitter.off('ping', a);
    expect(emitter.listenerCount('ping')).toBe(1);
    emitter.emit('ping', 0, '');
    expect(seen).toEqual(['b']);
  });

  it('off(event) and removeAllListeners(event) clear one event; removeAllListeners() clears all', () => {
    const emitter = new EventEmitter<Events>();
    const seen: string[] = [];
    const add = (): void => {
      emitter.on('ping', () => seen.push('ping'));
      emitter.on('other', () => seen.push('other'));
    };
    add();
    emitter.off('ping');
    emitter.emit('ping', 0, '');
    emitter.emit('other');
    add();
    emitter.removeAllListeners('other');
    emitter.emit('ping', 0, '');
    emitter.emit('other');
    emitter.removeAllListeners();
    expect(emitter.emit('ping', 0, '')).toBe(false);
    expect(emitter.emit('other')).toBe(false);
    expect(seen).toEqual(['other', 'ping']);
  });

  it('an emit calls the listeners it started with: changes made by a listener apply from the next emit', () => {
    const emitter = new EventEmitter<Events>();
    const seen: string[] = [];
    const late = (): void => void seen.push('late');
    const removed = (): void => void seen.push('removed');
    emitter.on('ping', () => {
      seen.push('first');
      emitter.on('ping', late);
      emitter.off('ping', removed);
    });
    emitter.on('ping', removed);
    emitter.emit('ping', 0, '');
    expect(seen).toEqual(['first', 'removed']);
    seen.length = 0;
    emitter.emit('ping', 0, '');
    expect(seen).toEqual(['first', 'late']);
  });

  it('a once listener that emits the same event again runs only once', () => {
    const emitter = new EventEmitter<Events>();
    let runs = 0;
    emitter.once('ping', () => {
      runs += 1;
      emitter.emit('ping', 0, '');
    });
    emitter.emit('ping', 0, '');
    expect(runs).toBe(1);
  });

  it('a listener that throws stops the emit and the error reaches the emitter', () => {
    const emitter = new EventEmitter<Events>();
    const seen: string[] = [];
    emitter.on('other', () => {
      throw new Error('boom');
    });
    emitter.on('other', () => seen.push('after'));
    expect(() => emitter.emit('other')).toThrow('boom');
    expect(seen).toEqual([]);
  });
});

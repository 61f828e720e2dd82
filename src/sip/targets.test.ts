import { describe, expect, it } from 'vitest';
import { parseTarget, shortAddress } from './targets';

describe('parseTarget', () => {
  it.each([
    ['bob', 'sip:bob@voxline.test'],
    ['bob@example.com', 'sip:bob@example.com'],
    ['sip:bob@example.com', 'sip:bob@example.com'],
    ['sips:bob@example.com:5061', 'sips:bob@example.com:5061'],
    ['  carol  ', 'sip:carol@voxline.test'],
  ])('%s → %s', (input, uri) => {
    expect(parseTarget(input, 'voxline.test', 'call(target)').toString()).toBe(uri);
  });

  it.each([[''], ['bob smith'], ['@host'], ['bob@'], ['a@b@c'], ['sip:'], ['http://x'], [42], [null]])('rejects %j with a TypeError naming the argument', (input) => {
    expect(() => parseTarget(input, 'voxline.test', 'call(target)')).toThrow(TypeError);
    expect(() => parseTarget(input, 'voxline.test', 'call(target)')).toThrow(/^call\(target\)/);
  });
});

describe('shortAddress', () => {
  it('drops our own domain only', () => {
    expect(shortAddress(parseTarget('bob', 'voxline.test', 'x'), 'voxline.test')).toBe('bob');
    expect(shortAddress(parseTarget('bob@other.test', 'voxline.test', 'x'), 'voxline.test')).toBe('bob@other.test');
  });
});

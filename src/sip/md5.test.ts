/**
 * The MD5 that replaces sip.js's in the bundles (src/sip/md5.ts): RFC 1321's test vectors, and
 * the same digest as sip.js's own `Md5.hashStr` on inputs of every length around the 64-byte
 * block boundaries and with non-ASCII text, so digest authentication cannot change.
 */
import { describe, expect, it } from 'vitest';
// sip.js's own MD5 (not re-exported from its index): the reference.
import { Md5 as SipjsMd5 } from '../../node_modules/sip.js/lib/core/messages/md5.js';
import { md5Hex, Md5 } from './md5';

describe('md5Hex', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ])('RFC 1321: MD5("%s")', (input, digest) => {
    expect(md5Hex(input)).toBe(digest);
  });

  it("agrees with sip.js's Md5.hashStr on every length 0..200 and on non-ASCII text", () => {
    const hashStr = (text: string): string => (SipjsMd5 as { hashStr(s: string): string }).hashStr(text);
    for (let n = 0; n <= 200; n++) {
      const text = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7 + n) % 90))).join('');
      expect(md5Hex(text), `length ${n}`).toBe(hashStr(text));
    }
    for (const text of ['alice:voxline.test:pässwörd', 'ユーザー:realm:パスワード', 'emoji 🎧📞:x', 'é'.repeat(63), '€'.repeat(22)]) {
      expect(md5Hex(text), text).toBe(hashStr(text));
    }
    expect(Md5.hashStr('abc')).toBe(hashStr('abc'));
  });
});

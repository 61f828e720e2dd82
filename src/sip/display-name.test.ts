/**
 * Issue #11 item 4: any printable display name works. sip.js quotes the display name without
 * escaping it, so `"` or `\` used to break the From header (sign-in then timed out after 32 s).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Grammar, type NameAddrHeader } from 'sip.js';
import { WebSocket } from 'ws';
import { Client } from '../client/client';
import type { IncomingTextMessage } from './messaging';
import { escapeDisplayName, unescapeDisplayName } from './display-name';
import { FakeRegistrar } from '../../test/fake-registrar';
// @ts-expect-error -- plain JS dev server (JSDoc-typed)
import { startDevServer } from '../../server/index.js';
// @ts-expect-error -- plain JS dev server (JSDoc-typed)
import { parseFrame } from '../../server/parse.js';
// @ts-expect-error -- plain JS dev server (JSDoc-typed)
import { createLogger } from '../../server/logger.js';

const NAMES = ['Ann "The Boss" O\'Neil \\ Ltd', 'ends with a backslash \\', '"', 'Zoë 👋 Ünïcode', 'plain'];

/** RFC 3261 §25.1 quoted-string (UTF-8 allowed in qdtext), followed by the name-addr's `<`. */
const QUOTED_STRING_NAME_ADDR = /^"((?:[\t !#-[\]-~\u0080-\u{10FFFF}]|\\[\x00-\x09\x0b\x0c\x0e-\x7f])*)"\s*</u;

/** What a strict RFC 3261 reader makes of a quoted-string's inside: quoted-pairs undone. */
const readQuoted = (inside: string): string => inside.replace(/\\([\s\S])/g, '$1');

describe('escapeDisplayName / unescapeDisplayName', () => {
  it.each(NAMES)('round-trips %j', (name) => {
    expect(unescapeDisplayName(escapeDisplayName(name))).toBe(name);
    expect(`"${escapeDisplayName(name)}" <sip:a@b>`).toMatch(QUOTED_STRING_NAME_ADDR);
  });
});

describe('the From header of REGISTER', () => {
  let registrar: FakeRegistrar;
  beforeEach(() => {
    registrar = new FakeRegistrar();
  });
  afterEach(() => vi.unstubAllGlobals());

  it.each(NAMES)('carries display name %j as a valid quoted-string that parsers read back unchanged', async (displayName) => {
    const client = new Client({ servers: ['ws://registrar.test'], domain: 'voxline.test', logLevel: 'silent', displayName });
    try {
      await client.login('alice', 'pw');
      expect(client.registered).toBe(true);
      const register = registrar.registers[0]!;
      const from = register.header('from')!;
      const strict = QUOTED_STRING_NAME_ADDR.exec(from);
      expect(strict, from).not.toBeNull();
      expect(readQuoted(strict![1]!)).toBe(displayName);
      // sip.js's grammar accepts it (it keeps the quoted-pairs; the SDK undoes them on receipt).
      const parsed = Grammar.parse(from, 'From') as NameAddrHeader | -1;
      expect(parsed).not.toBe(-1);
      expect(unescapeDisplayName((parsed as NameAddrHeader).displayName)).toBe(displayName);
      // And the dev server's parser takes the whole request.
      expect(parseFrame(register.text, createLogger('silent')).ok).toBe(true);
    } finally {
      client.destroy();
    }
  });
});

describe('a MESSAGE through the dev server', () => {
  it('shows the sender\'s display name unchanged on receipt', async () => {
    vi.stubGlobal('WebSocket', WebSocket);
    const server = await startDevServer({ users: { alice: 'alice-pw', bob: 'bob-pw' }, logLevel: 'silent' });
    const displayName = NAMES[0]!;
    const alice = new Client({ servers: [server.url], domain: 'voxline.test', logLevel: 'silent', displayName });
    const bob = new Client({ servers: [server.url], domain: 'voxline.test', logLevel: 'silent' });
    try {
      await alice.login('alice', 'alice-pw');
      await bob.login('bob', 'bob-pw');
      const received = new Promise<IncomingTextMessage>((resolve) => bob.on('message', resolve));
      await alice.sendMessage('bob', 'hello');
      const message = await received;
      expect(message).toMatchObject({ from: 'alice', body: 'hello', displayName });
    } finally {
      alice.destroy();
      bob.destroy();
      await server.close();
      vi.unstubAllGlobals();
    }
  });
});

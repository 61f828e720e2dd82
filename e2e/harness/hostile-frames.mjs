// @ts-check
/**
 * Malformed and hostile SIP-over-WebSocket frames, as a misbehaving or malicious server could
 * send them to a logged-in client, generated deterministically from a seed. Every request
 * carries a Via branch starting with {@link FUZZ_BRANCH}, so the client's answers can be told
 * apart from real traffic (and kept away from the real server, see inject-proxy.mjs).
 */

/** Prefix of the Via branch of every injected request (after the RFC 3261 magic cookie). */
export const FUZZ_BRANCH = 'z9hG4bKvxfz';

/**
 * @typedef {{ kind: string, data: string | Buffer, branch?: string, invite?: { ruri: string, from: string, callId: string, cseq: number } }} HostileFrame
 * @typedef {{ domain: string, user: string, viaHost: string, seed?: number }} Target
 *   user: the logged-in user; viaHost: the host of the client's own Via (from its REGISTER)
 */

/**
 * The element at `i`, wrapping around.
 * @template T
 * @param {readonly T[]} list
 * @param {number} i
 * @returns {T}
 */
function at(list, i) {
  return /** @type {T} */ (list[i % list.length]);
}

/**
 * mulberry32: a small seeded PRNG, so a failure can be replayed.
 * @param {number} seed
 */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:fUzZ',
  'a=ice-pwd:fuzzfuzzfuzzfuzzfuzzfuzz',
  'a=fingerprint:sha-256 ' + Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':'),
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

/**
 * Generates the whole hostile sequence: 1,087 frames in 12 kinds.
 * @param {Target} target
 * @returns {HostileFrame[]}
 */
export function hostileFrames({ domain, user, viaHost, seed = 20240611 }) {
  const rand = prng(seed);
  const int = (/** @type {number} */ n) => Math.floor(rand() * n);
  /** @type {<T>(list: readonly T[]) => T} */
  const pick = (list) => at(list, int(list.length));
  let serial = 0;
  const aor = `sip:${user}@${domain}`;
  /** @type {HostileFrame[]} */
  const frames = [];

  /**
   * A request to the client; `over` replaces or removes (null) headers by lower-case name.
   * @param {string} method
   * @param {{ toTag?: string, body?: string, contentType?: string, extra?: string[], over?: Record<string, string | null>, cseq?: number }} [opts]
   */
  function request(method, { toTag = '', body = '', contentType = '', extra = [], over = {}, cseq = 1 } = {}) {
    const branch = `${FUZZ_BRANCH}${++serial}`;
    const callId = `fuzz-${serial}@fuzz.invalid`;
    const from = `<sip:fuzzer@${domain}>;tag=fz${serial}`;
    const headers = {
      via: `SIP/2.0/WS fuzz.invalid;branch=${branch}`,
      'max-forwards': '70',
      from,
      to: `<${aor}>${toTag ? `;tag=${toTag}` : ''}`,
      'call-id': callId,
      cseq: `${cseq} ${method}`,
      contact: '<sip:fuzzer@fuzz.invalid;transport=ws>',
      ...(contentType && { 'content-type': contentType }),
      'content-length': String(Buffer.byteLength(body)),
      ...over,
    };
    const lines = Object.entries(headers)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k.replace(/(^|-)([a-z])/g, (_m, d, c) => d + c.toUpperCase())}: ${v}`);
    const data = `${method} ${aor} SIP/2.0\r\n${[...lines, ...extra].join('\r\n')}\r\n\r\n${body}`;
    return { data, branch, invite: { ruri: aor, from, callId, cseq } };
  }

  /**
   * A response as if to one of the client's requests, with an unknown branch.
   * @param {number} status
   * @param {{ cseq?: string, via?: string, extra?: string[], drop?: string[] }} [opts]
   */
  function response(status, { cseq = '1 INVITE', via, extra = [], drop = [] } = {}) {
    const headers = {
      via: via ?? `SIP/2.0/WSS ${viaHost};branch=z9hG4bK${(++serial * 2654435761 >>> 0).toString(36)}orphan`,
      from: `<${aor}>;tag=orphan${serial}`,
      to: `<sip:bob@${domain}>;tag=x${serial}`,
      'call-id': `orphan-${serial}`,
      cseq,
      'content-length': '0',
    };
    const lines = Object.entries(headers)
      .filter(([k]) => !drop.includes(k))
      .map(([k, v]) => `${k}: ${v}`);
    return `SIP/2.0 ${status} Whatever\r\n${[...lines, ...extra].join('\r\n')}\r\n\r\n`;
  }

  /** @type {(kind: string, frame: string | Buffer | Omit<HostileFrame, 'kind'>) => void} */
  const push = (kind, frame) => void frames.push(typeof frame === 'string' || Buffer.isBuffer(frame) ? { kind, data: frame } : { kind, ...frame });

  // 1. Truncated messages: a valid request or response cut anywhere.
  for (let i = 0; i < 150; i++) {
    const whole = pick([
      () => request('OPTIONS'),
      () => request('MESSAGE', { body: 'hello there', contentType: 'text/plain' }),
      () => request('INVITE', { body: SDP, contentType: 'application/sdp' }),
      () => ({ data: response(200), branch: '' }),
    ])();
    const cut = whole.data.slice(0, 1 + int(whole.data.length - 1));
    // The answer can be told only when the cut left the whole branch in place.
    push('truncated', whole.branch && cut.includes(`branch=${whole.branch}\r\n`) ? { ...whole, data: cut } : cut);
  }
  // 2. Huge headers: 100 KB in one header, or 5,000 small ones.
  const big = 'x'.repeat(100 * 1024);
  push('huge-header', request('OPTIONS', { extra: [`X-Fuzz: ${big}`] }));
  push('huge-header', request('OPTIONS', { over: { to: `<${aor}>;x=${big}` } }));
  push('huge-header', request('MESSAGE', { body: 'big subject', contentType: 'text/plain', extra: [`Subject: ${big}`] }));
  push('huge-header', request('OPTIONS', { extra: Array.from({ length: 5000 }, (_, n) => `X-H${n}: ${'y'.repeat(14)}`) }));
  push('huge-header', response(200, { extra: [`X-Fuzz: ${big}`] }));
  push('huge-header', response(180, { cseq: `1 ${big}` }));
  push('huge-header', `${big}\r\n\r\n`);
  // 3. Bad Content-Length: negative, huge, not a number, repeated, wrong either way.
  const lengths = ['-1', '-99999', '99999999999999999999', '4294967296', 'abc', '', '1e3', '0x10', '5 5', 'NaN', '3', '400'];
  for (let i = 0; i < 60; i++) {
    const value = at(lengths, i);
    const method = i % 2 ? 'MESSAGE' : 'OPTIONS';
    const extra = i % 5 === 0 ? ['Content-Length: 7'] : [];
    push('content-length', request(method, { body: 'twelve bytes', contentType: 'text/plain', over: { 'content-length': value }, extra }));
  }
  // 4. Binary frames: random bytes, valid requests sent as binary, invalid UTF-8 inside SIP.
  for (let i = 0; i < 100; i++) {
    if (i % 5 === 0) {
      const options = request('OPTIONS');
      push('binary', { ...options, data: Buffer.from(options.data) });
    }
    else if (i % 5 === 1) push('binary', Buffer.concat([Buffer.from(`MESSAGE ${aor} SIP/2.0\r\nVia: `), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('\r\n\r\n')]));
    else push('binary', Buffer.from(Array.from({ length: 1 + int(2000) }, () => int(256))));
  }
  // 5. Unknown methods (valid tokens).
  const methods = ['FOO', 'XYZZY', 'invite', 'Register', 'PUBLISHX', 'A', 'X-CUSTOM', 'M.E.T.H.O.D', 'SIP', 'HTTP'];
  for (let i = 0; i < 50; i++) push('unknown-method', request(at(methods, i) + (i >= methods.length ? String(i) : '')));
  // 6. Orphan responses: right Via host, branch of no transaction.
  const statuses = [100, 180, 183, 200, 202, 301, 401, 403, 404, 407, 481, 486, 487, 500, 503, 603, 699];
  const cseqMethods = ['INVITE', 'REGISTER', 'MESSAGE', 'BYE', 'OPTIONS', 'CANCEL', 'PRACK'];
  for (let i = 0; i < 100; i++) push('orphan-response', response(pick(statuses), { cseq: `${1 + int(1000)} ${pick(cseqMethods)}` }));
  // 7. Responses whose CSeq cannot be parsed (or is missing).
  const cseqs = ['abc', '', 'INVITE', '1', '-1 INVITE', '1 INVITE extra', '99999999999999999999999 INVITE', '1 1', 'x y z', '1\tINVITE', '0x1 INVITE', null];
  for (let i = 0; i < 60; i++) {
    const cseq = at(cseqs, i);
    push('bad-cseq-response', cseq === null ? response(pick(statuses), { drop: ['cseq'] }) : response(pick(statuses), { cseq }));
  }
  // 8. Responses with a broken, missing, foreign or doubled Via.
  const vias = ['garbage', '', 'SIP/2.0/WSS', `SIP/2.0/WSS other.invalid;branch=z9hG4bKx`, `SIP/2.0/WSS ${viaHost}:5060;branch=z9hG4bKx`, `SIP/2.0/WSS ${viaHost};branch=`, `SIP/2.0/WSS ${viaHost}, SIP/2.0/WS a.invalid`, null];
  for (let i = 0; i < 40; i++) {
    const via = at(vias, i);
    push('bad-via-response', via === null ? response(pick(statuses), { drop: ['via'] }) : response(pick(statuses), { via }));
  }
  // 9. Requests that need a dialog or transaction that does not exist, with and without To tag.
  for (const method of ['PRACK', 'ACK', 'BYE', 'INFO', 'NOTIFY', 'UPDATE', 'CANCEL']) {
    for (let i = 0; i < 20; i++) {
      const extra = method === 'PRACK' ? ['RAck: 1 1 INVITE'] : method === 'NOTIFY' ? ['Event: dialog', 'Subscription-State: active'] : [];
      push('out-of-dialog', request(method, { toTag: i % 2 ? `ghost${i}` : '', extra, cseq: 1 + i }));
    }
  }
  // 10. INVITEs with malformed SDP (or a body that is not SDP).
  const bodies = [
    ['application/sdp', 'v=0'],
    ['application/sdp', 'this is not sdp at all'],
    ['application/sdp', SDP.slice(0, 60)],
    ['application/sdp', SDP.replace('m=audio 9', 'm=audio -1 FOO/BAR')],
    ['application/sdp', SDP.replace(/a=fingerprint:.*/, 'a=fingerprint:sha-256 ZZ')],
    ['application/sdp', ''],
    ['text/plain', 'hello'],
    ['application/sdp', 'v=0\r\n' + 'a=x\r\n'.repeat(10000)],
    ['application/sdp', '\u0000\u0001\u0002\ufffd'.repeat(50)],
    ['multipart/mixed;boundary=zz', '--zz\r\n\r\n--zz--'],
  ];
  for (let i = 0; i < 30; i++) {
    const [contentType, body] = at(bodies, i);
    push('bad-sdp-invite', request('INVITE', { body, contentType }));
  }
  // 11. An INVITE flood: 200 well-formed calls at once.
  for (let i = 0; i < 200; i++) push('invite-flood', request('INVITE', { body: SDP, contentType: 'application/sdp' }));
  // 12. Random text: noise, SIP-looking noise, separators only.
  const sipWords = ['INVITE', 'SIP/2.0', 'Via:', 'CSeq:', '\r\n', ':', ';', 'branch=', 'tag=', '<sip:', '>', ' ', '200', 'OK', '\r\n\r\n'];
  for (let i = 0; i < 150; i++) {
    if (i % 3 === 0) push('random', Array.from({ length: int(3000) }, () => String.fromCharCode(int(0x3000))).join(''));
    else if (i % 3 === 1) push('random', Array.from({ length: 5 + int(80) }, () => pick(sipWords)).join(''));
    else push('random', pick(['', '\r\n', '\r\n\r\n', '\n\n\n', 'SIP/2.0 200 OK\r\n\r\n', `INVITE ${aor} SIP/2.0\r\n\r\n`]));
  }
  return frames;
}

/**
 * Status code of a SIP response frame, or null.
 * @param {string} text
 */
export function statusOf(text) {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The top Via branch of a frame, or null.
 * @param {string} text
 */
export function branchOf(text) {
  const m = /^(?:Via|v)\s*:[^\r\n]*;branch=([^;,\s]+)/im.exec(text);
  return m ? m[1] : null;
}

/**
 * Whether a frame the client sent answers one of the injected requests.
 * @param {string} text
 */
export function answersInjected(text) {
  return statusOf(text) !== null && (branchOf(text) ?? '').startsWith(FUZZ_BRANCH);
}

/**
 * The ACK an honest server would send for a non-2xx final response to an injected INVITE.
 * @param {NonNullable<HostileFrame['invite']>} invite
 * @param {string} branch
 * @param {string} responseText
 */
export function ackFor(invite, branch, responseText) {
  const to = /^(?:To|t)\s*:\s*([^\r\n]*)/im.exec(responseText)?.[1] ?? '';
  return [
    `ACK ${invite.ruri} SIP/2.0`,
    `Via: SIP/2.0/WS fuzz.invalid;branch=${branch}`,
    'Max-Forwards: 70',
    `From: ${invite.from}`,
    `To: ${to}`,
    `Call-ID: ${invite.callId}`,
    `CSeq: ${invite.cseq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InboundGuard, STRAY_LOG_LIMIT, STRAY_LOG_WINDOW_MS, WarnThrottle, statelessReply } from './inbound-guard';

/** A request from a server; `headers` replaces the defaults by name, `null` removes one. */
function request(method: string, headers: Record<string, string | null> = {}, body = ''): string {
  const all: Record<string, string | null> = {
    Via: 'SIP/2.0/WSS proxy.test;branch=z9hG4bKtop, SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKfirst',
    'Max-Forwards': '70',
    From: '<sip:bob@voxline.test>;tag=f1',
    To: '<sip:alice@voxline.test>',
    'Call-ID': 'c1@test',
    CSeq: `7 ${method}`,
    'Content-Length': String(body.length),
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}`);
  return `${method} sip:alice@voxline.test SIP/2.0\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

const RESPONSE_BAD_CSEQ = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKr\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>;tag=2\r\nCall-ID: r\r\nCSeq: abc\r\nContent-Length: 0\r\n\r\n';

function setup() {
  const warnings: string[] = [];
  const sent: string[] = [];
  const delivered: string[] = [];
  const guard = new InboundGuard({ logger: { warn: (m) => warnings.push(m) }, send: (frame) => (sent.push(frame), Promise.resolve()) });
  const deliver = (frame: string) => delivered.push(frame);
  const throwing = () => {
    throw new Error('Unexpected out of dialog request method PRACK.');
  };
  return { guard, warnings, sent, delivered, deliver, throwing };
}

describe('statelessReply', () => {
  it('copies every Via in order, From, Call-ID and CSeq, adds a To tag and an empty body', () => {
    const reply = statelessReply(request('PRACK'), 481)!;
    const lines = reply.split('\r\n');
    expect(lines[0]).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    expect(lines.filter((l) => l.startsWith('Via: '))).toEqual(['Via: SIP/2.0/WSS proxy.test;branch=z9hG4bKtop, SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKfirst']);
    expect(lines).toContain('From: <sip:bob@voxline.test>;tag=f1');
    expect(lines).toContain('Call-ID: c1@test');
    expect(lines).toContain('CSeq: 7 PRACK');
    expect(lines.find((l) => l.startsWith('To: '))).toMatch(/^To: <sip:alice@voxline\.test>;tag=[a-z0-9]+$/);
    expect(reply.endsWith('Content-Length: 0\r\n\r\n')).toBe(true);
  });

  it('keeps an existing To tag, reads compact and folded headers and separate Via lines', () => {
    const frame = 'BYE sip:alice@x SIP/2.0\r\nv: SIP/2.0/WS a;branch=z9hG4bK1\r\nVia: SIP/2.0/WS b;branch=z9hG4bK2\r\nf: <sip:bob@x>\r\n  ;tag=9\r\nt: <sip:alice@x>;tag=abc\r\ni: id\r\nCSeq: 2 BYE\r\n\r\n';
    const lines = statelessReply(frame, 400)!.split('\r\n');
    expect(lines[0]).toBe('SIP/2.0 400 Bad Request');
    expect(lines.slice(1, 6)).toEqual(['Via: SIP/2.0/WS a;branch=z9hG4bK1', 'Via: SIP/2.0/WS b;branch=z9hG4bK2', 'From: <sip:bob@x> ;tag=9', 'To: <sip:alice@x>;tag=abc', 'Call-ID: id']);
  });

  it('answers a request cut short in its headers, as RFC 3261 §18.3 asks', () => {
    expect(statelessReply(request('OPTIONS').slice(0, -30), 400)).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
  });

  it('gives up on an ACK, a response, or a request missing Via, From, To, Call-ID or CSeq', () => {
    expect(statelessReply(request('ACK'), 400)).toBeNull();
    expect(statelessReply(RESPONSE_BAD_CSEQ, 400)).toBeNull();
    for (const header of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) expect(statelessReply(request('OPTIONS', { [header]: null }), 400), header).toBeNull();
  });
});

describe('WarnThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it(`logs the first ${STRAY_LOG_LIMIT} lines of a window, then one summary when the window ends`, () => {
    const lines: string[] = [];
    const throttle = new WarnThrottle({ warn: (m) => lines.push(m) });
    for (let i = 0; i < 1000; i++) throttle.warn(`line ${i}`);
    expect(lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    vi.advanceTimersByTime(STRAY_LOG_WINDOW_MS - 1);
    expect(lines).toHaveLength(5);
    vi.advanceTimersByTime(1);
    expect(lines[5]).toBe('995 more stray inbound frame(s) in the last 10 s (not logged one by one)');
    // A new window logs again.
    throttle.warn('later');
    expect(lines.slice(6)).toEqual(['later']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flushes on dispose and leaves no timer behind', () => {
    const lines: string[] = [];
    const throttle = new WarnThrottle({ warn: (m) => lines.push(m) }, 1);
    throttle.warn('a');
    throttle.warn('b');
    expect(vi.getTimerCount()).toBe(1);
    throttle.dispose();
    expect(lines).toEqual(['a', '1 more stray inbound frame(s) in the last 10 s (not logged one by one)']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('InboundGuard', () => {
  it('delivers well-formed requests and responses as they are, and says nothing', () => {
    const { guard, delivered, sent, warnings, deliver } = setup();
    const response = RESPONSE_BAD_CSEQ.replace('CSeq: abc', 'CSeq: 1 INVITE');
    guard.handle(request('OPTIONS'), deliver);
    guard.handle(response, deliver);
    expect(delivered).toEqual([request('OPTIONS'), response]);
    expect(sent).toEqual([]);
    expect(warnings).toEqual([]);
    expect(guard.stats).toEqual({ ignored: 0, dropped: 0, answered: 0, contained: 0 });
  });

  it('ignores whitespace keep-alives silently and drops frames that are not SIP with a warning', () => {
    const { guard, delivered, sent, warnings, deliver } = setup();
    guard.handle('\r\n\r\n', deliver);
    guard.handle('\u0000\u00ffgarbage\r\n', deliver);
    guard.handle('INVITE sip:alice@x SIP/2.0', deliver); // no CRLF: not a SIP message
    expect(delivered).toEqual([]);
    expect(sent).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toBe('dropped an inbound frame that is not SIP (11 chars): "\\u0000ÿgarbage…"');
    expect(guard.stats).toMatchObject({ ignored: 1, dropped: 2 });
  });

  it('answers 400 to a request sip.js cannot parse, without handing it to sip.js', () => {
    const { guard, delivered, sent, warnings, deliver } = setup();
    guard.handle(request('MESSAGE', { 'Content-Length': 'abc' }, 'hi'), deliver);
    guard.handle(request('ACK', { 'Content-Length': '-1' }), deliver);
    expect(delivered).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
    expect(sent[0]).toContain('CSeq: 7 MESSAGE');
    expect(warnings).toEqual(['answered 400 to a malformed request: "MESSAGE sip:alice@voxline.test SIP/2.0…"', 'dropped a malformed request, which cannot be answered: "ACK sip:alice@voxline.test SIP/2.0…"']);
  });

  it('contains a throw on a request and answers 481 for a dialog method or a To tag, 500 otherwise', () => {
    const { guard, sent, throwing } = setup();
    expect(() => guard.handle(request('PRACK'), throwing)).not.toThrow();
    guard.handle(request('OPTIONS', { To: '<sip:alice@voxline.test>;tag=gone' }), throwing);
    guard.handle(request('OPTIONS'), throwing);
    expect(sent.map((s) => s.slice(0, 11))).toEqual(['SIP/2.0 481', 'SIP/2.0 481', 'SIP/2.0 500']);
    expect(guard.stats).toMatchObject({ contained: 3, answered: 3 });
  });

  it('does not answer twice when sip.js answered before throwing', () => {
    const { guard, sent, warnings } = setup();
    guard.handle(request('INVITE'), () => {
      const answer = statelessReply(request('INVITE'), 400)!.replace('400 Bad Request', '180 Ringing');
      guard.noteSent(answer);
      sent.push(answer);
      throw new Error('listener failed');
    });
    expect(sent.map((s) => s.slice(0, 11))).toEqual(['SIP/2.0 180']);
    expect(warnings[0]).toContain('sip.js had answered (listener failed)');
  });

  it('contains a throw on a response and answers nothing', () => {
    const { guard, sent, warnings } = setup();
    guard.handle(RESPONSE_BAD_CSEQ, () => {
      throw new TypeError("Cannot read properties of undefined (reading 'method')");
    });
    expect(sent).toEqual([]);
    expect(warnings).toEqual([`dropped a response sip.js failed on (Cannot read properties of undefined (reading 'method')): "SIP/2.0 200 OK…"`]);
  });

  it('contains things thrown that are not errors, and a send that rejects', async () => {
    const warnings: string[] = [];
    const guard = new InboundGuard({ logger: { warn: (m) => warnings.push(m) }, send: () => Promise.reject(new Error('link down')) });
    guard.handle(request('PRACK'), () => {
      throw null;
    });
    await new Promise((r) => setTimeout(r, 0)); // an unhandled rejection would fail the run
    expect(warnings[0]).toBe('answered 481 to a request sip.js failed on (null): "PRACK sip:alice@voxline.test SIP/2.0…"');
  });
});

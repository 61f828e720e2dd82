// @ts-check
import { describe, expect, it } from 'vitest';
import { autoCleanup, tagOf, viaCount } from './test-bed.js';
import { buildRequest, buildResponseTo, digestAuthorization } from './test-client.js';

/** @typedef {import('./test-bed.js').RawUa} RawUa */

const setup = autoCleanup();

describe('proxy: MESSAGE and OPTIONS', () => {
  it('routes MESSAGE alice → bob with a server Via, decremented Max-Forwards and the body intact', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    alice.client.send(buildRequest('MESSAGE', bob.aor, { from: alice.aor, to: bob.aor, viaHost: alice.viaHost, body: 'héllo 👋', maxForwards: 10 }));
    const m = await bob.client.request('MESSAGE');
    expect(m.body).toBe('héllo 👋');
    expect(m.header('max-forwards')).toBe('9');
    expect(viaCount(m)).toBe(2);
    expect(m.headers('via')[0]).toMatch(/^SIP\/2\.0\/WS 127\.0\.0\.1:\d+;branch=z9hG4bK/);
    expect(m.headers('record-route')).toEqual([]);
    bob.client.send(buildResponseTo(m, 200, 'OK', { toTag: 'b1' }));
    const ok = await alice.client.response(200, 'MESSAGE');
    expect(ok.headers('via')).toEqual([m.headers('via')[1]]);
    expect(tagOf(ok)).toBe('b1');
    expect(await alice.client.idle(50)).toEqual([]);
  });

  it('accepts compact header forms and forwards them spelled out', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    alice.client.send('MESSAGE sip:bob@voxline.test SIP/2.0\r\nv: SIP/2.0/WS a.invalid;branch=z9hG4bKc1\r\nf: <sip:alice@voxline.test>;tag=1\r\n'
      + 't: <sip:bob@voxline.test>\r\ni: compact-1\r\nCSeq: 1 MESSAGE\r\nc: text/plain\r\nl: 2\r\n\r\nhi');
    const m = await bob.client.request('MESSAGE');
    expect(m.headers('via')).toHaveLength(2);
    expect(m.header('call-id')).toBe('compact-1');
    expect(m.header('content-type')).toBe('text/plain');
    expect(m.body).toBe('hi');
    bob.client.send(buildResponseTo(m, 202, 'Accepted', { toTag: 'c' }));
    expect((await alice.client.next()).headers('via')).toEqual(['SIP/2.0/WS a.invalid;branch=z9hG4bKc1']);
  });

  it('answers 404 for unknown users and foreign domains', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    alice.client.send(buildRequest('MESSAGE', 'sip:nobody@voxline.test', { from: alice.aor, to: 'sip:nobody@voxline.test', body: 'x' }));
    expect((await alice.client.next()).status).toBe(404);
    alice.client.send(buildRequest('MESSAGE', 'sip:bob@example.com', { from: alice.aor, to: 'sip:bob@example.com', body: 'x' }));
    expect((await alice.client.next()).status).toBe(404);
  });

  it('answers 483 when Max-Forwards is 0 and adds Max-Forwards when missing', async () => {
    const { ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    alice.client.send(buildRequest('MESSAGE', bob.aor, { from: alice.aor, to: bob.aor, maxForwards: 0, body: 'x' }));
    expect((await alice.client.next()).status).toBe(483);
    alice.client.send(buildRequest('MESSAGE', bob.aor, { from: alice.aor, to: bob.aor, maxForwards: null, body: 'x' }));
    expect((await bob.client.request('MESSAGE')).header('max-forwards')).toBe('70');
  });

  it('proxies OPTIONS to a user and answers OPTIONS to the server itself', async () => {
    const { s, ua } = await setup();
    const alice = await ua('alice');
    const bob = await ua('bob');
    alice.client.send(buildRequest('OPTIONS', bob.aor, { from: alice.aor, to: bob.aor }));
    const o = await bob.client.request('OPTIONS');
    bob.client.send(buildResponseTo(o, 200, 'OK', { toTag: 'x' }));
    expect((await alice.client.response(200, 'OPTIONS')).header('to')).toMatch(/tag=x/);
    for (const ruri of ['sip:voxline.test', `sip:127.0.0.1:${s.port};transport=ws`]) {
      alice.client.send(buildRequest('OPTIONS', ruri, { from: alice.aor, to: ruri }));
      const res = await alice.client.next();
      expect(res.status).toBe(200);
      expect(res.header('allow')).toContain('INVITE');
    }
    expect(bob.client.queue).toEqual([]);
  });
});

describe('proxy: authentication of initial requests', () => {
  it('challenges INVITE with 407, absorbs the ACK, then forwards without Proxy-Authorization', async () => {
    const { ua } = await setup({ users: { alice: 'pa', bob: 'pb' } });
    const alice = await ua('alice');
    const bob = await ua('bob');
    // register bob (with auth) so he can be called
    const r = await bob.register();
    const authz = digestAuthorization({ challenge: r.header('www-authenticate') ?? '', method: 'REGISTER', uri: 'sip:voxline.test', username: 'bob', password: 'pb' });
    expect((await bob.register({ headers: [`Authorization: ${authz}`] })).status).toBe(200);

    const first = buildRequest('INVITE', bob.aor, { from: alice.aor, to: bob.aor, contact: alice.contact, branch: 'z9hG4bKfirst', callId: 'c1' });
    alice.client.send(first);
    expect((await alice.client.next()).status).toBe(100);
    const challenge = await alice.client.next();
    expect(challenge.status).toBe(407);
    const proxyAuth = challenge.header('proxy-authenticate') ?? '';
    expect(proxyAuth).toMatch(/realm="voxline.test"/);
    alice.client.send(buildRequest('ACK', bob.aor, { from: alice.aor, to: bob.aor, toTag: tagOf(challenge), branch: 'z9hG4bKfirst', callId: 'c1' }));

    const wrong = digestAuthorization({ challenge: proxyAuth, method: 'INVITE', uri: bob.aor, username: 'alice', password: 'bad' });
    alice.client.send(buildRequest('INVITE', bob.aor, { from: alice.aor, to: bob.aor, contact: alice.contact, callId: 'c1', cseq: 2, headers: [`Proxy-Authorization: ${wrong}`] }));
    expect((await alice.client.next((f) => f.status >= 200)).status).toBe(403);

    const good = digestAuthorization({ challenge: proxyAuth, method: 'INVITE', uri: bob.aor, username: 'alice', password: 'pa' });
    alice.client.send(buildRequest('INVITE', bob.aor, { from: alice.aor, to: bob.aor, contact: alice.contact, callId: 'c1', cseq: 3, headers: [`Proxy-Authorization: ${good}`] }));
    const atBob = await bob.client.request('INVITE');
    expect(atBob.header('cseq')).toBe('3 INVITE');
    expect(atBob.headers('proxy-authorization')).toEqual([]);
    expect(bob.client.queue).toEqual([]); // neither the 407'd INVITE nor its ACK reached bob
  });

  it('does not challenge OPTIONS to a user or in-dialog requests', async () => {
    const { ua } = await setup({ users: { alice: 'pa' } });
    const alice = await ua('alice');
    alice.client.send(buildRequest('OPTIONS', 'sip:bob@voxline.test', { from: alice.aor, to: 'sip:bob@voxline.test' }));
    expect((await alice.client.next()).status).toBe(404);
    alice.client.send(buildRequest('BYE', 'sip:x@y.invalid;transport=ws', { from: alice.aor, to: 'sip:bob@voxline.test', toTag: 'z' }));
    expect((await alice.client.next()).status).toBe(404);
  });
});

// @ts-check
import { describe, expect, it } from 'vitest';
import { startDevServer } from './index.js';
import { parseDigestCredentials } from './digest.js';
import { buildRequest, digestAuthorization, rawUa, SipTestClient } from './test-client.js';
import { cleanupAfterEach } from './test-bed.js';

const defer = cleanupAfterEach();

/** @param {Parameters<typeof startDevServer>[0]} [opts] */
async function server(opts = {}) {
  const s = await startDevServer({ logLevel: 'silent', ...opts });
  defer(() => s.close());
  return s;
}

/** @param {string} url @param {string} user */
async function ua(url, user) {
  const u = await rawUa(url, user);
  defer(() => u.client.close());
  return u;
}

/** @param {string} url @param {string} from @param {string} to */
async function sendMessage(url, from, to) {
  const c = await SipTestClient.connect(url);
  defer(() => c.close());
  c.send(buildRequest('MESSAGE', `sip:${to}@voxline.test`, { from: `sip:${from}@voxline.test`, to: `sip:${to}@voxline.test`, body: 'x' }));
  return c;
}

describe('registrar', () => {
  it('binds a contact, echoes it with expires, and routes to it', async () => {
    const s = await server();
    const bob = await ua(s.url, 'bob');
    const res = await bob.register({ expires: 300 });
    expect(res.status).toBe(200);
    expect(res.headers('contact')).toEqual([`<${bob.contact}>;expires=300`]);
    expect(res.header('to')).toMatch(/;tag=/);

    const sender = await sendMessage(s.url, 'alice', 'bob');
    const msg = await bob.client.request('MESSAGE');
    expect(msg.ruri).toBe(bob.contact); // Request-URI retargeted to the registered contact
    expect(sender.queue).toHaveLength(0);
  });

  it('clamps expires to 3600 and honours a contact expires parameter over the Expires header', async () => {
    const s = await server();
    const bob = await ua(s.url, 'bob');
    const res1 = await bob.register({ expires: 999999 });
    expect(res1.headers('contact')).toEqual([`<${bob.contact}>;expires=3600`]);
    bob.client.send(buildRequest('REGISTER', 'sip:voxline.test', {
      from: bob.aor, to: bob.aor, headers: [`Contact: <${bob.contact}>;expires=120`, 'Expires: 600'],
    }));
    const res2 = await bob.client.response(200, 'REGISTER');
    expect(res2.headers('contact')).toEqual([`<${bob.contact}>;expires=120`]);
  });

  it('unregisters with Expires: 0 and with Contact: *', async () => {
    const s = await server();
    const bob = await ua(s.url, 'bob');
    expect((await bob.register()).status).toBe(200);
    const res = await bob.register({ expires: 0 });
    expect(res.status).toBe(200);
    expect(res.headers('contact')).toEqual([]);
    const sender = await sendMessage(s.url, 'alice', 'bob');
    expect((await sender.next()).status).toBe(404);

    await bob.register();
    bob.client.send(buildRequest('REGISTER', 'sip:voxline.test', { from: bob.aor, to: bob.aor, headers: ['Contact: *', 'Expires: 0'] }));
    const wild = await bob.client.response(200, 'REGISTER');
    expect(wild.headers('contact')).toEqual([]);
    bob.client.send(buildRequest('REGISTER', 'sip:voxline.test', { from: bob.aor, to: bob.aor, headers: ['Contact: *', 'Expires: 60'] }));
    expect((await bob.client.next()).status).toBe(400);
  });

  it('keeps several bindings per user and lists them all', async () => {
    const s = await server();
    const tab1 = await ua(s.url, 'bob');
    const tab2 = await ua(s.url, 'bob');
    await tab1.register();
    const res = await tab2.register();
    expect(res.headers('contact').sort()).toEqual([`<${tab1.contact}>;expires=600`, `<${tab2.contact}>;expires=600`].sort());
  });

  it('removes the bindings of a connection when it closes', async () => {
    const s = await server();
    const bob = await ua(s.url, 'bob');
    await bob.register();
    await bob.client.close();
    const sender = await sendMessage(s.url, 'alice', 'bob');
    expect((await sender.next()).status).toBe(404);
  });

  it('expires bindings after their lifetime', async () => {
    const s = await server();
    const bob = await ua(s.url, 'bob');
    expect((await bob.register({ expires: 1 })).headers('contact')).toEqual([`<${bob.contact}>;expires=1`]);
    await new Promise((r) => setTimeout(r, 1100));
    const sender = await sendMessage(s.url, 'alice', 'bob');
    expect((await sender.next()).status).toBe(404);
    expect(bob.client.queue).toHaveLength(0);
  });

  it('rejects REGISTER for a domain it does not serve and bad Expires', async () => {
    const s = await server();
    const c = await ua(s.url, 'bob');
    c.client.send(buildRequest('REGISTER', 'sip:example.com', { from: 'sip:bob@example.com', to: 'sip:bob@example.com', contact: c.contact }));
    expect((await c.client.next()).status).toBe(403);
    c.client.send(buildRequest('REGISTER', 'sip:voxline.test', { from: c.aor, to: c.aor, contact: c.contact, headers: ['Expires: soon'] }));
    expect((await c.client.next()).status).toBe(400);
  });
});

describe('digest authentication', () => {
  const users = { alice: 'wonderland', bob: 'builder' };

  /** @param {Awaited<ReturnType<typeof rawUa>>} u @param {string} password @param {string} [username] */
  async function registerWithAuth(u, password, username = u.user) {
    const first = await u.register();
    expect(first.status).toBe(401);
    const challenge = first.header('www-authenticate') ?? '';
    const authorization = digestAuthorization({ challenge, method: 'REGISTER', uri: 'sip:voxline.test', username, password });
    return u.register({ headers: [`Authorization: ${authorization}`] });
  }

  it('challenges REGISTER with 401 (MD5, qop=auth, realm = domain) and accepts the right password', async () => {
    const s = await server({ users });
    const alice = await ua(s.url, 'alice');
    const first = await alice.register();
    expect(first.status).toBe(401);
    const params = parseDigestCredentials(first.header('www-authenticate') ?? '');
    expect(params).toMatchObject({ realm: 'voxline.test', algorithm: 'MD5', qop: 'auth' });
    expect(params?.nonce).toMatch(/^[0-9a-f]+\.[\w-]+$/);
    const ok = await registerWithAuth(alice, 'wonderland');
    expect(ok.status).toBe(200);
    expect(ok.headers('contact')).toEqual([`<${alice.contact}>;expires=600`]);
  });

  it('answers 403 to a wrong password and to an unknown user', async () => {
    const s = await server({ users });
    const alice = await ua(s.url, 'alice');
    expect((await registerWithAuth(alice, 'nope')).status).toBe(403);
    const mallory = await ua(s.url, 'mallory');
    expect((await registerWithAuth(mallory, 'x')).status).toBe(403);
    // no binding was created: an OPTIONS (not challenged) to alice finds nobody
    alice.client.send(buildRequest('OPTIONS', 'sip:alice@voxline.test', { from: 'sip:bob@voxline.test', to: alice.aor }));
    expect((await alice.client.next()).status).toBe(404);
  });

  it('answers 403 when the credentials belong to another user than the AOR', async () => {
    const s = await server({ users });
    const alice = await ua(s.url, 'alice');
    expect((await registerWithAuth(alice, 'builder', 'bob')).status).toBe(403);
  });

  it('rejects a forged nonce and a digest uri that is not the Request-URI', async () => {
    const s = await server({ users });
    const alice = await ua(s.url, 'alice');
    const forged = digestAuthorization({ challenge: 'Digest realm="voxline.test", nonce="18c0000000.forged"', method: 'REGISTER', uri: 'sip:voxline.test', username: 'alice', password: 'wonderland' });
    const r1 = await alice.register({ headers: [`Authorization: ${forged}`] });
    expect(r1.status).toBe(401); // unknown nonce → fresh challenge
    const challenge = r1.header('www-authenticate') ?? '';
    const wrongUri = digestAuthorization({ challenge, method: 'REGISTER', uri: 'sip:other.test', username: 'alice', password: 'wonderland' });
    expect((await alice.register({ headers: [`Authorization: ${wrongUri}`] })).status).toBe(403);
  });

  it('parses digest credentials with quoted commas and rejects garbage', () => {
    expect(parseDigestCredentials('Digest username="a,b", realm="r", nc=00000001')).toEqual({ username: 'a,b', realm: 'r', nc: '00000001' });
    expect(parseDigestCredentials('Basic Zm9vOmJhcg==')).toBeUndefined();
    expect(parseDigestCredentials('Digest username="a" realm')).toBeUndefined();
  });
});

// @ts-check
// End-to-end: real sip.js 0.21 user agents (Node, `ws` as WebSocket, a fake
// SessionDescriptionHandler instead of WebRTC) talking through the dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDevServer } from './index.js';
import { cleanupAfterEach } from './test-bed.js';

/** @type {any} */ (globalThis).WebSocket = WebSocket;
const { UserAgent, Registerer, RegistererState, Messager, Inviter, SessionState } = await import('sip.js');

/** @typedef {import('sip.js').Invitation} Invitation */
/** @typedef {import('sip.js').Session} Session */

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';
/** @returns {import('sip.js').SessionDescriptionHandler} */
const fakeSdh = () => ({
  close() {},
  async getDescription() {
    return { body: SDP, contentType: 'application/sdp' };
  },
  hasDescription: (contentType) => contentType === 'application/sdp',
  async setDescription() {},
  sendDtmf: () => false,
});

/** @param {() => boolean} predicate @param {number} [timeoutMs] */
async function waitFor(predicate, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const users = { alice: 'alice-pw', bob: 'bob-pw' };
/** @type {Awaited<ReturnType<typeof startDevServer>>} */
let server;
beforeAll(async () => {
  server = await startDevServer({ users, logLevel: /** @type {any} */ (process.env.SIPLL ?? 'silent') });
});
afterAll(() => server.close());

const defer = cleanupAfterEach();

/**
 * A started, registered sip.js UA.
 * @param {'alice' | 'bob'} user
 * @param {string} [password]
 */
async function agent(user, password = users[user]) {
  /** @type {Invitation[]} */
  const invitations = [];
  /** @type {string[]} */
  const messages = [];
  /** @type {string[]} */
  const referTargets = [];
  /** @type {Invitation[]} */
  const acks = [];
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@voxline.test`),
    transportOptions: { server: server.url },
    authorizationUsername: user,
    authorizationPassword: password,
    logConfiguration: false,
    logBuiltinEnabled: false,
    sessionDescriptionHandlerFactory: fakeSdh,
    delegate: {
      onInvite: (invitation) => {
        invitations.push(invitation);
        invitation.delegate = {
          onAck: () => void acks.push(invitation),
          onRefer: (referral) => {
            referTargets.push(referral.referTo.uri.toString());
            void referral.accept();
          },
        };
      },
      onMessage: (message) => {
        messages.push(message.request.body);
        void message.accept();
      },
    },
  });
  await ua.start();
  const registerer = new Registerer(ua);
  defer(async () => {
    await registerer.dispose().catch(() => undefined);
    await ua.stop();
  });
  await registerer.register();
  await waitFor(() => registerer.state !== RegistererState.Initial && !(/** @type {any} */ (registerer).waiting));
  return { ua, registerer, invitations, messages, referTargets, acks };
}

/** @param {import('sip.js').UserAgent} ua */
const inviterTo = (ua, user = 'bob') => new Inviter(ua, /** @type {any} */ (UserAgent.makeURI(`sip:${user}@voxline.test`)));

describe('sip.js user agents through the dev server', () => {
  it('registers with digest auth and fails with a wrong password', async () => {
    const alice = await agent('alice');
    expect(alice.registerer.state).toBe(RegistererState.Registered);
    const bad = await agent('bob', 'wrong');
    expect(bad.registerer.state).toBe(RegistererState.Unregistered);
  });

  it('delivers a MESSAGE (after the 407 challenge) and reports 404 for unknown users', async () => {
    const alice = await agent('alice');
    const bob = await agent('bob');
    /** @type {number[]} */
    const statuses = [];
    const delegate = {
      onAccept: (/** @type {any} */ r) => statuses.push(r.message.statusCode),
      onReject: (/** @type {any} */ r) => statuses.push(r.message.statusCode),
    };
    await new Messager(alice.ua, /** @type {any} */ (UserAgent.makeURI('sip:bob@voxline.test')), 'hi bob').message({ requestDelegate: delegate });
    await new Messager(alice.ua, /** @type {any} */ (UserAgent.makeURI('sip:carol@voxline.test')), 'hi?').message({ requestDelegate: delegate });
    await waitFor(() => statuses.length === 2);
    expect(statuses.sort()).toEqual([200, 404]);
    expect(bob.messages).toEqual(['hi bob']);
  });

  it('sets up a call, re-INVITEs, REFERs in the dialog and hangs up', async () => {
    const alice = await agent('alice');
    const bob = await agent('bob');
    const inviter = inviterTo(alice.ua);
    await inviter.invite();
    await waitFor(() => bob.invitations.length === 1);
    const invitation = /** @type {Invitation} */ (bob.invitations[0]);
    await invitation.accept();
    await waitFor(() => inviter.state === SessionState.Established && bob.acks.length === 1);
    // RFC 5407 §3.1.5: sip.js answers 500 to a re-INVITE that overtakes its ACK processing
    await new Promise((r) => setTimeout(r, 30));

    let reinviteAccepted = false;
    await inviter.invite({ requestDelegate: { onAccept: () => (reinviteAccepted = true) } });
    await waitFor(() => reinviteAccepted);

    let referAccepted = false;
    await inviter.refer(/** @type {any} */ (UserAgent.makeURI('sip:carol@voxline.test')), { requestDelegate: { onAccept: () => (referAccepted = true) } });
    await waitFor(() => referAccepted && bob.referTargets.length === 1);
    expect(bob.referTargets).toEqual(['sip:carol@voxline.test']);

    await invitation.bye();
    await waitFor(() => inviter.state === SessionState.Terminated && invitation.state === SessionState.Terminated);
  });

  it('relays a busy callee as 486 and a CANCEL before answer as 487', async () => {
    const alice = await agent('alice');
    const bob = await agent('bob');
    /** @type {number[]} */
    const rejected = [];
    const requestDelegate = { onReject: (/** @type {any} */ r) => rejected.push(r.message.statusCode) };

    const busy = inviterTo(alice.ua);
    await busy.invite({ requestDelegate });
    await waitFor(() => bob.invitations.length === 1);
    await /** @type {Invitation} */ (bob.invitations[0]).reject({ statusCode: 486 });
    await waitFor(() => busy.state === SessionState.Terminated);

    const cancelled = inviterTo(alice.ua);
    await cancelled.invite({ requestDelegate });
    await waitFor(() => bob.invitations.length === 2);
    await cancelled.cancel();
    await waitFor(() => cancelled.state === SessionState.Terminated && bob.invitations[1]?.state === SessionState.Terminated);
    await waitFor(() => rejected.length === 2);
    expect(rejected).toEqual([486, 487]);
  });
});

/**
 * A bed for unit tests of the call layer (src/sip/calls.ts, call-session.ts): Voxline's own
 * {@link SipCore} (sip.js's core: transactions, dialogs, digest; no sip.js API-layer `UserAgent`)
 * over the real link on an in-memory WebSocket, a {@link CallManager} wired to it as in
 * src/sip/user-agent.ts, {@link FakeCallMedia} for every call, and a scripted far end
 * ({@link SipPeer}) that reads what the client sends (with the dev server's test parser, not
 * with sip.js) and answers or sends requests by hand.
 *
 * Frames are delivered synchronously both ways; tests let promises settle with `settle()`.
 */
import { Grammar, type URI } from 'sip.js';
import { afterEach, beforeEach, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest, buildResponseTo, parseSip, rand } from '../server/test-client.js';
import { createLogger } from '../src/logger';
import { CallManager } from '../src/sip/calls';
import type { CallSession } from '../src/sip/call-session';
import { SipCore } from '../src/sip/core';
import { WebSocketTransport } from '../src/transport/websocket-transport';
import { FakeCallMedia } from './fake-call-media';
import type { SipFrame } from './fake-registrar';
import { FakeWebSocket } from './fake-websocket';

const parse = parseSip as (text: string) => SipFrame;
const request = buildRequest as (method: string, ruri: string, o: Record<string, unknown>) => string;
const respondTo = buildResponseTo as (req: SipFrame, status: number, reason: string, o?: { toTag?: string; contact?: string; headers?: string[]; body?: string }) => string;
const token = rand as (n?: number) => string;

/** Our user, and the far end's. */
export const ALICE = 'sip:alice@voxline.test';
export const BOB = 'sip:bob@voxline.test';
export const BOB_CONTACT = 'sip:bob@192.0.2.7:5060;transport=ws';

/** The bed's WebSocket: always open once connected; what the client sends goes to the peer, what the peer sends arrives. */
class PeerWebSocket extends FakeWebSocket {
  constructor(url: string, protocol: string, private readonly peer: SipPeer) {
    super(url, protocol);
    peer.attach((text) => this.receive(text));
  }

  override send(data: string): void {
    super.send(data);
    this.peer.received(data);
  }
}

/** A dialog as the far end sees it, to send in-dialog requests to the client. */
export interface PeerDialog {
  callId: string;
  /** The far end's URI and tag. */
  localUri: string;
  localTag: string;
  /** The client's URI, tag, and Contact (the Request-URI of in-dialog requests). */
  remoteUri: string;
  remoteTag: string;
  target: string;
  cseq: number;
}

const uriOf = (nameAddr: string): string => /<([^>]+)>/.exec(nameAddr)?.[1] ?? nameAddr.split(';')[0]!.trim();
const tagOf = (nameAddr: string): string => /;tag=([^;>\s]+)/.exec(nameAddr)?.[1] ?? '';
const sdpHeaders = (body: string | undefined): string[] => (body ? ['Content-Type: application/sdp'] : []);

/** The far end: every frame the client sent, and ways to answer it or talk to it. */
export class SipPeer {
  /** Every frame the client sent, in order. */
  readonly frames: SipFrame[] = [];
  private deliver: (text: string) => void = () => undefined;

  attach(deliver: (text: string) => void): void {
    this.deliver = deliver;
  }

  received(text: string): void {
    if (text.trim()) this.frames.push(parse(text));
  }

  /** Requests the client sent with this method. */
  requests(method: string): SipFrame[] {
    return this.frames.filter((f) => f.status === 0 && f.method === method);
  }

  /** Responses the client sent (to our requests), optionally to one method. */
  responses(method?: string): SipFrame[] {
    return this.frames.filter((f) => f.status !== 0 && (!method || f.method === method));
  }

  /** The statuses the client answered a request with (same Via branch and CSeq method). */
  answersTo(sent: string): number[] {
    const branch = /branch=([^;\s]+)/.exec(sent)?.[1];
    const method = sent.split(' ', 1)[0];
    return this.responses(method).filter((r) => r.header('via')?.includes(`branch=${branch}`)).map((r) => r.status);
  }

  last(method: string): SipFrame {
    const found = this.requests(method).at(-1);
    if (!found) throw new Error(`the client sent no ${method}`);
    return found;
  }

  send(text: string): string {
    this.deliver(text);
    return text;
  }

  /** Answers one of the client's requests; 1xx–2xx to an INVITE carry a Contact (and `sdp` as body). */
  respond(req: SipFrame, status: number, reason: string, o: { toTag?: string; sdp?: string; headers?: string[] } = {}): string {
    const contact = req.method === 'INVITE' && status > 100 && status < 300 ? BOB_CONTACT : undefined;
    return this.send(respondTo(req, status, reason, { toTag: o.toTag, contact, headers: [...(o.headers ?? []), ...sdpHeaders(o.sdp)], body: o.sdp }));
  }

  /** The dialog of an INVITE the client sent, answered by us with `toTag`. */
  dialogOf(invite: SipFrame, toTag: string): PeerDialog {
    const from = invite.header('from')!;
    return { callId: invite.header('call-id')!, localUri: uriOf(invite.header('to')!), localTag: toTag, remoteUri: uriOf(from), remoteTag: tagOf(from), target: uriOf(invite.header('contact')!), cseq: 100 };
  }

  /** Sends an INVITE to the client (a new call from bob); returns it, and how to continue its dialog. */
  invite(o: { sdp?: string; contentType?: string; headers?: string[]; callId?: string } = {}): { text: string; frame: SipFrame; dialog: (answer: SipFrame) => PeerDialog } {
    const callId = o.callId ?? token(8);
    const fromTag = token();
    const text = request('INVITE', ALICE, { from: BOB, fromTag, to: ALICE, callId, cseq: 1, contact: BOB_CONTACT, headers: o.headers ?? [], body: o.sdp, contentType: o.contentType ?? 'application/sdp' });
    this.send(text);
    const dialog = (answer: SipFrame): PeerDialog => ({ callId, localUri: BOB, localTag: fromTag, remoteUri: ALICE, remoteTag: tagOf(answer.header('to')!), target: uriOf(answer.header('contact')!), cseq: 1 });
    return { text, frame: parse(text), dialog };
  }

  /** A CANCEL for an INVITE we sent (same branch, same CSeq number, no body). */
  cancel(inviteText: string): string {
    const head = inviteText.slice(0, inviteText.indexOf('\r\n\r\n'));
    const lines = head
      .split('\r\n')
      .filter((line) => !/^(Content-Type|Content-Length|Contact):/i.test(line))
      .map((line, i) => (i === 0 ? line.replace(/^INVITE /, 'CANCEL ') : line.replace(/^CSeq: (\d+) INVITE$/, 'CSeq: $1 CANCEL')));
    return this.send(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
  }

  /** Sends a request in `dialog` (an ACK reuses the INVITE's CSeq: pass `cseq`). */
  inDialog(dialog: PeerDialog, method: string, o: { sdp?: string; body?: string; contentType?: string; headers?: string[]; cseq?: number; contact?: string } = {}): string {
    const cseq = o.cseq ?? ++dialog.cseq;
    const body = o.sdp ?? o.body;
    const contentType = o.sdp ? 'application/sdp' : o.contentType;
    return this.send(
      request(method, dialog.target, { from: dialog.localUri, fromTag: dialog.localTag, to: dialog.remoteUri, toTag: dialog.remoteTag, callId: dialog.callId, cseq, contact: o.contact ?? BOB_CONTACT, headers: o.headers ?? [], body, contentType }),
    );
  }
}

/** One bed: a user agent for alice, her call manager, and bob at the far end. */
export interface CallBed {
  core: SipCore;
  manager: CallManager;
  peer: SipPeer;
  /** The media of every call, in the order they were made. */
  medias: FakeCallMedia[];
  /** Calls the manager announced as incoming. */
  incoming: CallSession[];
  /** Runs on each new media before the call uses it (to make it fail or wait). */
  mediaSetup: ((media: FakeCallMedia) => void) | null;
  /** Let queued promise callbacks run (and fake timers, if `ms`). */
  settle(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A fake microphone for `getUserMedia`. */
/**
 * Registers a test file's hooks around a call bed: fake timers (and a stubbed microphone unless
 * `microphone: false`) and a fresh bed before each test; the bed stopped, timers cleared and
 * globals restored after it. `use(bed)` receives each new bed (a test may start another one with
 * {@link startCallBed} and pass it back through the returned `replace`).
 */
export function useCallBedHooks(use: (bed: CallBed) => void, { microphone = true } = {}): { replace(o: Parameters<typeof startCallBed>[0]): Promise<void> } {
  let current: CallBed | null = null;
  beforeEach(async () => {
    vi.useFakeTimers();
    if (microphone) stubMicrophone();
    current = await startCallBed();
    use(current);
  });
  afterEach(async () => {
    await current?.stop();
    current = null;
    vi.clearAllTimers();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  return {
    async replace(o) {
      await current?.stop();
      current = await startCallBed(o);
      use(current);
    },
  };
}

export function stubMicrophone(): void {
  const track = { kind: 'audio', stop: vi.fn(), enabled: true };
  const stream = { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.resolve(stream) } });
}

/** Makes and starts a bed (fake timers are the caller's choice). */
export async function startCallBed(o: { maxIncomingCalls?: number; password?: string } = {}): Promise<CallBed> {
  const peer = new SipPeer();
  const medias: FakeCallMedia[] = [];
  const incoming: CallSession[] = [];
  const logger = createLogger('silent');
  const setup: { run: ((media: FakeCallMedia) => void) | null } = { run: null };
  const manager = new CallManager(
    (audio) => {
      const media = new FakeCallMedia(audio);
      medias.push(media);
      setup.run?.(media);
      return media;
    },
    logger,
    o.maxIncomingCalls ?? 5,
  );
  const sockets: PeerWebSocket[] = [];
  const link = new WebSocketTransport({
    servers: ['wss://bed.test'],
    connectTimeoutMs: 1000,
    logger,
    reconnectPolicy: { nextDelayMs: () => null },
    keepAlive: null,
    watchLifecycle: false,
    webSocketFactory: (url, protocol) => {
      const socket = new PeerWebSocket(url, protocol, peer);
      sockets.push(socket);
      return socket;
    },
  });
  const core = new SipCore({
    aor: Grammar.URIParse(ALICE)!,
    user: 'alice',
    password: o.password ?? 'secret',
    displayName: undefined,
    userAgentString: 'Voxline call bed',
    link,
    logger,
    delegate: { onInvite: (req) => manager.receive(req), onMessage: (req) => req.reject({ statusCode: 405 }) },
  });
  manager.attach(core);
  manager.on('incoming', (call) => incoming.push(call));
  const starting = core.start();
  sockets[0]!.open();
  await starting;
  const settle = async (ms = 0): Promise<void> => {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(ms);
    for (let i = 0; i < 30; i++) await Promise.resolve();
  };
  return {
    core,
    manager,
    peer,
    medias,
    incoming,
    get mediaSetup() {
      return setup.run;
    },
    set mediaSetup(run) {
      setup.run = run;
    },
    settle,
    stop: async () => {
      await core.stop();
      link.dispose();
    },
  };
}

/** `sip:bob@voxline.test` as a URI. */
export function bobUri(): URI {
  return Grammar.URIParse(BOB)!;
}

/** An answered call alice placed to bob: the call, its media, bob's view of the dialog, alice's INVITE. */
export async function answeredOutgoing(bed: CallBed): Promise<{ call: CallSession; media: FakeCallMedia; dialog: PeerDialog; invite: SipFrame }> {
  const placing = bed.manager.place(bobUri(), {}, {});
  await bed.settle();
  const call = await placing;
  const invite = bed.peer.last('INVITE');
  bed.peer.respond(invite, 200, 'OK', { toTag: 'b1', sdp: 'v=0 answer-from-bob\r\n' });
  await bed.settle();
  if (call.state !== 'answered') throw new Error(`the call is ${call.state}, not answered`);
  return { call, media: bed.medias.at(-1)!, dialog: bed.peer.dialogOf(invite, 'b1'), invite };
}

/** Puts `call` on hold; bob accepts the hold re-INVITE (200 with a held answer). */
export async function holdAccepted(bed: CallBed, call: CallSession): Promise<void> {
  const holding = call.hold();
  await bed.settle();
  bed.peer.respond(bed.peer.last('INVITE'), 200, 'OK', { sdp: 'v=0 held\r\n' });
  await holding;
}

/** An answered call bob placed to alice (ACK sent): the call, its media, bob's view of the dialog. */
export async function answeredIncoming(bed: CallBed): Promise<{ call: CallSession; media: FakeCallMedia; dialog: PeerDialog }> {
  const sent = bed.peer.invite({ sdp: 'v=0 offer-from-bob\r\n' });
  await bed.settle();
  const call = bed.incoming.at(-1)!;
  await bed.manager.answer(call, {});
  const ok = bed.peer.responses('INVITE').filter((r) => r.status === 200).at(-1)!;
  const dialog = sent.dialog(ok);
  bed.peer.inDialog(dialog, 'ACK', { cseq: 1 });
  await bed.settle();
  return { call, media: bed.medias.at(-1)!, dialog };
}

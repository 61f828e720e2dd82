/**
 * Two WebRTC phones registered as one user, so that a call to that user is forked to both
 * (parallel forking by the SIP server: Kamailio's lookup() or the dev server's proxy). Each phone
 * is a separate WebRTC endpoint (its own ICE credentials and DTLS certificate), as two desk phones
 * or two browsers are; nothing relays the media between them and the caller.
 *
 * SIP is written by hand in Node (server/test-client.js's raw UA, over its own WebSocket); the
 * media is a real `RTCPeerConnection` per phone in a browser page of their own, sending the fake
 * microphone and playing what it receives (Chromium measures received energy only while it plays).
 * The spec scripts the responses to the initial INVITE (`prepare()`: make the answer, `earlyMedia()`:
 * 183 with SDP, `answer()`: 200); every other request is answered by the phone itself: a re-INVITE with a new
 * answer from the same peer connection, CANCEL (200, then 487 unless told to answer anyway), BYE
 * (200; the peer connection closed). `received` lists the requests in order.
 */
import type { Page } from '@playwright/test';
// Plain JS helpers of the dev server's tests (JSDoc-typed).
import { buildResponseTo, parseSip, rand, rawUa } from '../server/test-client.js';

type Frame = ReturnType<typeof parseSip>;
type RawUa = Awaited<ReturnType<typeof rawUa>>;

/** What the phones' page measures for one phone. */
export interface PhoneStats {
  state: RTCPeerConnectionState;
  energy: number;
  bytesReceived: number;
  bytesSent: number;
}

/** The page-side media of the phones (installed by {@link startForkedPhones}). */
interface PhonesMedia {
  answer(name: string, offer: string): Promise<string>;
  reanswer(name: string, offer: string): Promise<string>;
  stats(name: string): Promise<PhoneStats | null>;
  close(name: string): void;
}

/** One of the two phones: see the file's doc comment. */
export class ForkedPhone {
  /** The requests it received, in order: `INVITE`, `re-INVITE`, `ACK`, `CANCEL`, `BYE`. */
  readonly received: string[] = [];
  /** The initial INVITE, once it came. */
  invite: Frame | null = null;
  /** Answer the INVITE with a 200 even after a CANCEL (a 2xx crossing the CANCEL). */
  answerDespiteCancel = false;
  private readonly tag = rand();
  private sdp: Promise<string> | null = null;
  private answered = false;

  constructor(
    readonly name: string,
    private readonly ua: RawUa,
    private readonly media: Page,
  ) {
    ua.client.ws.on('message', (data: unknown) => void this.onFrame(parseSip(String(data))));
  }

  /** Waits for the forked INVITE to reach this phone. */
  async waitInvite(timeoutMs = 10_000): Promise<Frame> {
    for (const end = Date.now() + timeoutMs; !this.invite; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`phone ${this.name}: no INVITE within ${timeoutMs} ms`);
    }
    return this.invite;
  }

  /** 183 Session Progress with this phone's answer (its early media). */
  async earlyMedia(): Promise<void> {
    this.respond(183, 'Session Progress', await this.prepare());
  }

  /** 200 OK with this phone's answer. */
  async answer(): Promise<void> {
    const sdp = await this.prepare();
    this.answered = true;
    this.respond(200, 'OK', sdp);
  }

  /** Its peer connection's state and counters (null once closed and gone). */
  stats(): Promise<PhoneStats | null> {
    return this.media.evaluate((name) => (window as unknown as { phones: PhonesMedia }).phones.stats(name), this.name);
  }

  /**
   * Makes this phone's peer connection and answer now (it starts ICE and DTLS towards the caller
   * at once, as a phone sending early media does); resolves to the answer.
   */
  prepare(): Promise<string> {
    const offer = this.invite?.body ?? '';
    this.sdp ??= this.media.evaluate(({ name, offer }) => (window as unknown as { phones: PhonesMedia }).phones.answer(name, offer), { name: this.name, offer });
    return this.sdp;
  }

  private respond(status: number, reason: string, sdp?: string, to: Frame = this.invite!): void {
    const headers = sdp ? ['Content-Type: application/sdp'] : [];
    this.ua.client.send(buildResponseTo(to, status, reason, { toTag: this.tag, contact: status > 100 && status < 300 && to.method === 'INVITE' ? this.ua.contact : undefined, headers, body: sdp }));
  }

  private async onFrame(frame: Frame): Promise<void> {
    if (frame.status !== 0 || frame.method === 'REGISTER') return;
    const inDialog = /;tag=/.test(frame.header('to') ?? '');
    const what = frame.method === 'INVITE' && inDialog ? 're-INVITE' : frame.method;
    this.received.push(what);
    if (what === 'INVITE') this.invite ??= frame;
    else if (what === 're-INVITE') {
      const sdp = await this.media.evaluate(({ name, offer }) => (window as unknown as { phones: PhonesMedia }).phones.reanswer(name, offer), { name: this.name, offer: frame.body });
      this.respond(200, 'OK', sdp, frame);
    } else if (what === 'CANCEL') {
      this.respond(200, 'OK', undefined, frame);
      if (this.answerDespiteCancel || this.answered) return;
      this.respond(487, 'Request Terminated');
      this.close();
    } else if (what === 'BYE') {
      this.respond(200, 'OK', undefined, frame);
      this.close();
    }
  }

  private close(): void {
    void this.media.evaluate((name) => (window as unknown as { phones: PhonesMedia }).phones.close(name), this.name).catch(() => undefined);
  }
}

/**
 * Registers phones A and B as `user` on the server at `url` (digest with `password`), their media
 * in `media` (a fresh test page). Resolves once both are registered.
 */
export async function startForkedPhones(o: { url: string; domain: string; user: string; password: string; media: Page }): Promise<{ a: ForkedPhone; b: ForkedPhone; stop(): Promise<void> }> {
  await o.media.evaluate(async () => {
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pcs = new Map<string, RTCPeerConnection>();
    const players: HTMLAudioElement[] = [];
    /** Our description, once gathering of its generation is over (loopback: host candidates only). */
    const describe = async (pc: RTCPeerConnection): Promise<string> => {
      await pc.setLocalDescription();
      for (let i = 0; i < 150 && !(pc.iceGatheringState === 'complete' && pc.localDescription!.sdp.includes('a=candidate:')); i++) await new Promise((r) => setTimeout(r, 20));
      return pc.localDescription!.sdp;
    };
    const phones: PhonesMedia = {
      async answer(name, offer) {
        const pc = new RTCPeerConnection();
        pcs.set(name, pc);
        pc.ontrack = (e) => {
          const player = new Audio();
          player.srcObject = new MediaStream([e.track]);
          players.push(player);
          void player.play();
        };
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
        const transceiver = pc.getTransceivers()[0]!;
        transceiver.direction = 'sendrecv';
        await transceiver.sender.replaceTrack(mic.getAudioTracks()[0]!.clone());
        return describe(pc);
      },
      async reanswer(name, offer) {
        const pc = pcs.get(name)!;
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
        return describe(pc);
      },
      async stats(name) {
        const pc = pcs.get(name);
        if (!pc) return null;
        const report = [...(await pc.getStats()).values()] as Array<Record<string, unknown>>;
        const inbound = report.find((s) => s.type === 'inbound-rtp') ?? {};
        const outbound = report.find((s) => s.type === 'outbound-rtp') ?? {};
        return { state: pc.connectionState, energy: Number(inbound.totalAudioEnergy ?? 0), bytesReceived: Number(inbound.bytesReceived ?? 0), bytesSent: Number(outbound.bytesSent ?? 0) };
      },
      close(name) {
        pcs.get(name)?.close();
      },
    };
    (window as unknown as { phones: PhonesMedia }).phones = phones;
  });
  const uas: RawUa[] = [];
  const phones: ForkedPhone[] = [];
  for (const name of ['A', 'B']) {
    const ua = await rawUa(o.url, o.user, o.domain);
    uas.push(ua);
    const registered = await ua.registerWithPassword(o.password);
    if (registered.status !== 200) throw new Error(`phone ${name}: REGISTER answered ${registered.status}`);
    phones.push(new ForkedPhone(name, ua, o.media));
  }
  const [a, b] = phones as [ForkedPhone, ForkedPhone];
  return { a, b, stop: async () => void (await Promise.all(uas.map((ua) => ua.client.close()))) };
}

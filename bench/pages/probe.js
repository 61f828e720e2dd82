// @ts-check
// Page side of the feature benchmarks (register, call, messaging, memory): one client per page,
// driven through `window.featureAdapter` (features-<lib>.js), timed here with performance.now()
// so every figure is measured inside the page. Also wraps RTCPeerConnection (before any library
// loads) to find each call's peer connection and to count the live ones without keeping them
// alive (WeakRef only).
(function () {
  const w = /** @type {any} */ (window);
  const now = () => performance.now();
  const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

  /** @type {WeakRef<RTCPeerConnection>[]} */
  let refs = [];
  let created = 0;
  /** @type {WeakRef<RTCPeerConnection> | null} */
  let latest = null;
  /** @type {WeakMap<RTCPeerConnection, number>} first remote track `unmute` (first RTP), page clock */
  const unmutedAt = new WeakMap();
  const Native = window.RTCPeerConnection;
  w.RTCPeerConnection = class extends Native {
    /** @param {any[]} args */
    constructor(...args) {
      super(.../** @type {[RTCConfiguration]} */ (args));
      created++;
      latest = new WeakRef(this);
      refs.push(latest);
      this.addEventListener('track', (e) => {
        const mark = () => unmutedAt.has(this) || unmutedAt.set(this, now());
        if (!e.track.muted) mark();
        else e.track.addEventListener('unmute', mark, { once: true });
      });
    }
  };

  // SIP timeline of calls: when INVITEs and their 200 OKs crossed this page's WebSockets.
  /** @type {{ inviteOut: number | null, okIn: number | null, inviteIn: number | null, okOut: number | null }} */
  const sip = { inviteOut: null, okIn: null, inviteIn: null, okOut: null };
  /** @param {'in' | 'out'} dir @param {unknown} data */
  function trace(dir, data) {
    if (w.benchWsHook) w.benchWsHook(dir, data, now()); // diagnostics: every SIP message in / out
    if (typeof data !== 'string' || !/\r\nCSeq:\s*\d+\s+INVITE\r\n/i.test(data)) return;
    const t = now();
    const invite = data.startsWith('INVITE ');
    const ok = data.startsWith('SIP/2.0 200');
    if (dir === 'out' && invite && sip.inviteOut === null) {
      sip.inviteOut = t;
      workAtInvite = { ...work };
    }
    else if (dir === 'in' && ok) sip.okIn ??= t;
    else if (dir === 'in' && invite) {
      sip.inviteIn = t;
      sip.okOut = null;
      work.gum = work.sdp = 0;
    } else if (dir === 'out' && ok && sip.okOut === null) {
      sip.okOut = t;
      workAtOk = { ...work };
    }
  }
  const NativeWs = window.WebSocket;
  w.WebSocket = class extends NativeWs {
    /** @param {any[]} args */
    constructor(...args) {
      super(.../** @type {[string]} */ (args));
      this.addEventListener('message', (e) => trace('in', e.data));
    }
    /** @param {any} data */
    send(data) {
      trace('out', data);
      super.send(data);
    }
  };

  // Time spent in getUserMedia and in the SDP calls of RTCPeerConnection, accumulated since the
  // last reset (the caller resets when a call starts, the callee when an INVITE arrives).
  const work = { gum: 0, sdp: 0 };
  /** @type {{ gum: number, sdp: number } | null} */
  let workAtInvite = null;
  /** @type {{ gum: number, sdp: number } | null} */
  let workAtOk = null;
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (/** @type {MediaStreamConstraints} */ c) => {
      const t = now();
      try {
        return await gum(c);
      } finally {
        work.gum += now() - t;
      }
    };
  }
  for (const m of /** @type {const} */ (['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription'])) {
    const orig = /** @type {any} */ (Native.prototype)[m];
    /** @type {any} */ (Native.prototype)[m] = async function (/** @type {any[]} */ ...args) {
      const t = now();
      try {
        return await orig.apply(this, args);
      } finally {
        work.sdp += now() - t;
      }
    };
  }

  /** Time (page clock) when the newest peer connection created after `since` first reports inbound audio packets. */
  async function firstInboundPacket(/** @type {number} */ since, /** @type {number} */ pollMs, /** @type {() => boolean} */ cancelled) {
    while (!cancelled()) {
      const pc = created > since ? latest?.deref() : undefined;
      if (pc && pc.signalingState !== 'closed') {
        const report = await pc.getStats();
        const t = now();
        let packets = 0;
        report.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived ?? 0;
        });
        if (packets > 0) return { t, unmuted: unmutedAt.get(pc) ?? null };
      }
      await sleep(pollMs);
    }
    return null;
  }

  /** @type {{ hangup(): Promise<void>, ended: Promise<void> } | null} */
  let current = null;
  const A = () => w.featureAdapter;

  w.feat = {
    now,
    /** Constructs a fresh client (not connected yet). */
    prepare: (/** @type {any} */ o) => A().prepare(o),
    /** login/start → registered, ms. */
    async register() {
      const t0 = now();
      await A().register();
      return now() - t0;
    },
    unregister: () => A().unregister(),
    /**
     * Places a call; resolves once answered and (unless `audio: false`) once the first inbound
     * audio packet is counted by getStats (polled every `pollMs`).
     */
    async call(/** @type {string} */ target, { audio = true, pollMs = 5, timeoutMs = 15_000 } = {}) {
      const since = created;
      let done = false;
      sip.inviteOut = sip.okIn = null;
      workAtInvite = null;
      work.gum = work.sdp = 0;
      const t0 = now();
      const packet = audio ? firstInboundPacket(since, pollMs, () => done) : Promise.resolve(null);
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      /** @type {Promise<never>} */
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`call to ${target}: not answered within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const call = await Promise.race([A().call(target), timeout]);
        current = call;
        await Promise.race([call.answered, timeout]);
        const answeredMs = now() - t0;
        const first = await Promise.race([packet, timeout]);
        const rel = (/** @type {number | null} */ t) => (t === null ? null : t - t0);
        const atInvite = /** @type {{ gum: number, sdp: number } | null} */ (workAtInvite); // set by trace()
        return {
          answeredMs,
          audioMs: first ? first.t - t0 : null,
          unmuteMs: first?.unmuted != null ? first.unmuted - t0 : null,
          inviteOutMs: rel(sip.inviteOut),
          okInMs: rel(sip.okIn),
          callerGumMs: atInvite?.gum ?? null,
          callerSdpMs: atInvite?.sdp ?? null,
        };
      } finally {
        done = true;
        clearTimeout(timer);
      }
    },
    /** Hangs up the current call; resolves once it ended on this side. */
    async hangup() {
      const call = current;
      current = null;
      if (!call) return;
      await call.hangup();
      await Promise.race([call.ended, sleep(5000)]);
    },
    /** Callee side: INVITE received → 200 OK sent, for the last call answered here (ms), or null. */
    answerMs: () =>
      sip.inviteIn !== null && sip.okOut !== null && sip.okOut >= sip.inviteIn
        ? { ms: sip.okOut - sip.inviteIn, gumMs: workAtOk?.gum ?? null, sdpMs: workAtOk?.sdp ?? null }
        : null,
    /** Inbound RTP audio packets of this page's open peer connections, summed (bench/recovery). */
    async inboundPackets() {
      let total = 0;
      for (const ref of refs) {
        const pc = ref.deref();
        if (!pc || pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((/** @type {any} */ s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') total += s.packetsReceived ?? 0;
        });
      }
      return total;
    },
    /** Calls in progress on this page (callee side: answered, not ended yet). */
    active: () => A().active(),
    /** sendMessage → 2xx, ms, with the MESSAGE exchange as seen on this page's WebSocket. */
    async message(/** @type {string} */ target, body = 'bench') {
      /** @type {{ dir: string, line: string, t: number }[]} */
      const seen = [];
      w.benchWsHook = (/** @type {string} */ dir, /** @type {unknown} */ data, /** @type {number} */ t) => {
        if (typeof data === 'string' && /\r\nCSeq:\s*\d+\s+MESSAGE\r\n/i.test(data)) seen.push({ dir, line: data.slice(0, 12), t });
      };
      const t0 = now();
      try {
        await A().send(target, body);
      } finally {
        w.benchWsHook = null;
      }
      const t1 = now();
      const outs = seen.filter((x) => x.dir === 'out');
      const challenge = seen.find((x) => x.dir === 'in' && x.line.startsWith('SIP/2.0 407'));
      const ok = seen.find((x) => x.dir === 'in' && x.line.startsWith('SIP/2.0 2'));
      const gap = (/** @type {{ t: number } | undefined} */ a, /** @type {{ t: number } | undefined} */ b) => (a && b ? b.t - a.t : null);
      return {
        ms: t1 - t0,
        toFirstSend: outs[0] ? outs[0].t - t0 : null,
        challengeRtt: gap(outs[0], challenge),
        toAuthSend: gap(challenge, outs[1]),
        relayRtt: gap(outs[1], ok),
        toResolved: ok ? t1 - ok.t : null,
      };
    },
    /** `n` messages at once; resolves once all settled. */
    async flood(/** @type {string} */ target, /** @type {number} */ n) {
      const t0 = now();
      let lastOk = 0;
      const sends = Array.from({ length: n }, (_, i) => A().send(target, `flood ${i}`).then(() => void (lastOk = now())));
      const out = await Promise.allSettled(sends);
      const ms = now() - t0;
      const failed = out.filter((r) => r.status === 'rejected');
      return { ms, lastOkMs: lastOk ? lastOk - t0 : null, ok: n - failed.length, failed: failed.length, firstError: failed[0] ? String(/** @type {any} */ (failed[0]).reason?.message ?? failed[0]) : null };
    },
    received: () => A().received(),
    /** Peer connections not closed / not yet garbage collected, and `<audio data-voxline>` elements. */
    counts() {
      refs = refs.filter((r) => r.deref());
      return {
        pcsCreated: created,
        pcsOpen: refs.filter((r) => r.deref()?.signalingState !== 'closed').length,
        pcsNotCollected: refs.length,
        audioElements: document.querySelectorAll('audio[data-voxline]').length,
      };
    },
  };
})();

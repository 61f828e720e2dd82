// A JsSIP 3.13 phone for interop specs (global `JsSIP`, bundled by e2e/jssip-peer.ts): it
// registers, answers every call (session timers off, no ICE servers), plays what it receives
// (Chromium counts received audio energy only while it plays) and records its session events.
(function () {
  const events = [];
  let ua = null;
  let session = null;
  const audio = document.createElement('audio');
  audio.autoplay = true;
  document.body.appendChild(audio);
  const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };
  function watch(s) {
    session = s;
    const record = (type, extra) => events.push({ type, t: Date.now(), ...extra });
    s.on('peerconnection', ({ peerconnection }) => {
      peerconnection.addEventListener('track', (e) => {
        audio.srcObject = e.streams[0] || new MediaStream([e.track]);
      });
    });
    s.on('accepted', () => record('accepted'));
    s.on('confirmed', () => record('confirmed'));
    s.on('ended', (e) => record('ended', { cause: e.cause, originator: e.originator }));
    s.on('failed', (e) => record('failed', { cause: e.cause }));
    s.on('reinvite', (e) => record('reinvite', { contact: e.request.getHeader('Contact') }));
    s.on('sdp', (e) => e.originator === 'remote' && record('remote-sdp', { type: e.type }));
  }
  window.jp = {
    events,
    start(o) {
      return new Promise((resolve, reject) => {
        ua = new JsSIP.UA({
          sockets: [new JsSIP.WebSocketInterface(o.url)],
          uri: `sip:${o.user}@${o.domain}`,
          password: o.password,
          register: true,
          session_timers: false,
        });
        ua.on('newRTCSession', (e) => {
          if (e.originator !== 'remote') return;
          watch(e.session);
          e.session.answer(media);
        });
        ua.once('registered', () => resolve());
        ua.once('registrationFailed', (e) => reject(new Error(`registration failed: ${e.cause}`)));
        ua.start();
      });
    },
    /** Calls `target`; resolves when the call is confirmed. */
    call(target, domain) {
      return new Promise((resolve, reject) => {
        const s = ua.call(`sip:${target}@${domain}`, media);
        watch(s);
        s.once('confirmed', () => resolve());
        s.once('failed', (e) => reject(new Error(`call failed: ${e.cause}`)));
      });
    },
    state: () => (session ? (session.isEnded() ? 'ended' : session.isEstablished() ? 'established' : 'in-progress') : null),
    /** Received audio energy (and bytes) gained over `ms`. */
    async energy(ms) {
      const read = async () => {
        let energy = 0;
        let bytes = 0;
        const pc = session && session.connection;
        if (!pc) return { energy, bytes };
        (await pc.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') {
            energy += s.totalAudioEnergy || 0;
            bytes += s.bytesReceived || 0;
          }
        });
        return { energy, bytes };
      };
      const a = await read();
      await new Promise((r) => setTimeout(r, ms));
      const b = await read();
      return { inbound: b.energy - a.energy, bytesIn: b.bytes - a.bytes };
    },
    hangup: () => session && !session.isEnded() && session.terminate(),
  };
})();

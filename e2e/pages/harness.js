// Page-side helpers for e2e specs: create clients by name and record every event they emit.
// Loaded after the SDK; works with the global `Voxline` (script tag) or `window.VoxlineModule`.
(function () {
  const events = [];
  const clients = {};
  const calls = {};
  // Count peer connections that are still open, to prove calls leave nothing behind.
  const pcs = new Set();
  const NativePC = window.RTCPeerConnection;
  if (NativePC) {
    window.RTCPeerConnection = class extends NativePC {
      constructor(...args) {
        super(...args);
        pcs.add(this);
        this.addEventListener('connectionstatechange', () => this.connectionState === 'closed' && pcs.delete(this));
      }
      close() {
        pcs.delete(this);
        return super.close();
      }
    };
  }
  // Record every microphone stream handed out, to prove the SDK stops the tracks it opened.
  const captured = [];
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await original(constraints);
      captured.push(stream);
      return stream;
    };
  }
  // Uncaught errors and unhandled promise rejections in the page, for specs proving there are none.
  const pageErrors = [];
  window.addEventListener('error', (e) => pageErrors.push({ type: 'error', message: String(e.message) }));
  window.addEventListener('unhandledrejection', (e) => pageErrors.push({ type: 'unhandledrejection', message: String((e.reason && e.reason.message) || e.reason) }));
  // Count WebSockets not yet closing or closed, to prove destroy() and logout() leave no socket open.
  const sockets = new Set();
  // Count SIP requests received, by method, to prove e.g. that a device switch sends no re-INVITE.
  const received = {};
  const NativeWebSocket = window.WebSocket;
  if (NativeWebSocket) {
    window.WebSocket = class extends NativeWebSocket {
      constructor(...args) {
        super(...args);
        sockets.add(this);
        this.addEventListener('message', (e) => {
          const method = typeof e.data === 'string' ? /^([A-Z]+) sip/.exec(e.data) : null;
          if (method) received[method[1]] = (received[method[1]] || 0) + 1;
        });
      }
    };
  }
  // Count timers set and not yet fired or cleared, to prove destroy() and logout() stop them all.
  const timers = new Set();
  const native = { setTimeout: window.setTimeout, clearTimeout: window.clearTimeout, setInterval: window.setInterval, clearInterval: window.clearInterval };
  window.setTimeout = function (fn, ms, ...args) {
    const id = native.setTimeout.call(window, (...a) => {
      timers.delete(id);
      if (typeof fn === 'function') fn(...a);
    }, ms, ...args);
    timers.add(id);
    return id;
  };
  window.setInterval = function (fn, ms, ...args) {
    const id = native.setInterval.call(window, fn, ms, ...args);
    timers.add(id);
    return id;
  };
  window.clearTimeout = window.clearInterval = function (id) {
    timers.delete(id);
    native.clearTimeout.call(window, id); // timeouts and intervals share one id pool
  };
  const CALL_EVENTS = ['ringing', 'answered', 'held', 'resumed', 'muted', 'unmuted', 'dtmf', 'ended', 'transferred', 'reconnecting', 'reconnected', 'remotehold', 'remoteresume'];
  function trackCall(name, call) {
    (calls[name] = calls[name] || []).push(call);
    for (const type of CALL_EVENTS) {
      call.on(type, (payload) => {
        events.push({ client: name, type: `call:${type}`, callId: call.id, payload: type === 'transferred' ? { id: payload.id, remote: payload.remote } : payload, t: Date.now() });
        if (type === 'transferred') trackCall(name, payload);
      });
    }
    return call;
  }
  function sdk() {
    return window.VoxlineModule || window.Voxline;
  }
  function describeError(err) {
    return { name: err && err.name, code: err && err.code, key: err && err.key, status: err && err.status, message: String(err && err.message), isVoxline: err instanceof sdk().VoxlineError };
  }
  window.vx = {
    events,
    clients,
    calls,
    trackCall,
    pageErrors,
    openPeerConnections: () => pcs.size,
    sipFramesSeen: (method) => received[method] || 0,
    /** Labels of the microphone tracks the open peer connections are sending. */
    sentTrackLabels: () => [...pcs].flatMap((pc) => pc.getSenders().map((s) => (s.track ? s.track.label : ''))),
    /** Local UDP ports of the selected ICE candidate pairs of the open peer connections. */
    selectedLocalPorts: async () => {
      const ports = [];
      for (const pc of pcs) {
        const report = await pc.getStats();
        report.forEach((s) => {
          if (s.type === 'transport' && s.selectedCandidatePairId) {
            const pair = report.get(s.selectedCandidatePairId);
            const local = pair && report.get(pair.localCandidateId);
            if (local && local.port) ports.push(local.port);
          }
        });
      }
      return ports;
    },
    liveMicrophoneTracks: () => captured.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length,
    audioElements: () => document.querySelectorAll('audio[data-voxline]').length,
    pendingTimers: () => timers.size,
    openWebSockets: () => [...sockets].filter((s) => s.readyState === NativeWebSocket.CONNECTING || s.readyState === NativeWebSocket.OPEN).length,
    sdk,
    describeError,
    create(name, options) {
      const client = new (sdk().Client)(options);
      clients[name] = client;
      for (const type of ['connectionchange', 'reconnecting', 'registered', 'unregistered', 'error', 'message']) {
        client.on(type, (payload) => events.push({ client: name, type, payload: payload instanceof Error ? describeError(payload) : payload, t: Date.now() }));
      }
      client.on('callresumed', (call) => {
        events.push({ client: name, type: 'callresumed', payload: { id: call.id, remote: call.remote, direction: call.direction, state: call.state, answeredAt: call.answeredAt }, t: Date.now() });
        trackCall(name, call);
      });
      client.on('incomingcall', (call) => {
        events.push({ client: name, type: 'incomingcall', payload: { id: call.id, remote: call.remote, direction: call.direction, state: call.state }, t: Date.now() });
        trackCall(name, call);
      });
      return client;
    },
    of(name, type) {
      return events.filter((e) => e.client === name && (!type || e.type === type));
    },
    async attempt(fn) {
      try {
        return { ok: true, value: await fn() };
      } catch (err) {
        return { ok: false, error: describeError(err) };
      }
    },
  };
})();

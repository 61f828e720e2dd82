// Page-side helpers for e2e specs: create clients by name and record every event they emit.
// Loaded after the SDK; works with the global `Voxline` (script tag) or `window.VoxlineModule`.
(function () {
  const events = [];
  const clients = {};
  function sdk() {
    return window.VoxlineModule || window.Voxline;
  }
  function describeError(err) {
    return { name: err && err.name, code: err && err.code, key: err && err.key, status: err && err.status, message: String(err && err.message), isVoxline: err instanceof sdk().VoxlineError };
  }
  window.vx = {
    events,
    clients,
    sdk,
    describeError,
    create(name, options) {
      const client = new (sdk().Client)(options);
      clients[name] = client;
      for (const type of ['connectionchange', 'reconnecting', 'registered', 'unregistered', 'error', 'message']) {
        client.on(type, (payload) => events.push({ client: name, type, payload: payload instanceof Error ? describeError(payload) : payload, t: Date.now() }));
      }
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

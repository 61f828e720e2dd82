// Page side of the benchmarks: one recorder shared by the three library pages. Each page loads
// an adapter that sets `window.benchAdapter = { library, version(), create(id, opts, emit) }`;
// this file records every event the adapters report, with a high-resolution epoch timestamp.
(function () {
  /** @type {{ id: string, type: string, t: number, detail?: unknown }[]} */
  const events = [];
  const clients = {};
  const now = () => performance.timeOrigin + performance.now();
  function emit(id, type, detail) {
    events.push({ id, type, t: now(), detail });
  }
  window.bench = {
    now,
    events,
    /** Creates a client and logs it in (resolves once registered). */
    async create(id, opts) {
      const adapter = window.benchAdapter;
      emit(id, 'created');
      clients[id] = await adapter.create(id, opts, (type, detail) => emit(id, type, detail));
      emit(id, 'registered-initially');
    },
    /** Frees a client; never waits more than `maxWaitMs` for a graceful shutdown. */
    async destroy(id, maxWaitMs = 300) {
      const client = clients[id];
      delete clients[id];
      if (!client) return;
      try {
        await Promise.race([Promise.resolve(client.destroy()), new Promise((r) => setTimeout(r, maxWaitMs))]);
      } catch (err) {
        emit(id, 'destroy-error', String(err && err.message));
      }
    },
    /** Events of one client. */
    of(id) {
      return events.filter((e) => e.id === id);
    },
    /** Whether client `id` has seen `count` events of `type`. */
    has(id, type, count = 1) {
      let n = 0;
      for (const e of events) if (e.id === id && e.type === type && ++n >= count) return true;
      return false;
    },
    /** Drops the recorded events of a finished client. */
    forget(id) {
      for (let i = events.length - 1; i >= 0; i--) if (events[i].id === id) events.splice(i, 1);
    },
  };
})();

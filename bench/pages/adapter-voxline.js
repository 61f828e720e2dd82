// Voxline adapter (script-tag build, global `Voxline`), default options: keep-alive
// (CRLF, idle 2 s, timeout 2.5 s) and reconnection (at once, then every 1 s for 10 s, then backoff).
window.benchAdapter = {
  library: 'voxline',
  version: () => window.Voxline.VERSION,
  async create(id, o, emit) {
    const client = new window.Voxline.Client({ servers: [o.url], domain: o.domain, logLevel: 'error' });
    client.on('connectionchange', (e) => {
      // `reconnected` fires only once the link is back AND the REGISTER was refreshed.
      if (e.state === 'disconnected') emit('disconnected', { reason: e.reason, code: e.code });
      else if (e.state === 'reconnected') emit('recovered', { downtimeMs: e.downtimeMs });
      else emit('raw:connected');
    });
    client.on('reconnecting', (a) => emit('raw:reconnecting', { attempt: a.attempt, delayMs: a.delayMs }));
    client.on('registered', () => emit('raw:registered'));
    client.on('unregistered', () => emit('raw:unregistered'));
    client.on('error', (err) => emit('raw:error', { code: err.code, message: err.message }));
    await client.login(o.user, o.password);
    return { destroy: () => client.destroy() };
  },
};

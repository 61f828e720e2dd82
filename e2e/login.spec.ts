/**
 * Foundation: a browser logs in over SIP-over-WebSocket for real, with the script-tag build and
 * the ES-module build, against Kamailio and the dev server (one Playwright project each).
 */
import { test, expect } from './fixtures';
import { probeUser } from './harness/sip-probe.mjs';
import { freePort } from './harness/free-port.mjs';

test.describe('login and logout', () => {
  for (const kind of ['iife', 'esm'] as const) {
    test(`registers and unregisters with the ${kind} build`, async ({ openPage, sip }) => {
      const page = await openPage(kind);
      const result = await page.evaluate(
        async ({ url, domain, password }) => {
          const client = window.vx.create('alice', { servers: [url], domain, logLevel: 'warn' });
          const before = client.connectionState;
          await client.login('alice', password);
          return { before, registered: client.registered, state: client.connectionState, user: client.user };
        },
        { url: sip.url, domain: sip.domain, password: sip.users.alice! },
      );
      expect(result).toEqual({ before: 'idle', registered: true, state: 'connected', user: 'alice' });
      // The server really has the binding: a request to alice reaches the page, which answers 200.
      expect(await probeUser(sip.url, sip.domain, 'alice')).toBe(200);

      const after = await page.evaluate(async () => {
        const client = window.vx.clients.alice!;
        await client.logout();
        return { registered: client.registered, state: client.connectionState, events: window.vx.of('alice').map((e) => e.type === 'connectionchange' ? `connectionchange:${(e.payload as { state: string }).state}` : e.type) };
      });
      expect(after.registered).toBe(false);
      expect(after.state).toBe('idle');
      // Exactly one connected, one registered, one unregistered; a deliberate logout is no "disconnected".
      expect(after.events).toEqual(['connectionchange:connected', 'registered', 'unregistered']);
      expect(await probeUser(sip.url, sip.domain, 'alice')).toBe(404);
    });
  }

  test('can log in again after logging out, on the same client', async ({ openPage, sip }) => {
    const page = await openPage();
    const registered = await page.evaluate(
      async ({ url, domain, password }) => {
        const client = window.vx.create('bob', { servers: [url], domain });
        await client.login('bob', password);
        await client.logout();
        await client.login('bob', password);
        const ok = client.registered;
        client.destroy();
        return { ok, state: client.connectionState };
      },
      { url: sip.url, domain: sip.domain, password: sip.users.bob! },
    );
    expect(registered).toEqual({ ok: true, state: 'closed' });
  });

  test('a wrong password rejects login() with AuthenticationError', async ({ openPage, sip }) => {
    const page = await openPage();
    const result = await page.evaluate(
      async ({ url, domain }) => {
        const client = window.vx.create('carol', { servers: [url], domain });
        const outcome = await window.vx.attempt(() => client.login('carol', 'not-the-password'));
        return { outcome, registered: client.registered, state: client.connectionState };
      },
      { url: sip.url, domain: sip.domain },
    );
    expect(result.outcome.ok).toBe(false);
    expect(result.outcome.error).toMatchObject({ name: 'AuthenticationError', code: 'authentication', isVoxline: true });
    expect([401, 403, 407]).toContain(result.outcome.error!.status);
    expect(result.registered).toBe(false);
    expect(result.state).toBe('idle');
    expect(await probeUser(sip.url, sip.domain, 'carol')).toBe(404);
  });

  test('an unreachable server rejects login() with ConnectionError naming it', async ({ openPage }) => {
    const page = await openPage();
    const port = await freePort();
    const result = await page.evaluate(async (url) => {
      const client = window.vx.create('dave', { servers: [url], domain: 'voxline.test' });
      return window.vx.attempt(() => client.login('dave', 'x'));
    }, `ws://127.0.0.1:${port}`);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ name: 'ConnectionError', code: 'connection', isVoxline: true });
    expect(result.error!.message).toContain(`ws://127.0.0.1:${port}`);
  });
});

test.describe('option validation in the browser', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an empty servers list', { servers: [] }, 'servers'],
    ['a server that is not ws:// or wss://', { servers: ['http://127.0.0.1:1'] }, 'servers[0]'],
    ['an unknown option key', { servers: ['ws://127.0.0.1:1'], reconect: true }, 'reconect'],
  ];
  for (const [what, options, key] of cases) {
    test(`${what} throws ConfigurationError naming "${key}"`, async ({ openPage }) => {
      const page = await openPage();
      const result = await page.evaluate(async (opts) => window.vx.attempt(() => window.vx.create('x', opts)), options);
      expect(result.ok).toBe(false);
      expect(result.error).toMatchObject({ name: 'ConfigurationError', code: 'configuration', key, isVoxline: true });
      expect(result.error!.message).toContain(`"${key}"`);
    });
  }
});

/**
 * Importing Voxline on a server (SSR) must not touch browser globals: frameworks import the
 * package while rendering on Node, where `window`, `document` and `navigator` do not exist.
 */
import { afterEach, describe, expect, it } from 'vitest';

const BROWSER_GLOBALS = ['window', 'document', 'navigator', 'WebSocket', 'RTCPeerConnection', 'Worker'] as const;

describe('server-side import', () => {
  const touched: string[] = [];
  afterEach(() => {
    for (const name of BROWSER_GLOBALS) delete (globalThis as Record<string, unknown>)[name];
  });

  it('imports, constructs and destroys a Client without reading any browser global', async () => {
    for (const name of BROWSER_GLOBALS) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          touched.push(name);
          return undefined;
        },
      });
    }
    const sdk = await import('../src/index');
    const client = new sdk.Client({ servers: ['wss://sip.example.com'] });
    expect(client.connectionState).toBe('idle');
    client.destroy();
    expect(touched).toEqual([]);
  });
});

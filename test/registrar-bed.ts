/**
 * One setup for the unit tests that drive a real `Client` over the scripted {@link FakeRegistrar}:
 * a fresh registrar (and, by default, fake timers) before each test; every client made with
 * `newClient()` destroyed, timers cleared and globals restored after it.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { Client } from '../src/client/client';
import type { ClientOptions } from '../src/options';
import { FakeRegistrar } from './fake-registrar';

export interface RegistrarBed {
  /** The registrar of the running test. */
  readonly registrar: FakeRegistrar;
  /** A client on the registrar (`ws://registrar.test`, domain `voxline.test`, silent), destroyed after the test. */
  newClient(options?: Partial<ClientOptions>): Client;
}

/** Registers the hooks in the calling test file and returns the bed they fill. */
export function useRegistrarBed({ fakeTimers = true } = {}): RegistrarBed {
  let registrar: FakeRegistrar | null = null;
  const clients: Client[] = [];
  beforeEach(() => {
    if (fakeTimers) vi.useFakeTimers();
    registrar = new FakeRegistrar();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
    if (fakeTimers) {
      vi.clearAllTimers();
      vi.useRealTimers();
    }
    vi.unstubAllGlobals();
  });
  return {
    get registrar(): FakeRegistrar {
      if (!registrar) throw new Error('the registrar exists only inside a test');
      return registrar;
    },
    newClient(options = {}) {
      const client = new Client({ servers: ['ws://registrar.test'], domain: 'voxline.test', logLevel: 'silent', ...options });
      clients.push(client);
      return client;
    },
  };
}

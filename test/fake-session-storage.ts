/**
 * An in-memory `sessionStorage` for unit tests, with the failures a browser can produce on
 * demand: a full storage (`QuotaExceededError` on `setItem`), or one that refuses every access.
 * Kept across "reloads": give the same instance to the next `Client`.
 */

/** A DOMException-like error, as browsers throw it (Node has DOMException too). */
function domError(name: string, message: string): Error {
  return new DOMException(message, name);
}

export class FakeSessionStorage implements Storage {
  readonly map = new Map<string, string>();
  /** Every `setItem` call, in order (key and value), including refused ones. */
  readonly writes: Array<[string, string]> = [];
  /** `setItem` throws `QuotaExceededError` while true. */
  full = false;
  /** Every method throws `SecurityError` while true. */
  denied = false;

  get length(): number {
    return this.map.size;
  }

  key(index: number): string | null {
    this.check();
    return [...this.map.keys()][index] ?? null;
  }

  getItem(key: string): string | null {
    this.check();
    return this.map.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.check();
    this.writes.push([key, value]);
    if (this.full) throw domError('QuotaExceededError', "Failed to execute 'setItem' on 'Storage': exceeded the quota.");
    this.map.set(key, String(value));
  }

  removeItem(key: string): void {
    this.check();
    this.map.delete(key);
  }

  clear(): void {
    this.check();
    this.map.clear();
  }

  /** Everything stored, keys and values, as one string (to search it for secrets). */
  dump(): string {
    return [...this.map].map(([k, v]) => `${k}=${v}`).join('\n');
  }

  private check(): void {
    if (this.denied) throw domError('SecurityError', 'The operation is insecure.');
  }
}

/** A page's `pagehide` for tests: `fire()` calls what the code under test registered. */
export class FakePageEvents {
  readonly listeners = new Set<() => void>();

  addEventListener = (type: string, listener: () => void): void => {
    if (type === 'pagehide') this.listeners.add(listener);
  };

  removeEventListener = (type: string, listener: () => void): void => {
    if (type === 'pagehide') this.listeners.delete(listener);
  };

  fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

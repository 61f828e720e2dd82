/**
 * Browser signals about the network and the page lifecycle, turned into three calls on the
 * transport: the network went away, it came back, or the link deserves a check (a page restored
 * from the back/forward cache, resumed after being frozen, or made visible again).
 * Attaches nothing outside a browser (SSR-safe) and nothing at import time.
 */

/** What the monitor calls. */
export interface LifecycleHandlers {
  offline(): void;
  online(): void;
  check(): void;
}

/** Starts listening; returns a function that stops. */
export function watchBrowserLifecycle(handlers: LifecycleHandlers): () => void {
  const win = (globalThis as { window?: Window }).window;
  const doc = (globalThis as { document?: Document }).document;
  if (!win || typeof win.addEventListener !== 'function') return () => undefined;
  const onOffline = (): void => handlers.offline();
  const onOnline = (): void => handlers.online();
  const onPageShow = (ev: Event): void => {
    if ((ev as PageTransitionEvent).persisted) handlers.check();
  };
  const onResume = (): void => handlers.check();
  const onVisibility = (): void => {
    if (doc?.visibilityState === 'visible') handlers.check();
  };
  win.addEventListener('offline', onOffline);
  win.addEventListener('online', onOnline);
  win.addEventListener('pageshow', onPageShow);
  doc?.addEventListener('resume', onResume);
  doc?.addEventListener('visibilitychange', onVisibility);
  return () => {
    win.removeEventListener('offline', onOffline);
    win.removeEventListener('online', onOnline);
    win.removeEventListener('pageshow', onPageShow);
    doc?.removeEventListener('resume', onResume);
    doc?.removeEventListener('visibilitychange', onVisibility);
  };
}

/**
 * The SDK as the page sees it: the global `Voxline` defined by `voxline.iife.min.js` (a plain
 * script tag), typed with the package's own bundled declarations. Nothing here reaches into the
 * SDK's sources: the demo uses the built package only.
 */
import type * as VoxlineSdk from 'voxline';

export type {
  AudioDevice,
  AudioDeviceList,
  Call,
  CallEnd,
  CallStats,
  Client,
  ConnectionChange,
  IncomingTextMessage,
  MessageStatus as SentMessageStatus,
  PreflightReport,
  PreflightStep,
  QualityWarning,
  ReconnectAttempt,
} from 'voxline';

declare global {
  interface Window {
    Voxline?: typeof VoxlineSdk;
  }
}

/** The loaded SDK; throws a readable error when its script did not load. */
export function sdk(): typeof VoxlineSdk {
  const loaded = window.Voxline;
  if (!loaded) throw new Error('The Voxline SDK (voxline.iife.min.js) did not load; check that it sits next to index.html.');
  return loaded;
}

/** Plain words for the SIP answers users actually meet. */
const SIP_STATUS: Record<number, string> = {
  403: 'The server does not allow this.',
  404: 'No such user.',
  408: 'That user did not answer in time.',
  480: 'That user is not online.',
  486: 'That user is busy.',
  503: 'The server is not available right now.',
  604: 'No such user.',
};

/** A short human sentence for any error the SDK may raise, keyed by its stable `code`. */
export function describeError(err: unknown): string {
  if (err instanceof TypeError && /target/.test(err.message)) return 'That is not a valid address. Use a name such as bob, or bob@example.com.';
  const e = err as { code?: string; status?: number; message?: string; key?: string } | null;
  switch (e?.code) {
    case 'authentication':
      return 'Wrong user name or password.';
    case 'connection':
      return 'Could not reach the server. Check the server URL and that it accepts WebSockets.';
    case 'configuration':
      return e.key === 'servers[0]' ? 'The server URL must start with ws:// or wss://.' : (e.message ?? 'Invalid setting.');
    case 'timeout':
      return 'The server did not answer in time.';
    case 'media':
      return `Microphone problem: ${e.message ?? 'it could not be opened'}.`;
    case 'sip':
      return SIP_STATUS[e.status ?? 0] ?? e.message ?? `The server refused (${e.status ?? '?'}).`;
    default:
      return e?.message ?? String(err);
  }
}

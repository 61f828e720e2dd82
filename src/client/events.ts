/**
 * The public event maps of {@link Client}, and the payloads they carry.
 */
import type { VoxlineError } from '../errors';
import type { DisconnectReason } from '../transport/types';
import type { ReconnectAttempt } from '../transport/websocket-transport';
import type { IncomingTextMessage, MessageStatus } from '../sip/messaging';
import type { Call } from './call';

export type { ReconnectAttempt, IncomingTextMessage, MessageStatus };

/**
 * State of the connection, as `client.connectionState` reports it; it always agrees with the
 * last `connectionchange` event.
 *
 * - `idle`: never connected, or logged out.
 * - `connecting`: opening the link for the first time.
 * - `connected`: the link is up (and, after an outage, registered again).
 * - `reconnecting`: the application was told `disconnected`; the SDK is trying to get back
 *   (a new socket may already be open while the REGISTER is renewed).
 * - `disconnected`: the link is down and the SDK is not trying (the first connect failed, or the
 *   reconnect policy gave up; `connect()` or `login()` tries again).
 * - `closed`: destroyed; terminal.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

/** The three connection changes an application is told about, each exactly once per change. */
export type ConnectionChangeState = 'connected' | 'disconnected' | 'reconnected';

/**
 * Payload of the `connectionchange` event.
 *
 * @example
 * ```ts
 * client.on('connectionchange', (e) => {
 *   badge.textContent = e.state === 'disconnected' ? `offline (${e.reason})` : 'online';
 * });
 * ```
 */
export interface ConnectionChange {
  /** The new state. */
  state: ConnectionChangeState;
  /** The state before this change; `null` for the first `connected`. */
  previous: ConnectionChangeState | null;
  /** Why the link was lost; set on `disconnected`. */
  reason?: DisconnectReason;
  /** WebSocket close code, when the socket closed with one. */
  code?: number;
  /** URL of the server in use (or last used). */
  server: string;
  /** `Date.now()` when the change was detected. */
  at: number;
  /** On `reconnected`: how long the link was down, in ms. */
  downtimeMs?: number;
}

/**
 * Events of {@link Client}. Listen with `client.on(name, listener)`; a listener that throws is
 * logged and never breaks the SDK.
 */
export interface ClientEvents {
  /**
   * The signalling link changed: `connected` (first time), `disconnected` (an open link was
   * lost), `reconnected` (back, and registered again if logged in). Exactly once per change.
   * @event
   */
  connectionchange: (change: ConnectionChange) => void;
  /**
   * A reconnection attempt is scheduled: fires once per attempt, with the attempt number, the
   * delay before it and the server it will use. (`connectionchange` fires once per outage.)
   * @event
   */
  reconnecting: (attempt: ReconnectAttempt) => void;
  /** The user is registered with the server (after `login()`, and after each re-registration following a loss). @event */
  registered: () => void;
  /** The registration ended (logout, refresh failure, or link loss). @event */
  unregistered: () => void;
  /**
   * Someone is calling: answer with `call.answer()`, decline with `call.reject()`. The caller
   * already hears ringing (180 sent).
   * @event
   */
  incomingcall: (call: Call) => void;
  /**
   * A call that was up when this tab's page reloaded is back (see the `resumeCalls` option):
   * after `login()` on the new page, the SDK restored the call's dialog, opened the microphone
   * and sent the far end a re-INVITE from this page; the audio returns as soon as it answers.
   * The call is in `client.calls` with its original `id`, `direction`, `remote` and
   * `answeredAt`, in the state it had (`answered` or `held`, muted if it was). If the far end no
   * longer knows the call, does not answer, or the page logged in after `callResumeWindowMs`,
   * the call then ends with reason `resume-failed`. Fires in tasks after `login()` resolved, so a
   * listener added before `login()` hears every resumed call. In shared mode (`sharedWorker`),
   * when other tabs of the app kept the worker alive the call never left it: only its audio is
   * renegotiated (a re-INVITE without offer in the same dialog, from our Contact with a new `vxh`
   * parameter so a WebRTC far end renews its peer connection), and the
   * call may still be `reconnecting` when this fires (then `reconnected` follows).
   * @event
   * @example
   * ```ts
   * client.on('callresumed', (call) => {
   *   showCallView(call.remote, call.answeredAt); // the timer goes on from the original answer
   *   call.on('ended', (e) => showEnded(e.reason)); // 'resume-failed' when it could not come back
   * });
   * await client.login('alice', password); // as on every page load
   * ```
   */
  callresumed: (call: Call) => void;
  /**
   * A text message arrived (SIP MESSAGE). It has already been answered 200.
   * @event
   */
  message: (message: IncomingTextMessage) => void;
  /**
   * A message sent with `sendMessage()` has its outcome: `delivered`, `failed` or `expired`,
   * once per message, with its id. Also fires, after `login()` on a reloaded page, for the
   * messages an earlier page of this tab left unconfirmed (`restored: true`; see the
   * `persistOutbox` option). Those outcomes come in tasks after `login()` resolved, so a
   * listener added before `login()`, or right after `await client.login()`, hears them all.
   * @event
   */
  messagestatus: (status: MessageStatus) => void;
  /** Something failed in the background, outside any promise the application holds. @event */
  error: (error: VoxlineError) => void;
  /**
   * Shared mode (`sharedWorker`): another tab of the app called `logout()`, which logs out every
   * tab sharing the link; this client is logged out too (show the sign-in form). @event
   */
  loggedout: () => void;
  /**
   * Shared mode (`sharedWorker`): the number of tabs sharing this client's link changed (a tab
   * connected or logged in, closed, or logged out); `tabs` counts this one too and equals
   * `client.sharedTabs`. Once per change, only while this client is on the link.
   * @event
   */
  tabschange: (change: { tabs: number }) => void;
}

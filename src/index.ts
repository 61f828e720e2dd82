/**
 * Voxline: voice calls and text messaging for any web page, over SIP on WebSocket.
 *
 * This is the package's only entry point; everything public is exported here, and the
 * `<script>` build exposes the same names on the global `Voxline`.
 *
 * @example
 * ```ts
 * import { Client } from 'voxline';
 * const client = new Client({ servers: ['wss://sip.example.com'] });
 * await client.login('alice', 'secret');
 * ```
 *
 * @packageDocumentation
 */
export { Client } from './client/client';
export type { CallOptions, LoginOptions } from './client/client';
export { Call } from './client/call';
export { preflight } from './client/preflight';
export type { AudioDevices, AudioDevice, AudioDeviceList, AudioDeviceEvents } from './client/audio';
export type { PreflightOptions, PreflightReport, PreflightStep, PreflightStepName } from './client/preflight';
export type { AnswerOptions, CallDirection, CallEnd, CallEndReason, CallEvents, CallParty, CallReconnected, CallReconnecting, CallState, CallStats, DtmfOptions, ReconnectReason } from './client/call';
export type { ClientEvents, ConnectionChange, ConnectionChangeState, ConnectionState, IncomingTextMessage, MessageStatus, ReconnectAttempt } from './client/events';
export type { MessageReceipt, MessageStatusKind, SendMessageOptions } from './sip/messaging';
export type { EventMap, SafeEmitter } from './client/safe-emitter';
export type { ClientOptions, KeepAliveOptions, QualityThresholds, ReconnectOptions } from './options';
export type { QualityWarning, QualityWarningName } from './client/quality-warnings';
export { DefaultReconnectPolicy } from './transport/reconnect-policy';
export type { ReconnectPolicy, ReconnectContext, DefaultReconnectPolicyOptions } from './transport/reconnect-policy';
export type { KeepAliveStrategy } from './transport/keep-alive';
export { VERSION } from './options';
export type { LeveledLogger, LogLevel, LogSink, VoxlineLogger } from './logger';
export type { DisconnectReason } from './transport/types';
export {
  VoxlineError,
  ConfigurationError,
  InvalidStateError,
  ConnectionError,
  AuthenticationError,
  TimeoutError,
  SipError,
  MediaError,
  CancelledError,
  LimitError,
} from './errors';
export type { VoxlineErrorCode, VoxlineErrorOptions } from './errors';

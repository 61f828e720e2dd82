/**
 * Compile-only test of the public types, written the way an application would use them.
 * `npm run typecheck` compiles it; a line marked `@ts-expect-error` fails the build if the
 * error it expects disappears, so the API cannot silently loosen.
 */
import {
  AuthenticationError,
  Client,
  ConfigurationError,
  ConnectionError,
  InvalidStateError,
  SipError,
  TimeoutError,
  VoxlineError,
  Call,
  DefaultReconnectPolicy,
  MediaError,
  CancelledError,
  LimitError,
  type CallEnd,
  type CallReconnecting,
  type CallReconnected,
  type CallState,
  type LoginOptions,
  type VoxlineLogger,
  type QualityWarning,
  preflight,
  type PreflightReport,
  type PreflightStep,
  type AudioDevice,
  type QualityWarningName,
  type CallStats,
  type ClientOptions,
  type IncomingTextMessage,
  type ReconnectPolicy,
  type ConnectionChange,
  type ConnectionState,
  type VoxlineErrorCode,
  type MessageReceipt,
  type MessageStatus,
  type MessageStatusKind,
  type SendMessageOptions,
} from 'voxline';

const options: ClientOptions = { servers: ['wss://sip.example.com'], domain: 'example.com', logLevel: 'info', iceTransportPolicy: 'relay' };
// @ts-expect-error iceTransportPolicy is 'all' or 'relay'
const badPolicy: ClientOptions = { servers: ['wss://sip.example.com'], iceTransportPolicy: 'none' };
void badPolicy;
const client = new Client(options);

client.on('connectionchange', (change: ConnectionChange) => {
  const state: 'connected' | 'disconnected' | 'reconnected' = change.state;
  const server: string = change.server;
  const at: number = change.at;
  const downtime: number | undefined = change.downtimeMs;
  void [state, server, at, downtime, change.reason, change.code, change.previous];
});
client.on('registered', () => undefined);
client.on('error', (err) => {
  const code: VoxlineErrorCode = err.code;
  void code;
});

async function flow(): Promise<void> {
  await client.connect();
  await client.login('alice', 'secret');
  const registered: boolean = client.registered;
  const state: ConnectionState = client.connectionState;
  const user: string | null = client.user;
  void [registered, state, user];
  await client.logout();
  client.destroy();
}
void flow;

function classify(err: unknown): string {
  if (err instanceof ConfigurationError) return err.key;
  if (err instanceof AuthenticationError) return String(err.status);
  if (err instanceof SipError) return `${err.status} ${err.reason}`;
  if (err instanceof TimeoutError) return String(err.timeoutMs);
  if (err instanceof ConnectionError) return err.server ?? '';
  if (err instanceof InvalidStateError) return err.message;
  if (err instanceof VoxlineError) return err.code;
  return 'unknown';
}
void classify;

const policy: ReconnectPolicy = { nextDelayMs: ({ attempt }) => (attempt < 5 ? 1000 : null) };
new Client({ servers: ['wss://x'], reconnect: { policy }, keepAlive: { idleMs: 5000, timeoutMs: 3000 }, messageTimeoutMs: 10_000 });
new Client({ servers: ['wss://x'], reconnect: false, keepAlive: false });
// Shared mode (#16): the worker script's URL, as a string or a URL; `shared` and `loggedout`.
new Client({ servers: ['wss://x'], sharedWorker: '/js/voxline.worker.js' });
new Client({ servers: ['wss://x'], sharedWorker: new URL('https://app.example/voxline.worker.js') });
// @ts-expect-error -- not a URL
new Client({ servers: ['wss://x'], sharedWorker: 42 });
{
  const shared: boolean = client.shared;
  client.on('loggedout', () => undefined);
  // @ts-expect-error -- read-only
  client.shared = true;
  void shared;
}
// Shared mode: how many tabs share the link, and its change event.
{
  const tabs: number = client.sharedTabs;
  client.on('tabschange', (change) => {
    const count: number = change.tabs;
    // @ts-expect-error -- the payload carries the count only
    void change.users;
    void count;
  });
  // @ts-expect-error -- read-only
  client.sharedTabs = 2;
  void tabs;
}
new Client({ servers: ['wss://x'], reconnect: { maxAttempts: 10, maxDelayMs: 10_000 } });
const defaultPolicy: ReconnectPolicy = new DefaultReconnectPolicy({ fastRetryWindowMs: 5000 });
void defaultPolicy;
client.on('reconnecting', ({ attempt, delayMs, server }) => void [attempt + delayMs, server.length]);
client.on('message', (m: IncomingTextMessage) => void [m.from, m.body, m.contentType, m.at]);
client.on('incomingcall', async (call: Call) => {
  const user: string = call.remote.user;
  void user;
  call.on('ended', (end: CallEnd) => {
    const reason: 'local-hangup' | 'remote-hangup' | 'rejected' | 'busy' | 'not-found' | 'canceled' | 'unavailable' | 'connection-lost' | 'resume-failed' | 'answered-elsewhere' | 'failed' = end.reason;
    void [reason, end.status];
  });
  call.on('dtmf', ({ tone }) => void tone.length);
  call.on('reconnecting', (e: CallReconnecting) => {
    const why: 'network' | 'signalling' | 'no-inbound-audio' | 'tab-closed' = e.reason;
    const at: number = e.at;
    void [why, at];
  });
  call.on('reconnected', ({ at, downtimeMs }: CallReconnected) => void (at + downtimeMs));
  call.on('remotehold', () => undefined);
  call.on('remoteresume', () => undefined);
  // @ts-expect-error reconnecting's reason is a closed set
  call.on('reconnecting', (e: { reason: 'flaky' }) => void e);
  // @ts-expect-error remotehold has no payload
  call.on('remotehold', (e: { held: boolean }) => void e);
  const state: CallState = call.state;
  if (state === 'reconnecting') void state;
  await call.answer({ audio: { echoCancellation: true } });
});

async function calling(): Promise<void> {
  const call: Call = await client.call('bob', { headers: { 'X-Ticket': '42' } });
  call.on('transferred', (next: Call) => void next.id);
  call.mute();
  await call.hold();
  await call.unhold();
  const sent: { method: 'rtp' | 'info' } = await call.sendDtmf('123#', { method: 'info' });
  void sent;
  // @ts-expect-error sendDtmf says which method it used, never anything else
  const wrongMethod: 'auto' = (await call.sendDtmf('1')).method;
  void wrongMethod;
  call.on('ringing', (e: { earlyMedia: boolean }) => void e.earlyMedia);
  // @ts-expect-error the ringing payload is { earlyMedia }, not a string
  call.on('ringing', (e: string) => void e);
  await call.transfer('carol');
  const stats: CallStats = await call.getStats();
  const mos: number | null = stats.mos;
  void mos;
  const stream: MediaStream | null = call.remoteStream;
  void stream;
  await client.sendMessage('bob', 'hello', { contentType: 'text/plain' });
  // @ts-expect-error DTMF method is a closed set
  await call.sendDtmf('1', { method: 'sms' });
  // @ts-expect-error a call state is not a number
  const n: number = call.state;
  void n;
}
void calling;
void MediaError;

// @ts-expect-error servers is required
new Client({});
new Client({ servers: ['ws://x'], callRecoveryTimeoutMs: 5_000 });
// @ts-expect-error callRecoveryTimeoutMs is a number of ms
new Client({ servers: ['ws://x'], callRecoveryTimeoutMs: '5s' });
// @ts-expect-error unknown option keys are rejected at compile time too
new Client({ servers: ['ws://x'], sever: 1 });
// @ts-expect-error logLevel is a closed set
new Client({ servers: ['ws://x'], logLevel: 'loud' });
// @ts-expect-error unknown events do not type-check
client.on('connectionchanged', () => undefined);
// @ts-expect-error the listener's payload is typed
client.on('connectionchange', (change: { state: number }) => change);

// Cancelling a login, a logger sink, the new connection state and error codes.
const abort = new AbortController();
const loginOptions: LoginOptions = { signal: abort.signal };
void client.login('alice', 'secret', loginOptions).catch((err: unknown) => {
  if (err instanceof CancelledError) return err.code satisfies 'cancelled' | VoxlineErrorCode;
  if (err instanceof LimitError) return err.limit;
  return undefined;
});
const sink: VoxlineLogger = (level, namespace, message) => void [level, namespace, message];
new Client({ servers: ['wss://x'], logger: sink, maxQueuedMessages: 100, maxIncomingCalls: 2, keepAlive: { worker: false } });
new Client({ servers: ['wss://x'], logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
const reconnectingState: ConnectionState = 'reconnecting';
new Client({ servers: ['wss://x'], qualityThresholds: { rttMs: 300, packetLossPercent: 5 } });
async function quality(call: Call): Promise<void> {
  call.on('warning', (w: QualityWarning) => {
    const name: QualityWarningName = w.name;
    void [name, w.value, w.threshold, w.at];
  });
  call.on('warningcleared', (w) => void w.name);
  const active: QualityWarning[] = call.warnings;
  void active;
  // @ts-expect-error warning names are a closed set
  const bad: QualityWarningName = 'too-loud';
  void bad;
}
void quality;
void reconnectingState;
const count: number = client.listenerCount('connectionchange');
void count;
client.off('registered', () => undefined);
client.once('unregistered', () => undefined);

// @ts-expect-error applications listen; only the SDK emits
client.emit('connectionchange', { state: 'connected', previous: null, server: 'x', at: 0 });
// @ts-expect-error calls come from the client, never from `new`
new Call();

async function setupCheck(): Promise<void> {
  const report: PreflightReport = await preflight({ servers: ['wss://x'], user: 'alice', password: 'pw', timeoutMs: 5000, onProgress: (step: PreflightStep) => void [step.name, step.ok, step.skipped, step.message, step.figures, step.code] });
  const failed: string[] = report.steps.filter((s) => !s.ok && !s.skipped).map((s) => s.name);
  void failed;
  // @ts-expect-error user and password are required
  await preflight({ servers: ['wss://x'] });
}
void setupCheck;

async function devices(): Promise<void> {
  const { inputs, outputs } = await client.audio.listDevices();
  const first: AudioDevice | undefined = inputs[0];
  await client.audio.setInputDevice(first?.deviceId ?? null);
  await client.audio.setOutputDevice(outputs[0]?.deviceId ?? null);
  const selected: string | null = client.audio.inputDeviceId ?? client.audio.outputDeviceId;
  void selected;
  client.audio.on('devicelost', ({ kind, device }) => void [kind satisfies 'input' | 'output', device.label]);
  client.audio.on('devicechange', (list) => void list.inputs.length);
  // @ts-expect-error a device id is a string or null
  await client.audio.setInputDevice(3);
}
void devices;

async function messagesAcrossReloads(): Promise<void> {
  new Client({ servers: ['wss://x'], persistOutbox: false });
  // @ts-expect-error persistOutbox is a boolean
  new Client({ servers: ['wss://x'], persistOutbox: 'no' });
  client.on('messagestatus', (s: MessageStatus) => {
    const kind: 'delivered' | 'failed' | 'expired' = s.status;
    const code: VoxlineErrorCode | undefined = s.error?.code;
    void [kind, code, s.id.length, s.to.length, s.body.length, s.restored satisfies boolean, s.at + 1];
  });
  const options: SendMessageOptions = { id: 'chat-42', contentType: 'text/plain' };
  const receipt: MessageReceipt = await client.sendMessage('bob', 'hi', options);
  const id: string = receipt.id;
  // Existing callers that ignore the result still compile.
  const done: Promise<void> = client.sendMessage('bob', 'hi').then(() => undefined);
  void [id, done];
  // @ts-expect-error the status is a closed set
  const wrong: MessageStatusKind = 'sent';
  void wrong;
  // @ts-expect-error an id is a string
  await client.sendMessage('bob', 'hi', { id: 42 });
}
void messagesAcrossReloads;

/** #15: calls survive a reload of the page (`callresumed`, `answeredAt`, `resume-failed`). */
async function callsAcrossReloads(): Promise<void> {
  new Client({ servers: ['wss://x'], resumeCalls: false });
  new Client({ servers: ['wss://x'], callResumeWindowMs: 10_000 });
  // @ts-expect-error resumeCalls is a boolean
  new Client({ servers: ['wss://x'], resumeCalls: 1 });
  // @ts-expect-error callResumeWindowMs is a number
  new Client({ servers: ['wss://x'], callResumeWindowMs: '30s' });
  client.on('callresumed', (call: Call) => {
    const answeredAt: number | null = call.answeredAt;
    const facts: [string, 'outgoing' | 'incoming', string] = [call.id, call.direction, call.remote.uri];
    call.on('ended', (end: CallEnd) => {
      const failed: boolean = end.reason === 'resume-failed';
      void failed;
    });
    void [answeredAt, facts];
  });
  const reason: CallEnd['reason'] = 'resume-failed';
  // @ts-expect-error answeredAt is read-only
  client.calls[0]!.answeredAt = 1;
  await client.login('alice', 'pw');
  void reason;
}
void callsAcrossReloads;

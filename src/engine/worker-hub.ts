/**
 * Shared mode, the worker's side (#16): many tabs, few engines. Each tab's `Client` talks to the
 * hub over its own port (protocol.ts); tabs whose options match share one {@link Engine}, so one
 * WebSocket and one registration serve them all. Each tab keeps the view a single-tab client has:
 *
 * ```txt
 *   tab ──hello{options}──▶ attached (idle: no events)
 *        ──connect()─────▶ joined: connectionchange/reconnecting/error from now on; a link that is
 *                          already up gives this tab its own `connected` at once
 *        ──login(user)───▶ logged in: + registered/unregistered/message; when the engine is
 *                          already logged in as `user` (same password) it resolves at once, with
 *                          its own `registered`; another user gets another engine (its own link)
 *        ──logout()──────▶ the engine logs out (unREGISTER, link closed): every other tab of that
 *                          engine gets `loggedout` and is back to idle
 *        ──bye / destroy() / tab gone (its Web Lock released)──▶ detached; the last tab of an
 *                          engine takes it down: unREGISTER while the link is up, then closed (not
 *                          while calls wait for their reloaded tab: then when the last one ended)
 * ```
 * Whenever the number of joined tabs of an engine changes, each joined tab whose count moved gets
 * one `tabschange` (`tellTabs`); a tab that logs out or is logged out reads 1 again, without an event.
 * `messagestatus` goes to the tab that sent the message, or to the page that claims it back after
 * a reload of that tab (worker-outbox.ts). Calls: see worker-calls.ts (each call's media lives in
 * the tab that placed or answered it; every logged-in tab sees and rings; a call survives a
 * reload of its tab: call-claims.ts).
 */
import { Grammar } from 'sip.js';
import { AuthenticationError, InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import { newMessageId, type MessageStatus } from '../sip/messaging';
import type { ChannelPort } from './direct-channel';
import type { CallMediaOpener } from '../sip/calls';
import type { Engine } from './engine';
import { resumeWindowOf } from './call-claims';
import { callSnapshot, WorkerCalls, type CallTab } from './worker-calls';
import { WorkerOutbox } from './worker-outbox';
import { encodeError, encodeValue, mismatchReason, PROTOCOL_VERSION, readPageMessage, type EngineCommand, type EngineMessage, type EngineSnapshot, type ForwardedClientEvent } from './protocol';

/** One tab, as the hub sees it. */
interface Tab extends CallTab {
  options: Record<string, unknown>;
  shared: SharedEngine | null;
  /** connect() or login() ran: link events reach this tab. */
  joined: boolean;
  /** The user this tab logged in as (or is logging in as): registration and messages reach it. */
  user: string | null;
  /** The tab count this tab was last told (`tabschange`); 1 while it is not joined. */
  told: number;
}

/** One engine and the tabs on it. */
interface SharedEngine {
  readonly key: string;
  readonly engine: Engine;
  readonly tabs: Set<Tab>;
  /** The login the engine runs or ran: who, with which password, and its outcome. */
  login: { user: string; password: string; done: Promise<unknown>; by: Tab } | null;
  /** Sent messages → the tab that hears each `messagestatus`; what a reloaded tab claims back. */
  readonly outbox: WorkerOutbox<Tab>;
  readonly calls: WorkerCalls;
}

/** What the hub needs from its host (the worker entry, or a test). */
export interface WorkerHubHost {
  /** A new engine for a tab's options (already validated by the tab), its calls' media opened by `openMedia`. */
  createEngine(options: Record<string, unknown>, openMedia: CallMediaOpener): Engine;
  logger: Logger;
  /** Calls `gone` once the tab holding the Web Lock `name` is gone (closed, crashed). */
  whenGone?(name: string, gone: () => void): void;
}

const LINK_EVENTS: ReadonlySet<ForwardedClientEvent> = new Set(['connectionchange', 'reconnecting', 'error']);

export class WorkerHub {
  private readonly engines = new Set<SharedEngine>();
  private tabIds = 0;

  constructor(private readonly host: WorkerHubHost) {}

  /** Number of engines (links) running now. */
  get engineCount(): number {
    return this.engines.size;
  }

  /** A new tab's port. */
  attach(port: ChannelPort): void {
    const tab: Tab = { id: ++this.tabIds, port, options: {}, shared: null, joined: false, user: null, told: 1 };
    port.onmessage = ({ data }) => {
      const message = readPageMessage(data, (line) => this.host.logger.warn(line));
      if (!message) return;
      if ('mismatch' in message) {
        this.host.logger.error(mismatchReason(message.version));
        return this.post(tab, { voxline: PROTOCOL_VERSION, kind: 'rejected', reason: mismatchReason(message.version) });
      }
      if (message.kind === 'hello') {
        tab.options = message.options ?? {};
        if (message.tab) this.host.whenGone?.(message.tab, () => this.detach(tab, false, true));
        return this.post(tab, { voxline: PROTOCOL_VERSION, kind: 'welcome' });
      }
      if (message.kind === 'bye') return this.detach(tab, false, true);
      if (message.kind !== 'command') return tab.shared?.calls.receive(tab, message);
      const { seq, command } = message;
      this.run(tab, command).then(
        (value) => this.post(tab, { voxline: PROTOCOL_VERSION, kind: 'reply', seq, ok: true, value: encodeValue(value), state: this.snapshot(tab) }),
        (err: unknown) => this.post(tab, { voxline: PROTOCOL_VERSION, kind: 'reply', seq, ok: false, error: encodeError(err), state: this.snapshot(tab) }),
      );
    };
  }

  private async run(tab: Tab, command: EngineCommand): Promise<unknown> {
    switch (command.op) {
      case 'connect': {
        const shared = tab.shared ?? this.engineFor(tab, null);
        this.join(tab, shared);
        return shared.engine.run(command);
      }
      case 'login':
        return this.login(tab, command.user, command.password, command.claims);
      case 'cancel-login': {
        const login = tab.shared?.login;
        // Only the tab that started the login, and only while no other tab waits on it.
        if (login?.by === tab && [...tab.shared!.tabs].every((t) => t === tab || t.user !== login.user)) return tab.shared!.engine.run(command);
        return undefined;
      }
      case 'logout':
        return this.logout(tab);
      case 'send-message': {
        const shared = tab.shared;
        if (!shared || tab.user === null) throw new InvalidStateError('sendMessage() called before login(); log in first');
        const id = command.id ?? newMessageId();
        shared.outbox.sent(id, tab);
        return shared.engine.run({ ...command, id });
      }
      case 'restore-messages':
        if (!tab.shared || tab.user === null) throw new InvalidStateError('restore-messages before login()');
        return tab.shared.outbox.claim(tab, command.messages, tab.shared.engine.userAgent?.messaging ?? null);
      case 'round-trip':
        if (!tab.shared) throw new InvalidStateError('not connected');
        return tab.shared.engine.run(command);
      case 'destroy':
        return this.detach(tab);
      case 'call': {
        const ua = tab.user === null ? null : tab.shared?.engine.userAgent;
        if (!ua) throw new InvalidStateError('call() called before login(); log in first');
        const uri = Grammar.URIParse(command.target);
        if (!uri) throw new TypeError(`call(target): ${command.target} is not a SIP URI`);
        const { audio, streamId, playRemoteAudio } = command;
        return callSnapshot(await ua.calls.place(uri, command.headers, { ...(audio && { audio }), playRemoteAudio, tab: { id: tab.id, ...(streamId !== undefined && { streamId }) } }));
      }
      case 'call-op':
        if (!tab.shared) throw new InvalidStateError(`${command.method}(): not logged in`);
        return tab.shared.calls.run(tab, tab.shared.engine.userAgent?.calls, command);
    }
  }

  private async login(tab: Tab, user: string, password: string, claims?: readonly unknown[]): Promise<void> {
    for (const s of this.engines) if (s.login && !s.engine.loggingIn && s.engine.snapshot.user === null) s.login = null; // logged out by itself (credentials refused)
    let shared = [...this.engines].find((s) => s.key === this.keyOf(tab) && s.login?.user === user);
    if (shared && shared.login!.password !== password) throw new AuthenticationError(`login() as "${user}": another tab is logged in as this user with another password`);
    shared ??= this.engineFor(tab, user);
    if (tab.shared !== shared) this.detach(tab, true);
    this.join(tab, shared);
    tab.user = user;
    try {
      if (!shared.login) shared.login = { user, password, by: tab, done: shared.engine.run({ op: 'login', user, password }) };
      else if (shared.engine.snapshot.registered) this.post(tab, this.event(tab, 'registered'));
      await shared.login.done;
      shared.calls.greet(tab);
      shared.calls.claims?.claim(tab, claims);
    } catch (err) {
      if (shared.login?.user === user) shared.login = null;
      tab.user = null;
      throw err;
    }
  }

  private async logout(tab: Tab): Promise<void> {
    const shared = tab.shared;
    if (!shared) return;
    if (tab.user === null) {
      // Not logged in: this tab leaves the link to the others (the last one closes it).
      tab.joined = false;
      tab.told = 1;
      this.tellTabs(shared);
      if ([...shared.tabs].every((t) => !t.joined)) await shared.engine.run({ op: 'logout' });
      return;
    }
    shared.login = null;
    shared.engine.userAgent?.calls.terminateAll(); // every tab sees its calls end (local-hangup)
    for (const other of shared.tabs) {
      const wasIn = other.user !== null;
      other.joined = false;
      other.told = 1;
      other.user = null;
      if (other !== tab && wasIn) this.post(other, this.event(other, 'loggedout'));
    }
    await shared.engine.run({ op: 'logout' });
  }

  /** The engine a tab should use: its own, or one for its options that is free for `user`, or a new one. */
  private engineFor(tab: Tab, user: string | null): SharedEngine {
    if (tab.shared && (user === null || tab.shared.login === null)) return tab.shared;
    const key = this.keyOf(tab);
    const free = [...this.engines].find((s) => s.key === key && (user === null || s.login === null));
    if (free) return free;
    const tabs = new Set<Tab>();
    const calls = new WorkerCalls(() => tabs, this.host.logger, { windowMs: resumeWindowOf(tab.options), idle: () => this.release(shared) });
    const engine = this.host.createEngine(tab.options, calls.open);
    const outbox = new WorkerOutbox<Tab>((t, status) => this.post(t, this.event(t, 'messagestatus', status)));
    const shared: SharedEngine = { key, engine, tabs, login: null, outbox, calls };
    engine.listen({
      userAgent: (ua) => calls.attach(ua.calls, ua.core.userAgentCore),
      event: (name, payload) => this.broadcast(shared, name, payload),
      changed: () => {
        for (const t of shared.tabs) if (t.joined) this.post(t, { voxline: PROTOCOL_VERSION, kind: 'state', state: this.snapshot(t) });
      },
    });
    this.engines.add(shared);
    return shared;
  }

  /** `tab` takes part in `shared`'s link events; a link already up gives it its own `connected`. */
  private join(tab: Tab, shared: SharedEngine): void {
    shared.tabs.add(tab);
    tab.shared = shared;
    if (tab.joined) return;
    tab.joined = true;
    const state = shared.engine.snapshot;
    if (state.connectionState === 'connected') this.post(tab, this.event(tab, 'connectionchange', { state: 'connected', previous: null, server: state.server, at: Date.now() }));
    this.tellTabs(shared);
  }

  /** The tabs that take part in `shared`'s link (joined). */
  private joinedTabs(shared: SharedEngine): Tab[] {
    return [...shared.tabs].filter((t) => t.joined);
  }

  /** Tells each joined tab of `shared` how many tabs share the link now: one `tabschange` per change. */
  private tellTabs(shared: SharedEngine): void {
    const joined = this.joinedTabs(shared);
    for (const tab of joined) {
      if (tab.told === joined.length) continue;
      tab.told = joined.length;
      this.post(tab, this.event(tab, 'tabschange', { tabs: joined.length }));
    }
  }

  /** The tab leaves its engine (`keepCalls`: it may come back, reloaded, for its calls); the last tab takes the engine down. */
  private detach(tab: Tab, keepTab = false, keepCalls = false): void {
    const shared = tab.shared;
    if (!shared) return;
    shared.tabs.delete(tab);
    tab.shared = null;
    tab.joined = false;
    tab.user = null;
    if (!keepTab) tab.port.onmessage = null;
    shared.calls.detach(tab, keepCalls);
    shared.outbox.detach(tab);
    this.tellTabs(shared);
    this.release(shared);
  }

  /** An engine without tabs, and without calls waiting for their tab, is taken down (unREGISTER first while possible). */
  private release(shared: SharedEngine): void {
    if (shared.tabs.size > 0 || shared.calls.claims?.waiting || !this.engines.has(shared)) return;
    this.engines.delete(shared);
    void shared.engine
      .run({ op: 'logout' })
      .catch(() => undefined)
      .then(() => shared.engine.destroy());
  }

  private broadcast(shared: SharedEngine, name: ForwardedClientEvent, payload: unknown): void {
    if (name === 'messagestatus') return shared.outbox.settled(payload as MessageStatus);
    for (const tab of shared.tabs) {
      if (LINK_EVENTS.has(name) ? tab.joined : tab.user !== null) this.post(tab, this.event(tab, name, payload));
    }
  }

  private event(tab: Tab, name: ForwardedClientEvent, payload?: unknown): EngineMessage {
    return { voxline: PROTOCOL_VERSION, kind: 'event', name, payload: encodeValue(payload), state: this.snapshot(tab) };
  }

  /** What this tab's getters show: idle until it joins, its own user only once it logs in. */
  private snapshot(tab: Tab): EngineSnapshot {
    const state = tab.shared?.engine.snapshot;
    const servers = tab.options.servers;
    const server = state?.server ?? (Array.isArray(servers) && typeof servers[0] === 'string' ? servers[0] : '');
    if (!state || !tab.joined) return { connectionState: 'idle', registered: false, user: null, server, tabs: 1 };
    const mine = tab.user !== null && state.user === tab.user;
    return { connectionState: state.connectionState, registered: mine && state.registered, user: mine ? tab.user : null, server, tabs: this.joinedTabs(tab.shared!).length };
  }

  /** Tabs share an engine when their options agree (the log level aside). */
  private keyOf(tab: Tab): string {
    const { logLevel: _level, ...rest } = tab.options;
    return JSON.stringify(rest);
  }

  private post(tab: Tab, message: EngineMessage): void {
    tab.port.postMessage(message);
  }
}

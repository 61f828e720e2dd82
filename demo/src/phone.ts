/**
 * The phone: places and receives calls through the public `Client`/`Call` API and keeps the
 * dialer, the in-call screen, the incoming panel, the sounds, the quality chart and the quality
 * warning chips in step. Calls use the microphone and speaker chosen through `client.audio` and
 * play the remote audio through the SDK's own `<audio>` element.
 *
 * ```txt
 *   idle ──dial──▶ dialing ──client.call()──▶ connecting ──180/183──▶ ringing ──200──▶ answered ⇄ held
 *                        ringing: the far end's early media when it sends some, else our ringback tone
 *   idle ──incomingcall──▶ incoming panel ──Answer──▶ answering ──▶ answered
 *   idle ──callresumed (after a reload of the page)──▶ answered / held, timer from the original answer
 *                                        └─Decline / caller cancels──▶ idle
 *   any call state ──ended──▶ "Call ended" for 2 s ──▶ idle
 * ```
 * One call at a time: a second incoming call while busy is declined (486) and listed as missed.
 */
import { CallLog } from './call-log';
import { CallView, endText } from './call-view';
import type { Devices } from './devices';
import { Dialer } from './dialer';
import { formatSpan } from './dom';
import { IncomingPanel } from './incoming-panel';
import { QualityChart } from './quality-chart';
import { QualityMonitor } from './quality-monitor';
import { describeError, type Call, type CallEnd, type Client } from './sdk';
import { toast } from './toasts';
import type { Tones } from './tones';
import { WarningChips } from './warning-chips';

interface ActiveCall {
  call: Call | null;
  name: string;
  answeredAt: number | null;
  monitor: QualityMonitor | null;
  /** DTMF tones are sent one after the other, in key order. */
  dtmf: Promise<void>;
  /** Hang-up pressed before `client.call()` resolved. */
  abandoned: boolean;
  /** Already listed in the recent calls. */
  recorded: boolean;
}

function activeCall(name: string): ActiveCall {
  return { call: null, name, answeredAt: null, monitor: null, dtmf: Promise.resolve(), abandoned: false, recorded: false };
}

/** Why a call's audio path went down, for the timeline. */
const RECONNECT_REASONS: Record<string, string> = {
  network: 'the network changed or dropped',
  signalling: 'the network dropped (server link too)',
  'no-inbound-audio': 'no audio arriving',
  'tab-closed': 'the tab holding the call closed or reloaded',
};

export interface PhoneDeps {
  client: Client;
  user: string;
  tones: Tones;
  devices: Devices;
  /** Brings the phone tab to the front (small screens). */
  showPhone(): void;
  /** The status tab's timeline, where call incidents go next to link incidents. */
  timeline: { callIncident(down: boolean, label: string, detail: string, at: number): void };
  /** Aborted at sign-out: removes the page listeners. */
  signal: AbortSignal;
}

export class Phone {
  private readonly view: CallView;
  private readonly dialer: Dialer;
  private readonly incoming: IncomingPanel;
  private readonly chart = new QualityChart();
  private readonly warnings = new WarningChips();
  private current: ActiveCall | null = null;
  private ringing: Call | null = null;
  private readonly log: CallLog;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: PhoneDeps) {
    this.dialer = new Dialer({ call: (target) => void this.dial(target), key: (key) => deps.tones.key(key) }, deps.signal);
    this.view = new CallView({
      mute: () => this.toggleMute(),
      hold: () => void this.toggleHold(),
      dtmf: (key) => this.sendDtmf(key),
      transfer: (target) => void this.transfer(target),
      hangup: () => void this.hangup(),
    }, deps.signal);
    this.incoming = new IncomingPanel({ answer: () => void this.answer(), decline: () => void this.decline() }, deps.signal);
    this.log = new CallLog(deps.user, this.dialer);
    deps.client.on('incomingcall', (call) => this.onIncoming(call));
    deps.client.on('callresumed', (call) => this.onResumed(call));
  }

  async dial(target: string): Promise<void> {
    if (this.current) return toast('Finish the current call first.', 'error');
    this.deps.tones.unlock();
    const active = activeCall(target);
    this.begin(active, target, '');
    this.view.setState('dialing');
    try {
      const call = await this.deps.client.call(target);
      this.attach(active, call);
      if (active.abandoned) await call.hangup();
    } catch (err) {
      this.finish(active, { reason: 'failed' }, describeError(err));
    }
  }

  /** Ends every call at once (logout). */
  dispose(): void {
    this.deps.tones.stop();
    this.incoming.hide();
    void this.ringing?.reject().catch(() => undefined);
    this.ringing = null;
    void this.current?.call?.hangup().catch(() => undefined);
    this.current?.monitor?.stop();
    this.current = null;
    clearTimeout(this.hideTimer);
    this.view.hide();
  }

  private begin(active: ActiveCall, name: string, uri: string): void {
    clearTimeout(this.hideTimer);
    this.current = active;
    this.chart.reset();
    this.warnings.reset();
    this.view.show(name, uri);
  }

  private attach(active: ActiveCall, call: Call): void {
    active.call = call;
    active.name = call.remote.displayName || call.remote.user || active.name;
    this.view.setParty(active.name, call.remote.uri);
    active.monitor = new QualityMonitor(call, {
      levels: (mic, remote) => this.current === active && this.view.setLevels(mic, remote),
      sample: (sample, stats) => this.current === active && this.chart.add(sample, stats.codec),
    });
    this.warnings.reset(call.warnings);
    call.on('warning', (warning) => this.current === active && this.warnings.add(warning));
    call.on('warningcleared', (warning) => this.current === active && this.warnings.remove(warning));
    const outgoing = call.direction === 'outgoing';
    this.view.setState(outgoing ? (call.state === 'ringing' ? 'ringing' : 'connecting') : 'answering');
    // The far end's early media (a 183 with SDP: a gateway's ringback or announcement) plays
    // through the SDK's audio element; the phone's own ringback only fills the silence when there
    // is none. A plain 180 followed by early media reports ringing twice: the tone stops then.
    call.on('ringing', ({ earlyMedia }) => {
      this.view.setState('ringing');
      if (earlyMedia) this.deps.tones.stop();
      else this.deps.tones.ringback();
      this.view.setRingback(earlyMedia ? 'remote' : 'local', this.deps.tones.playing);
    });
    call.on('answered', () => {
      this.deps.tones.stop();
      active.answeredAt = call.answeredAt ?? Date.now();
      this.view.setState('answered');
      this.view.startTimer(active.answeredAt);
      active.monitor?.start();
      void this.deps.devices.refresh(); // device names, now that the microphone is allowed
    });
    call.on('held', () => this.view.setState('held'));
    call.on('resumed', () => this.view.setState('answered'));
    call.on('reconnecting', ({ reason, at }) => {
      this.view.setState('reconnecting');
      this.deps.timeline.callIncident(true, 'Call reconnecting', `${active.name}: ${RECONNECT_REASONS[reason]}`, at);
    });
    call.on('reconnected', ({ at, downtimeMs }) => {
      const state = call.state === 'held' ? 'held' : 'answered';
      this.view.setState(state, `${state === 'held' ? 'On hold' : 'On call'} · back after ${formatSpan(downtimeMs)}`);
      this.deps.timeline.callIncident(false, 'Call reconnected', `${active.name}: audio back after ${formatSpan(downtimeMs)}`, at);
    });
    call.on('remotehold', () => toast(`${active.name} put you on hold.`));
    call.on('remoteresume', () => toast(`${active.name} took you off hold.`));
    call.on('muted', () => this.view.setMuted(true));
    call.on('unmuted', () => this.view.setMuted(false));
    call.on('dtmf', ({ tone }) => this.view.addReceivedTone(tone));
    call.on('transferred', (next) => {
      toast(`${active.name} transferred you to ${next.remote.user}.`);
      this.record(active, 'answered');
      active.monitor?.stop();
      const replacement = activeCall(next.remote.user);
      this.begin(replacement, next.remote.user, next.remote.uri);
      this.attach(replacement, next);
    });
    call.on('ended', (end) => this.finish(active, end));
  }

  /** A call that was up before this page reloaded is back: the call view, with the timer from its original answer. */
  private onResumed(call: Call): void {
    if (this.current) {
      void call.hangup().catch(() => undefined);
      return;
    }
    const active = activeCall(call.remote.displayName || call.remote.user);
    this.begin(active, active.name, call.remote.uri);
    this.attach(active, call);
    active.answeredAt = call.answeredAt ?? Date.now();
    this.view.setState(call.state === 'held' ? 'held' : 'answered');
    this.view.setMuted(call.muted);
    this.view.startTimer(active.answeredAt);
    active.monitor?.start();
    toast(`Call with ${active.name} resumed after the reload.`);
  }

  private onIncoming(call: Call): void {
    const name = call.remote.displayName || call.remote.user;
    if (this.current || this.ringing) {
      void call.reject().catch(() => undefined);
      this.log.add({ remote: call.remote.user, direction: 'incoming', outcome: 'missed', at: Date.now() });
      return toast(`Missed a call from ${name} while on another call.`);
    }
    this.ringing = call;
    this.deps.tones.ringtone();
    this.incoming.show(name, call.remote.uri, this.deps.tones.playing);
    call.on('ended', ({ reason }) => {
      if (this.ringing !== call) return;
      this.ringing = null;
      this.deps.tones.stop();
      this.incoming.hide();
      // Shared mode: another tab of this app answered or declined it (this tab did neither).
      if (reason === 'answered-elsewhere' || reason === 'rejected') return toast(`Call from ${name} ${reason === 'rejected' ? 'declined' : 'answered'} in another tab.`);
      this.log.add({ remote: call.remote.user, direction: 'incoming', outcome: 'missed', at: Date.now() });
      toast(`Missed call from ${name}.`);
    });
  }

  private async answer(): Promise<void> {
    const call = this.ringing;
    if (!call) return;
    this.ringing = null;
    this.deps.tones.stop();
    this.incoming.hide();
    this.deps.showPhone();
    const active = activeCall(call.remote.user);
    this.begin(active, call.remote.displayName || call.remote.user, call.remote.uri);
    this.attach(active, call);
    try {
      await call.answer();
    } catch (err) {
      toast(describeError(err), 'error');
      await call.hangup().catch(() => undefined);
    }
  }

  private async decline(): Promise<void> {
    const call = this.ringing;
    if (!call) return;
    this.ringing = null;
    this.deps.tones.stop();
    this.incoming.hide();
    this.log.add({ remote: call.remote.user, direction: 'incoming', outcome: 'declined', at: Date.now() });
    await call.reject().catch((err: unknown) => toast(describeError(err), 'error'));
  }

  private toggleMute(): void {
    const call = this.current?.call;
    if (!call) return;
    try {
      if (call.muted) call.unmute();
      else call.mute();
    } catch (err) {
      toast(describeError(err), 'error');
    }
  }

  private async toggleHold(): Promise<void> {
    const call = this.current?.call;
    if (!call) return;
    this.view.setHoldBusy(true);
    try {
      if (call.state === 'held') await call.unhold();
      else await call.hold();
    } catch (err) {
      toast(describeError(err), 'error');
      this.view.setState(call.state === 'held' ? 'held' : 'answered');
    }
  }

  private sendDtmf(key: string): void {
    const active = this.current;
    const call = active?.call;
    if (!active || !call || (call.state !== 'answered' && call.state !== 'held')) return;
    this.deps.tones.key(key);
    this.view.addSentTone(key);
    const method = this.deps.devices.dtmfMethod;
    active.dtmf = active.dtmf.then(async () => void (await call.sendDtmf(key, { method }))).catch((err: unknown) => toast(`Tone ${key} not sent: ${describeError(err)}`, 'error'));
  }

  private async transfer(target: string): Promise<void> {
    const active = this.current;
    const call = active?.call;
    if (!active || !call) return;
    try {
      await call.transfer(target);
      toast(`${active.name} was transferred to ${target}.`, 'success');
    } catch (err) {
      toast(`Transfer failed: ${describeError(err)}`, 'error');
    }
    this.view.closeTransfer();
  }

  private async hangup(): Promise<void> {
    const active = this.current;
    if (!active) return;
    if (!active.call) {
      active.abandoned = true;
      return;
    }
    await active.call.hangup().catch((err: unknown) => toast(describeError(err), 'error'));
  }

  private finish(active: ActiveCall, end: CallEnd, text?: string): void {
    active.monitor?.stop();
    this.record(active, active.answeredAt !== null ? 'answered' : end.reason === 'canceled' && active.call?.direction === 'incoming' ? 'missed' : end.reason);
    if (this.current !== active) return; // replaced by a transfer: the new call owns the screen
    this.current = null;
    this.deps.tones.stop();
    this.warnings.reset(); // a call that ended has no live problems left
    const message = text ?? endText(end.reason, active.name);
    this.view.setState('ended', message);
    if (text) toast(text, 'error');
    this.hideTimer = setTimeout(() => this.view.hide(), 2000);
  }

  private record(active: ActiveCall, outcome: string): void {
    if (active.recorded) return;
    active.recorded = true;
    const durationMs = active.answeredAt !== null ? Date.now() - active.answeredAt : undefined;
    this.log.add({ remote: active.call?.remote.user ?? active.name, direction: active.call?.direction ?? 'outgoing', outcome, at: Date.now(), ...(durationMs !== undefined ? { durationMs } : {}) });
  }
}

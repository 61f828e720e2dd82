/**
 * The in-call screen: who, state, timer, level meters, the control buttons (mute, hold, keypad,
 * transfer, hang up) and the DTMF pad. It only renders; {@link Phone} decides what happens.
 */
import { byId, formatDuration, paintAvatar } from './dom';

export type CallViewState = 'dialing' | 'connecting' | 'answering' | 'ringing' | 'answered' | 'held' | 'reconnecting' | 'ended';

const STATUS: Record<Exclude<CallViewState, 'ended'>, string> = {
  dialing: 'Opening microphone…',
  connecting: 'Calling…',
  answering: 'Connecting…',
  ringing: 'Ringing…',
  answered: 'On call',
  held: 'On hold',
  reconnecting: 'Reconnecting…',
};

const END_TEXT: Record<string, (name: string) => string> = {
  'local-hangup': () => 'Call ended',
  'remote-hangup': (n) => `${n} hung up`,
  rejected: () => 'Call declined',
  busy: (n) => `${n} is busy`,
  'not-found': (n) => `No such user: ${n}`,
  canceled: () => 'Call cancelled',
  unavailable: (n) => `${n} is not available`,
  'connection-lost': () => 'Connection lost',
  'resume-failed': (n) => `The call with ${n} could not be resumed after the reload`,
  'answered-elsewhere': () => 'Answered in another tab',
  failed: () => 'Call failed',
};

/** What the call screen says when a call ends for `reason` (an SDK `CallEndReason`). */
export function endText(reason: string, name: string): string {
  return (END_TEXT[reason] ?? END_TEXT.failed!)(name);
}

export interface CallViewActions {
  mute(): void;
  hold(): void;
  dtmf(key: string): void;
  transfer(target: string): void;
  hangup(): void;
}

export class CallView {
  private readonly root = byId('call-view');
  private readonly dialer = byId('dialer');
  private readonly avatar = byId('call-avatar');
  private readonly name = byId('call-name');
  private readonly uri = byId('call-uri');
  private readonly status = byId('call-status');
  private readonly mutedChip = byId('call-muted');
  private readonly timer = byId('call-timer');
  private readonly micLevel = byId('mic-level');
  private readonly remoteLevel = byId('remote-level');
  private readonly remoteLabel = byId('remote-level-label');
  private readonly muteButton = byId<HTMLButtonElement>('mute');
  private readonly holdButton = byId<HTMLButtonElement>('hold');
  private readonly keypadButton = byId<HTMLButtonElement>('keypad-toggle');
  private readonly transferButton = byId<HTMLButtonElement>('transfer-toggle');
  private readonly hangupButton = byId<HTMLButtonElement>('hangup');
  private readonly keypad = byId('dtmf-pad');
  private readonly sent = byId('dtmf-sent');
  private readonly received = byId('dtmf-received');
  private readonly receivedRow = byId('dtmf-received-row');
  private readonly transferForm = byId<HTMLFormElement>('transfer-form');
  private readonly transferTarget = byId<HTMLInputElement>('transfer-target');
  private readonly quality = byId('quality');
  private ticker: ReturnType<typeof setInterval> | undefined;

  /** @param signal - aborting it removes every listener (sign-out). */
  constructor(
    actions: CallViewActions,
    private readonly signal: AbortSignal,
  ) {
    this.muteButton.addEventListener('click', () => actions.mute(), { signal: this.signal });
    this.holdButton.addEventListener('click', () => actions.hold(), { signal: this.signal });
    this.hangupButton.addEventListener('click', () => actions.hangup(), { signal: this.signal });
    this.keypadButton.addEventListener('click', () => this.toggle(this.keypadButton, this.keypad), { signal: this.signal });
    this.transferButton.addEventListener('click', () => {
      if (this.toggle(this.transferButton, this.transferForm)) this.transferTarget.focus();
    }, { signal: this.signal });
    this.keypad.addEventListener('click', (ev) => {
      const key = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-key]')?.dataset.key;
      if (key) actions.dtmf(key);
    }, { signal: this.signal });
    // Typing 0-9, * or # during a call sends the tone (unless typing in a field).
    document.addEventListener(
      'keydown',
      (ev) => {
        const live = this.root.dataset.state === 'answered' || this.root.dataset.state === 'held';
        if (!live || this.root.hidden || ev.ctrlKey || ev.metaKey || ev.altKey || !/^[0-9*#]$/.test(ev.key)) return;
        if ((ev.target as HTMLElement | null)?.closest?.('input, textarea, select')) return;
        ev.preventDefault();
        actions.dtmf(ev.key);
      },
      { signal: this.signal },
    );
    this.transferForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const target = this.transferTarget.value.trim();
      if (target) actions.transfer(target);
    }, { signal: this.signal });
  }

  /** Shows the call screen for `name` (display name or user) in place of the dialpad. */
  show(name: string, uri: string): void {
    this.stopTimer();
    paintAvatar(this.avatar, name);
    this.name.textContent = name;
    this.uri.textContent = uri;
    this.remoteLabel.textContent = name;
    this.timer.textContent = formatDuration(0);
    this.timer.dataset.running = 'false';
    this.sent.textContent = '';
    this.received.textContent = '';
    this.receivedRow.hidden = true;
    this.transferTarget.value = '';
    this.setLevels(0, 0);
    this.collapse(this.keypadButton, this.keypad);
    this.collapse(this.transferButton, this.transferForm);
    this.setMuted(false);
    this.quality.hidden = true;
    this.dialer.hidden = true;
    this.root.hidden = false;
    this.hangupButton.disabled = false;
    this.hangupButton.focus();
  }

  /** Updates who the call is with (the SDK knows the full address once the call exists). */
  setParty(name: string, uri: string): void {
    paintAvatar(this.avatar, name);
    this.name.textContent = name;
    this.uri.textContent = uri;
    this.remoteLabel.textContent = name;
  }

  hide(): void {
    this.stopTimer();
    const hadFocus = this.root.contains(document.activeElement) || document.activeElement === document.body;
    this.root.hidden = true;
    this.dialer.hidden = false;
    if (hadFocus) byId('destination').focus();
  }

  /** Shows `state`; `note` replaces the usual text (why it ended, or "back after 3.2 s"). */
  setState(state: CallViewState, note?: string): void {
    this.root.dataset.state = state;
    if (state !== 'ringing') {
      delete this.root.dataset.ringback;
      delete this.root.dataset.tone;
    }
    this.status.textContent = note ?? (state === 'ended' ? 'Call ended' : STATUS[state]);
    this.status.setAttribute('aria-busy', String(state === 'reconnecting'));
    const live = state === 'answered' || state === 'held';
    this.muteButton.disabled = state === 'ended' || state === 'dialing';
    this.holdButton.disabled = !live;
    this.keypadButton.disabled = !live;
    this.transferButton.disabled = !live;
    this.hangupButton.disabled = state === 'ended';
    this.holdButton.setAttribute('aria-pressed', String(state === 'held'));
    this.label(this.holdButton, state === 'held' ? 'Resume' : 'Hold');
    // Quality stays visible after a call that had media, and never appears for one that did not.
    this.quality.hidden = !(live || ((state === 'ended' || state === 'reconnecting') && !this.quality.hidden));
    if (!live) {
      this.collapse(this.keypadButton, this.keypad);
      this.collapse(this.transferButton, this.transferForm);
    }
    if (state === 'ended') this.stopTimer();
  }

  /**
   * While ringing: where the ringback comes from. `remote`: the network's early media (a PSTN
   * gateway's tone or announcement) plays through the SDK's audio element; `local`: there is
   * none, so the phone plays its own tone. `tone`: whether the phone's own tone plays.
   */
  setRingback(source: 'local' | 'remote', tone: boolean): void {
    this.root.dataset.ringback = source;
    this.root.dataset.tone = tone ? 'playing' : 'silent';
    this.status.textContent = source === 'remote' ? 'Ringing… (audio from the network)' : STATUS.ringing;
  }

  /** Disables the hold button while a hold/resume re-INVITE is in flight. */
  setHoldBusy(busy: boolean): void {
    this.holdButton.disabled = busy;
  }

  setMuted(muted: boolean): void {
    this.muteButton.setAttribute('aria-pressed', String(muted));
    this.label(this.muteButton, muted ? 'Unmute' : 'Mute');
    this.mutedChip.hidden = !muted;
    this.root.dataset.muted = String(muted);
  }

  /** Starts the call timer from `since` (`Date.now()` when answered). */
  startTimer(since: number): void {
    this.stopTimer();
    const render = (): void => {
      this.timer.textContent = formatDuration(Date.now() - since);
    };
    render();
    this.timer.dataset.running = 'true';
    this.ticker = setInterval(render, 500);
  }

  setLevels(microphone: number, remote: number): void {
    this.micLevel.style.setProperty('--level', microphone.toFixed(3));
    this.remoteLevel.style.setProperty('--level', remote.toFixed(3));
    this.micLevel.dataset.level = microphone.toFixed(2);
    this.remoteLevel.dataset.level = remote.toFixed(2);
  }

  addSentTone(tone: string): void {
    this.sent.textContent = (this.sent.textContent + tone).slice(-24);
  }

  addReceivedTone(tone: string): void {
    this.receivedRow.hidden = false;
    this.received.textContent = (this.received.textContent + tone).slice(-24);
  }

  /** Closes the transfer form (after a transfer was accepted or failed). */
  closeTransfer(): void {
    this.collapse(this.transferButton, this.transferForm);
  }

  private stopTimer(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    this.timer.dataset.running = 'false';
  }

  private label(button: HTMLButtonElement, text: string): void {
    const span = button.querySelector('.ctl-label');
    if (span) span.textContent = text;
  }

  /** Opens or closes a disclosure; returns true when it is now open. */
  private toggle(button: HTMLButtonElement, panel: HTMLElement): boolean {
    const open = Boolean(panel.hidden);
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    return open;
  }

  private collapse(button: HTMLButtonElement, panel: HTMLElement): void {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  }
}

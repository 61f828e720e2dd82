/**
 * "Test my setup" on the sign-in screen: runs `Voxline.preflight()` with the form's values and
 * shows its report step by step, as each step finishes (`onProgress`):
 *
 * ```txt
 *   waiting ──previous step done──▶ running ──onProgress(step)──▶ passed | failed | skipped
 * ```
 * Each finished step shows a pass/fail/skipped icon, the SDK's sentence, its key figures and,
 * when it failed, what to do about it. A polite live region says how the check is going.
 */
import { byId, el, formatSpan, svg } from './dom';
import type { Credentials } from './login-form';
import { describeError, sdk, type PreflightReport, type PreflightStep } from './sdk';

type StepName = PreflightStep['name'];
type StepStatus = 'waiting' | 'running' | 'passed' | 'failed' | 'skipped';

const STEPS: ReadonlyArray<{ name: StepName; title: string }> = [
  { name: 'signalling', title: 'Server connection' },
  { name: 'registration', title: 'Sign-in' },
  { name: 'microphone', title: 'Microphone' },
  { name: 'ice', title: 'Network (ICE)' },
  { name: 'media', title: 'Test call through TURN' },
];

const STATUS_TEXT: Record<StepStatus, string> = { waiting: 'Waiting', running: 'Checking', passed: 'Passed', failed: 'Failed', skipped: 'Skipped' };

/** Icon shapes (24 × 24 stroke paths) per status. */
const ICONS: Record<StepStatus, string[]> = {
  waiting: ['M12 12h.01'],
  running: ['M21 12a9 9 0 1 1-6.2-8.56'],
  passed: ['M20 6 9 17l-5-5'],
  failed: ['M18 6 6 18', 'M6 6l12 12'],
  skipped: ['M5 12h14'],
};

const ms = (v: number): string => formatSpan(v);

/** The figures worth showing, in a person's words; others are left out. */
const FIGURES: Record<string, (value: number | string | boolean) => string | null> = {
  connectMs: (v) => `Connect ${ms(Number(v))}`,
  roundTripMs: (v) => `Round trip ${ms(Number(v))}`,
  registerMs: (v) => `Register ${ms(Number(v))}`,
  level: (v) => (Number(v) > 0 ? `Input level ${Math.round(20 * Math.log10(Number(v)))} dBFS` : 'No input level'),
  host: (v) => `${v} host`,
  srflx: (v) => `${v} server-reflexive`,
  relay: (v) => `${v} relay`,
  gatheringMs: (v) => `Gathered in ${ms(Number(v))}`,
  turnConfigured: (v) => (v ? 'TURN configured' : 'No TURN server'),
  rttMs: (v) => `Round trip ${ms(Number(v))}`,
  jitterMs: (v) => `Jitter ${Number(v).toFixed(1)} ms`,
  packetLossPercent: (v) => `Loss ${Number(v).toFixed(1)} %`,
};

/** What to do when a step failed, by step and error code. */
function advice(step: PreflightStep): string {
  switch (step.name) {
    case 'signalling':
      return step.code === 'timeout'
        ? 'The server did not answer in time: check the address, or try again later.'
        : 'Check the server address (it starts with ws:// or wss://) and that the server accepts WebSocket connections; a firewall or proxy may block them.';
    case 'registration':
      return step.code === 'authentication'
        ? 'Check your user name and password: passwords are case-sensitive.'
        : `${sentence(describeError(step))} Ask your administrator to check that this account may sign in from a browser.`;
    case 'microphone':
      return step.code ? 'Allow this page to use the microphone (the icon in the address bar), and check that one is connected.' : 'Check that the microphone is not muted and is the one you use, then speak while the test runs.';
    case 'ice':
      return 'Your network blocks WebRTC: try another network, or ask your administrator for a TURN server.';
    case 'media':
      return 'Calls may have no audio on this network: check the TURN server and that UDP traffic is allowed.';
  }
}

export class SetupCheck {
  private readonly root = byId('setup-check');
  private readonly summary = byId('setup-check-summary');
  private readonly list = byId('setup-check-steps');
  private readonly rows = new Map<StepName, HTMLElement>();

  /** Runs the check with `credentials` and shows its report; rejects only if it could not start. */
  async run(credentials: Credentials): Promise<void> {
    this.render();
    this.root.hidden = false;
    this.root.dataset.result = 'running';
    this.bringIntoView();
    let index = 0;
    this.mark(STEPS[0]!.name, 'running');
    this.summary.textContent = `Checking ${STEPS[0]!.title.toLowerCase()}…`;
    try {
      const report = await sdk().preflight({
        servers: [credentials.server],
        domain: credentials.domain || undefined,
        user: credentials.user,
        password: credentials.password,
        logLevel: 'silent',
        onProgress: (step) => {
          this.show(step);
          const next = STEPS[++index];
          if (next) {
            this.mark(next.name, 'running');
            this.summary.textContent = `${this.title(step.name)}: ${STATUS_TEXT[statusOf(step)].toLowerCase()}. Checking ${next.title.toLowerCase()}…`;
          }
        },
      });
      for (const step of report.steps) this.show(step);
      this.summary.textContent = summarise(report);
      this.root.dataset.result = report.ok ? 'ok' : 'failed';
      this.bringIntoView(); // the finished report is taller than the first rows were
    } catch (err) {
      this.hide();
      throw err;
    }
  }

  hide(): void {
    this.root.hidden = true;
  }

  /** Below the form (phones): scrolls the report up; beside it (wide screens) it is in view already. */
  private bringIntoView(): void {
    const stacked = this.root.getBoundingClientRect().top >= byId('login-form').getBoundingClientRect().bottom;
    this.root.scrollIntoView({ block: stacked ? 'start' : 'nearest' });
  }

  private render(): void {
    this.rows.clear();
    this.list.replaceChildren(
      ...STEPS.map(({ name, title }) => {
        const row = el('li', 'check-step');
        row.dataset.step = name;
        const body = el('div', 'check-body');
        body.append(el('p', 'check-title', title));
        row.append(el('span', 'check-icon'), body);
        this.rows.set(name, row);
        this.mark(name, 'waiting');
        return row;
      }),
    );
  }

  private mark(name: StepName, status: StepStatus): void {
    const row = this.rows.get(name);
    if (!row || row.dataset.status === status) return;
    row.dataset.status = status;
    const icon = row.querySelector<HTMLElement>('.check-icon')!;
    icon.setAttribute('role', 'img');
    icon.setAttribute('aria-label', STATUS_TEXT[status]);
    const drawing = svg('svg', { class: 'icon', viewBox: '0 0 24 24', 'aria-hidden': 'true' });
    for (const d of ICONS[status]) drawing.append(svg('path', { d }));
    icon.replaceChildren(drawing);
  }

  /** Fills a finished step: its sentence, key figures and, when it failed, what to do. */
  private show(step: PreflightStep): void {
    const row = this.rows.get(step.name);
    if (!row) return;
    this.mark(step.name, statusOf(step));
    const body = row.querySelector('.check-body')!;
    const parts: HTMLElement[] = [el('p', 'check-title', this.title(step.name)), el('p', 'check-message', sentence(step.message))];
    const figures = Object.entries(step.figures).flatMap(([key, value]) => {
      const format = FIGURES[key];
      const text = value === null || !format ? null : format(value);
      return text ? [el('li', undefined, text)] : [];
    });
    if (figures.length > 0) {
      const list = el('ul', 'check-figures');
      list.setAttribute('aria-label', 'Measurements');
      list.append(...figures);
      parts.push(list);
    }
    if (!step.ok && !step.skipped) {
      const what = el('p', 'check-advice');
      what.append(el('strong', undefined, 'What to do: '), advice(step));
      parts.push(what);
    }
    body.replaceChildren(...parts);
  }

  private title(name: StepName): string {
    return STEPS.find((s) => s.name === name)?.title ?? name;
  }
}

/** `text` as a sentence: a capital first letter, a full stop at the end. */
function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function statusOf(step: PreflightStep): StepStatus {
  return step.ok ? 'passed' : step.skipped ? 'skipped' : 'failed';
}

/** "All checks passed (1 skipped)." / "1 check failed: Sign-in." */
function summarise(report: PreflightReport): string {
  const failed = report.steps.filter((s) => !s.ok && !s.skipped).map((s) => STEPS.find((d) => d.name === s.name)?.title ?? s.name);
  const skipped = report.steps.filter((s) => s.skipped).length;
  if (failed.length === 0) return `All checks passed${skipped ? ` (${skipped} skipped)` : ''}. You are ready to call.`;
  return `${failed.length} ${failed.length === 1 ? 'check' : 'checks'} failed: ${failed.join(', ')}.`;
}

/**
 * Call quality warnings as chips on the call screen: one chip per active warning of the call
 * (`call.warnings`), added on its `warning` event and removed on `warningcleared`. Each change is
 * also said once in a polite live region, so screen-reader users hear "Call quality warning:
 * Other side silent" and, later, "Resolved: Other side silent".
 */
import { byId, el, svg } from './dom';
import type { QualityWarning } from './sdk';

/** Whole numbers past 10, one decimal below ("0.8", "12"). */
const amount = (value: number): string => (Math.abs(value) < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value)));

const LABELS: Record<QualityWarning['name'], (value: number) => string> = {
  'high-rtt': (v) => `Long delay: ${amount(v)} ms round trip`,
  'high-jitter': (v) => `Choppy audio: ${amount(v)} ms jitter`,
  'high-packet-loss': (v) => `Poor connection: ${amount(v)} % loss`,
  'low-mos': (v) => `Low call quality: MOS ${v.toFixed(1)}`,
  'no-inbound-audio': () => 'Other side silent',
  'no-outbound-audio': () => 'Your microphone is silent',
};

/** The chip's text for a warning, e.g. "Poor connection: 12 % loss" or "Other side silent". */
export function warningLabel(warning: QualityWarning): string {
  const label = LABELS[warning.name] as ((value: number) => string) | undefined;
  return label ? label(warning.value) : warning.name; // a warning name newer than the demo
}

export class WarningChips {
  private readonly list = byId('call-warnings');
  private readonly live = byId('call-warnings-live');
  private readonly chips = new Map<string, HTMLElement>();
  private pending: string[] = [];

  /** Shows exactly `warnings` (a call's `call.warnings`), without announcing them. */
  reset(warnings: readonly QualityWarning[] = []): void {
    this.chips.clear();
    this.list.replaceChildren();
    this.live.textContent = '';
    this.pending = [];
    for (const warning of warnings) this.put(warning);
    this.list.hidden = this.chips.size === 0;
  }

  /** A `warning` event: adds its chip and announces it. */
  add(warning: QualityWarning): void {
    this.put(warning);
    this.list.hidden = false;
    this.announce(`Call quality warning: ${warningLabel(warning)}`);
  }

  /** A `warningcleared` event: removes the chip and announces the recovery. */
  remove(warning: QualityWarning): void {
    const chip = this.chips.get(warning.name);
    if (!chip) return;
    this.chips.delete(warning.name);
    chip.remove();
    this.list.hidden = this.chips.size === 0;
    this.announce(`Resolved: ${chip.dataset.label ?? warningLabel(warning)}`);
  }

  private put(warning: QualityWarning): void {
    const label = warningLabel(warning);
    const chip = this.chips.get(warning.name) ?? el('li', 'chip warning-chip');
    chip.dataset.warning = warning.name;
    chip.dataset.label = label;
    const icon = svg('svg', { class: 'icon', viewBox: '0 0 24 24', 'aria-hidden': 'true' });
    icon.append(svg('path', { d: 'M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z' }), svg('line', { x1: 12, y1: 9, x2: 12, y2: 13 }), svg('line', { x1: 12, y1: 17, x2: 12.01, y2: 17 }));
    chip.replaceChildren(icon, el('span', undefined, label));
    if (!this.chips.has(warning.name)) {
      this.chips.set(warning.name, chip);
      this.list.append(chip);
    }
  }

  /**
   * Says `text` once. The region is emptied first and filled a moment later, so the same sentence
   * twice in a row is read again; changes of the same moment are said together.
   */
  private announce(text: string): void {
    this.pending.push(text);
    if (this.pending.length > 1) return;
    this.live.textContent = '';
    setTimeout(() => {
      this.live.textContent = this.pending.join('. ');
      this.pending = [];
    }, 100);
  }
}

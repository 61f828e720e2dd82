/**
 * The live call-quality chart: four SVG sparklines (RTT, jitter, packet loss, MOS) over the last
 * 60 s, each with its current value. Drawn with plain SVG elements, no chart library.
 */
import { byId, el, svg } from './dom';
import type { QualitySample } from './quality-monitor';

const WINDOW_MS = 60_000;
const MIN_SPAN_MS = 5_000;
const WIDTH = 120;
const HEIGHT = 40;

interface Series {
  key: 'rttMs' | 'jitterMs' | 'lost' | 'mos';
  label: string;
  format: (v: number) => string;
  /** Fixed y range, or a minimum top for auto-scaled series. */
  min: number;
  max: number;
  autoscale: boolean;
}

const SERIES: Series[] = [
  { key: 'rttMs', label: 'Round trip', format: (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`, min: 0, max: 50, autoscale: true },
  { key: 'jitterMs', label: 'Jitter', format: (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`, min: 0, max: 10, autoscale: true },
  { key: 'lost', label: 'Packet loss', format: (v) => `${Math.round(v)}/s`, min: 0, max: 5, autoscale: true },
  { key: 'mos', label: 'MOS', format: (v) => v.toFixed(2), min: 1, max: 4.5, autoscale: false },
];

interface Tile {
  series: Series;
  value: HTMLElement;
  line: SVGPathElement;
  area: SVGPathElement;
}

/** Grades a MOS like a phone engineer would. */
export function mosGrade(mos: number | null): { label: string; level: 'good' | 'fair' | 'poor' | 'unknown' } {
  if (mos === null) return { label: 'Measuring…', level: 'unknown' };
  if (mos >= 4) return { label: 'Excellent', level: 'good' };
  if (mos >= 3.6) return { label: 'Good', level: 'good' };
  if (mos >= 3.1) return { label: 'Fair', level: 'fair' };
  return { label: 'Poor', level: 'poor' };
}

export class QualityChart {
  private readonly root = byId('quality-chart');
  private readonly grade = byId('quality-grade');
  private readonly codec = byId('quality-codec');
  private readonly tiles: Tile[];
  private samples: QualitySample[] = [];

  constructor() {
    this.root.replaceChildren();
    this.tiles = SERIES.map((series) => {
      const tile = el('figure', `quality-tile ${series.key}`);
      const caption = el('figcaption');
      const value = el('span', 'quality-value', '—');
      caption.append(el('span', 'quality-label', series.label), value);
      const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', 'aria-hidden': 'true', class: 'sparkline' });
      const area = svg('path', { class: 'sparkline-area', d: '' });
      const line = svg('path', { class: 'sparkline-line', d: '', 'vector-effect': 'non-scaling-stroke' });
      chart.append(area, line);
      tile.append(caption, chart);
      this.root.append(tile);
      return { series, value, line, area };
    });
  }

  /** Number of samples in the window (the e2e test reads it from `data-samples`). */
  get size(): number {
    return this.samples.length;
  }

  reset(): void {
    this.samples = [];
    this.root.dataset.samples = '0';
    for (const tile of this.tiles) {
      tile.value.textContent = '—';
      tile.line.setAttribute('d', '');
      tile.area.setAttribute('d', '');
    }
    this.setGrade(null);
    this.codec.textContent = '';
  }

  add(sample: QualitySample, codec: string | null): void {
    this.samples.push(sample);
    const cutoff = sample.at - WINDOW_MS;
    while (this.samples.length > 0 && this.samples[0]!.at < cutoff) this.samples.shift();
    this.root.dataset.samples = String(this.samples.length);
    for (const tile of this.tiles) this.draw(tile, sample.at);
    this.setGrade(sample.mos);
    this.codec.textContent = codec ? `Codec ${codec}` : '';
  }

  private setGrade(mos: number | null): void {
    const grade = mosGrade(mos);
    this.grade.textContent = grade.label;
    this.grade.dataset.level = grade.level;
  }

  private draw(tile: Tile, now: number): void {
    const { series } = tile;
    const values = this.samples.map((s) => s[series.key]);
    const latest = values[values.length - 1];
    tile.value.textContent = latest === null || latest === undefined ? '—' : series.format(latest);
    const known = values.filter((v): v is number => v !== null);
    const top = series.autoscale ? Math.max(series.max, ...known.map((v) => v * 1.25)) : series.max;
    // The x axis grows with the call (at least 5 s wide) until it spans the 60 s window, then scrolls.
    const span = Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, now - (this.samples[0]?.at ?? now)));
    const x = (at: number): number => WIDTH * (1 - (now - at) / span);
    const y = (v: number): number => HEIGHT - 2 - ((Math.min(Math.max(v, series.min), top) - series.min) / (top - series.min)) * (HEIGHT - 4);
    let line = '';
    let area = '';
    let run: Array<[number, number]> = [];
    const flush = (): void => {
      if (run.length === 0) return;
      line += run.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)} ${py.toFixed(1)}`).join(' ') + ' ';
      const first = run[0]!;
      const last = run[run.length - 1]!;
      area += `M${first[0].toFixed(1)} ${HEIGHT} ` + run.map(([px, py]) => `L${px.toFixed(1)} ${py.toFixed(1)}`).join(' ') + ` L${last[0].toFixed(1)} ${HEIGHT} Z `;
      run = [];
    };
    this.samples.forEach((s) => {
      const v = s[series.key];
      if (v === null) flush();
      else run.push([x(s.at), y(v)]);
    });
    flush();
    tile.line.setAttribute('d', line.trim());
    tile.area.setAttribute('d', area.trim());
  }
}

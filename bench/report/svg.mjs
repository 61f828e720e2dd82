// @ts-check
/**
 * A hand-written SVG bar chart of a module's medians: one panel per targeted (main-table)
 * figure, one horizontal bar per library, a p95 whisker, the target as a dashed line (a ratio
 * target is drawn at the peer's median times the ratio), and "never" as a hatched bar up to the
 * cap. Times use a log axis (1 ms … 100 s); other units (bytes, msg/s, ×, counts) a linear axis
 * from 0 fitted to the panel.
 */
import { fmt, runsText, targetLimit } from './format.mjs';

const COLORS = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#dc2626'];
const W = 780;
const X0 = 120; // plot starts
const X1 = 610; // plot ends
const BAR = 18;
const GAP = 6;

/** @param {string} s */
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @typedef {{ x: (v: number) => number, ticks: { v: number, label: string }[], end: number }} Axis
 */

/** Log time axis, 1 ms … 100 s. @returns {Axis} */
function logAxis() {
  const x = (/** @type {number} */ ms) => X0 + (Math.min(5, Math.log10(Math.max(1, ms))) / 5) * (X1 - X0);
  const labels = ['1 ms', '10 ms', '100 ms', '1 s', '10 s', '100 s'];
  return { x, ticks: labels.map((label, e) => ({ v: 10 ** e, label })), end: 1e5 };
}

/** Linear axis from 0 to a round number above `max`. @param {number} max @param {string} unit @returns {Axis} */
function linearAxis(max, unit) {
  // Bytes get steps in KiB / MiB (so ticks read 512 KiB, 1 MiB…), everything else decimal steps.
  const scale = unit === 'B' ? (max >= 1024 ** 2 ? 1024 ** 2 : 1024) : 1;
  const raw = (Math.max(max, unit === '×' ? 1.2 : 1) * 1.1) / scale;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => raw / s <= 5) ?? mag * 10) * scale;
  const end = Math.ceil((raw * scale) / step) * step;
  const x = (/** @type {number} */ v) => X0 + (Math.max(0, Math.min(v, end)) / end) * (X1 - X0);
  const ticks = [];
  for (let v = 0; v <= end + step / 2; v += step) ticks.push({ v, label: unit === 'ms' ? fmt(v) : fmt(v, unit) });
  return { x, ticks, end };
}

/**
 * @param {import('./markdown.mjs').StoredModule} m
 * @returns {string}
 */
export function renderSvg(m) {
  const figs = m.figures.filter((f) => !f.informative);
  const libs = m.config.libraries ?? [];
  const panelH = 34 + libs.length * (BAR + GAP) + 22;
  const H = 56 + figs.length * panelH + 10;
  const deterministic = figs.every((f) => Object.values(f.libraries).every((l) => l.summary.n === 1));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    '<defs><pattern id="never" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="3"/></pattern></defs>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${esc(m.title)}</text>`,
    `<text x="${W - 12}" y="22" text-anchor="end" fill="#555">${deterministic ? 'bar = size' : 'bar = median (time: log scale) · whisker = p95'} · dashed red = target</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${runsText(figs)}${deterministic ? '' : '; Chromium vs Kamailio on loopback'}; ${m.ranAt.slice(0, 10)}`)}</text>`,
  ];
  libs.forEach((l, i) => {
    const lx = W - 12 - (libs.length - i) * 90;
    out.push(`<rect x="${lx}" y="30" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 16}" y="40">${esc(l.label)}</text>`);
  });
  figs.forEach((f, fi) => {
    const top = 56 + fi * panelH;
    const limit = targetLimit(f);
    const values = Object.values(f.libraries).flatMap((l) => [l.summary.median, l.summary.p95, l.summary.capMs]);
    const axis = f.unit === 'ms' ? logAxis() : linearAxis(Math.max(0, ...[...values, limit].filter((v) => typeof v === 'number')), f.unit);
    const { x } = axis;
    out.push(`<text x="12" y="${top + 18}" font-weight="600">${esc(f.title)}${f.target ? ` (target ${esc(f.target.text)})` : ''}</text>`);
    const plotTop = top + 26;
    const plotBottom = plotTop + libs.length * (BAR + GAP);
    for (const t of axis.ticks) {
      out.push(`<line x1="${x(t.v)}" y1="${plotTop - 2}" x2="${x(t.v)}" y2="${plotBottom}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${x(t.v)}" y="${plotBottom + 13}" text-anchor="middle" fill="#777" font-size="10">${esc(t.label)}</text>`);
    }
    if (limit !== null) out.push(`<line x1="${x(limit)}" y1="${plotTop - 4}" x2="${x(limit)}" y2="${plotBottom}" stroke="#dc2626" stroke-dasharray="4 3" stroke-width="1.5"/>`);
    libs.forEach((l, li) => {
      const s = f.libraries[l.id]?.summary;
      const y = plotTop + li * (BAR + GAP);
      out.push(`<text x="${X0 - 8}" y="${y + BAR / 2 + 4}" text-anchor="end">${esc(l.label)}</text>`);
      if (!s) return;
      if (s.median === null) {
        const cap = s.capMs ?? axis.end;
        out.push(`<rect x="${X0}" y="${y}" width="${x(cap) - X0}" height="${BAR}" fill="url(#never)" stroke="#999"/>`);
        out.push(`<text x="${x(cap) + 6}" y="${y + BAR / 2 + 4}" paint-order="stroke" stroke="#fff" stroke-width="3">never (&gt; ${fmt(cap, f.unit)})</text>`);
        return;
      }
      out.push(`<rect x="${X0}" y="${y}" width="${Math.max(1, x(s.median) - X0)}" height="${BAR}" fill="${COLORS[li % COLORS.length]}"/>`);
      const p95 = s.p95 === null ? (s.capMs ?? axis.end) : s.p95;
      if (s.n > 1) out.push(`<line x1="${x(s.median)}" y1="${y + BAR / 2}" x2="${x(p95)}" y2="${y + BAR / 2}" stroke="#333"/><line x1="${x(p95)}" y1="${y + 3}" x2="${x(p95)}" y2="${y + BAR - 3}" stroke="#333"/>`);
      const label = s.n > 1 ? `${fmt(s.median, f.unit)} (p95 ${s.p95 === null ? 'never' : fmt(s.p95, f.unit)})` : fmt(s.median, f.unit);
      out.push(`<text x="${Math.max(x(p95), x(s.median)) + 6}" y="${y + BAR / 2 + 4}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(label)}</text>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

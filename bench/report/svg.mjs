// @ts-check
/**
 * A hand-written SVG bar chart of a module's medians: one panel per targeted figure, one
 * horizontal bar per library on a log time axis (1 ms … 100 s), a p95 whisker, the target as a
 * dashed line, and "never" drawn as a hatched bar up to the cap.
 */
import { fmt } from './format.mjs';

const COLORS = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#dc2626'];
const W = 780;
const X0 = 120; // plot starts
const X1 = 610; // plot ends
const BAR = 18;
const GAP = 6;
const LOG_MIN = 0; // 1 ms
const LOG_MAX = 5; // 100 s
const TICKS = ['1 ms', '10 ms', '100 ms', '1 s', '10 s', '100 s'];

/** @param {string} s */
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** x position of a value in ms on the log axis. @param {number} ms */
const x = (ms) => {
  const l = Math.log10(Math.max(1, ms));
  return X0 + ((Math.min(LOG_MAX, l) - LOG_MIN) / (LOG_MAX - LOG_MIN)) * (X1 - X0);
};

/**
 * @param {import('./markdown.mjs').StoredModule} m
 * @returns {string}
 */
export function renderSvg(m) {
  const figs = m.figures.filter((f) => !f.informative && f.unit === 'ms');
  const libs = m.config.libraries ?? [];
  const panelH = 34 + libs.length * (BAR + GAP) + 22;
  const H = 56 + figs.length * panelH + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    '<defs><pattern id="never" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="3"/></pattern></defs>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${esc(m.title)}</text>`,
    `<text x="${W - 12}" y="22" text-anchor="end" fill="#555">bar = median (log scale) · whisker = p95 · dashed red = target</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${m.runs} runs per figure; Chromium vs Kamailio on loopback; ${m.ranAt.slice(0, 10)}`)}</text>`,
  ];
  libs.forEach((l, i) => {
    const lx = W - 12 - (libs.length - i) * 90;
    out.push(`<rect x="${lx}" y="30" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 16}" y="40">${esc(l.label)}</text>`);
  });
  figs.forEach((f, fi) => {
    const top = 56 + fi * panelH;
    out.push(`<text x="12" y="${top + 18}" font-weight="600">${esc(f.title)}${f.target ? ` (target ${esc(f.target.text)})` : ''}</text>`);
    const plotTop = top + 26;
    const plotBottom = plotTop + libs.length * (BAR + GAP);
    for (let e = LOG_MIN; e <= LOG_MAX; e++) {
      const gx = x(10 ** e);
      out.push(`<line x1="${gx}" y1="${plotTop - 2}" x2="${gx}" y2="${plotBottom}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${gx}" y="${plotBottom + 13}" text-anchor="middle" fill="#777" font-size="10">${TICKS[e - LOG_MIN]}</text>`);
    }
    if (f.target) {
      const tx = x(f.target.maxMs);
      out.push(`<line x1="${tx}" y1="${plotTop - 4}" x2="${tx}" y2="${plotBottom}" stroke="#dc2626" stroke-dasharray="4 3" stroke-width="1.5"/>`);
    }
    libs.forEach((l, li) => {
      const s = f.libraries[l.id]?.summary;
      const y = plotTop + li * (BAR + GAP);
      out.push(`<text x="${X0 - 8}" y="${y + BAR / 2 + 4}" text-anchor="end">${esc(l.label)}</text>`);
      if (!s) return;
      if (s.median === null) {
        const cap = s.capMs ?? 10 ** LOG_MAX;
        out.push(`<rect x="${X0}" y="${y}" width="${x(cap) - X0}" height="${BAR}" fill="url(#never)" stroke="#999"/>`);
        out.push(`<text x="${x(cap) + 6}" y="${y + BAR / 2 + 4}" paint-order="stroke" stroke="#fff" stroke-width="3">never (&gt; ${fmt(cap)})</text>`);
        return;
      }
      out.push(`<rect x="${X0}" y="${y}" width="${Math.max(1, x(s.median) - X0)}" height="${BAR}" fill="${COLORS[li % COLORS.length]}"/>`);
      const p95 = s.p95 === null ? (s.capMs ?? 10 ** LOG_MAX) : s.p95;
      out.push(`<line x1="${x(s.median)}" y1="${y + BAR / 2}" x2="${x(p95)}" y2="${y + BAR / 2}" stroke="#333"/><line x1="${x(p95)}" y1="${y + 3}" x2="${x(p95)}" y2="${y + BAR - 3}" stroke="#333"/>`);
      out.push(`<text x="${Math.max(x(p95), x(s.median)) + 6}" y="${y + BAR / 2 + 4}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(`${fmt(s.median)} (p95 ${s.p95 === null ? 'never' : fmt(s.p95)})`)}</text>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * Small SVG plots for GTK reports (line plots with log axes, heatmaps, a grid of panels). Plain strings, no
 * DOM: the app shows them as they are, the CLI turns them into PNG.
 */

export interface Series {
  name: string;
  y: ArrayLike<number>;
  /** x values (default 1..n, or 0..n−1 with x0 = 0). */
  x?: ArrayLike<number>;
  color?: string;
}

export interface LinePlot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) {
    const e = Math.floor(Math.log10(a));
    const m = v / 10 ** e;
    return Math.abs(m - 1) < 1e-9 ? `1e${e}` : `${m.toFixed(1)}e${e}`;
  }
  return Number(v.toPrecision(3)).toString();
}

/** Tick positions for [lo, hi] in data units (powers of ten on log axes). */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    const step = Math.max(1, Math.ceil((b - a) / 6));
    for (let e = a; e <= b; e += step) { const v = 10 ** e; if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v); }
    return out;
  }
  const span = hi - lo || 1, raw = span / 5, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= 6) ?? mag * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function linePlot(p: LinePlot): string {
  const W = p.width ?? 480, H = p.height ?? 320, L = 64, R = 12, T = 30, B = 44;
  const pts = p.series.map((s) => Array.from({ length: s.y.length }, (_, i) => [s.x ? s.x[i] : i + 1, s.y[i]] as [number, number])
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!p.logX || x > 0) && (!p.logY || y > 0)));
  const all = pts.flat();
  let x0 = Math.min(...all.map((q) => q[0])), x1 = Math.max(...all.map((q) => q[0]));
  let y0 = Math.min(...all.map((q) => q[1])), y1 = Math.max(...all.map((q) => q[1]));
  if (!all.length) { x0 = 1; x1 = 2; y0 = 1; y1 = 2; }
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) { y0 = p.logY ? y0 / 2 : y0 - 1; y1 = p.logY ? y1 * 2 : y1 + 1; }
  const tx = (x: number) => L + ((p.logX ? Math.log10(x / x0) / Math.log10(x1 / x0) : (x - x0) / (x1 - x0)) * (W - L - R));
  const ty = (y: number) => H - B - ((p.logY ? Math.log10(y / y0) / Math.log10(y1 / y0) : (y - y0) / (y1 - y0)) * (H - T - B));
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold" ${FONT}>${esc(p.title)}</text>`,
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`];
  for (const v of ticks(x0, x1, !!p.logX)) {
    const x = tx(v).toFixed(1);
    out.push(`<line x1="${x}" y1="${H - B}" x2="${x}" y2="${H - B + 4}" stroke="#333"/>`,
      `<text x="${x}" y="${H - B + 16}" text-anchor="middle" font-size="10" ${FONT}>${fmt(v)}</text>`);
  }
  for (const v of ticks(y0, y1, !!p.logY)) {
    const y = ty(v).toFixed(1);
    out.push(`<line x1="${L - 4}" y1="${y}" x2="${L}" y2="${y}" stroke="#333"/>`, `<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#eee"/>`,
      `<text x="${L - 6}" y="${Number(y) + 3}" text-anchor="end" font-size="10" ${FONT}>${fmt(v)}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="11" ${FONT}>${esc(p.xLabel)}</text>`,
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${(T + H - B) / 2})" ${FONT}>${esc(p.yLabel)}</text>`);
  pts.forEach((q, i) => {
    const color = p.series[i].color ?? COLORS[i % COLORS.length];
    if (q.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${q.map(([x, y]) => `${tx(x).toFixed(1)},${ty(y).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<line x1="${W - R - 120}" y1="${T + 12 + i * 14}" x2="${W - R - 104}" y2="${T + 12 + i * 14}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - R - 100}" y="${T + 16 + i * 14}" font-size="10" ${FONT}>${esc(p.series[i].name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Heatmap of an n×n matrix (row-major), block-averaged to at most maxCells per side; blue (low) to yellow (high). */
export function heatmap(title: string, M: ArrayLike<number>, n: number, opts: { size?: number; maxCells?: number } = {}): string {
  const size = opts.size ?? 320, cells = Math.min(n, opts.maxCells ?? 96), T = 30, pad = 10;
  const blk = n / cells, vals = new Float64Array(cells * cells);
  for (let i = 0; i < cells; i++) for (let j = 0; j < cells; j++) {
    let s = 0, c = 0;
    for (let a = Math.floor(i * blk); a < Math.floor((i + 1) * blk); a++) for (let b = Math.floor(j * blk); b < Math.floor((j + 1) * blk); b++) { s += M[a * n + b]; c++; }
    vals[i * cells + j] = c ? s / c : 0;
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of vals) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo || 1, cs = size / cells;
  const color = (t: number) => {
    // viridis-like ramp through 4 stops
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const x = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1), k = Math.floor(x), f = x - k;
    return `rgb(${stops[k].map((c, i) => Math.round(c + f * (stops[k + 1][i] - c))).join(',')})`;
  };
  const W = size + 2 * pad + 60, H = size + T + pad;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`, `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold" ${FONT}>${esc(title)}</text>`];
  for (let i = 0; i < cells; i++) for (let j = 0; j < cells; j++) {
    out.push(`<rect x="${(pad + j * cs).toFixed(2)}" y="${(T + i * cs).toFixed(2)}" width="${(cs + 0.05).toFixed(2)}" height="${(cs + 0.05).toFixed(2)}" fill="${color((vals[i * cells + j] - lo) / span)}"/>`);
  }
  const bar = 32;
  for (let k = 0; k < bar; k++) {
    out.push(`<rect x="${pad + size + 8}" y="${(T + size - ((k + 1) / bar) * size).toFixed(2)}" width="12" height="${(size / bar + 0.05).toFixed(2)}" fill="${color((k + 0.5) / bar)}"/>`);
  }
  for (let k = 0; k <= 4; k++) {
    out.push(`<text x="${pad + size + 24}" y="${(T + size - (k / 4) * size + 3).toFixed(1)}" font-size="9" ${FONT}>${fmt(lo + (k / 4) * span)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Panels (SVG strings from this module) laid out in a grid, as one SVG. */
export function panels(svgs: string[], cols: number): string {
  const dims = svgs.map((s) => {
    const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(s);
    return m ? [Number(m[1]), Number(m[2])] : [400, 300];
  });
  const cw = Math.max(...dims.map((d) => d[0])), ch = Math.max(...dims.map((d) => d[1]));
  const rows = Math.ceil(svgs.length / cols), W = cw * Math.min(cols, svgs.length), H = ch * rows;
  const body = svgs.map((s, i) => `<g transform="translate(${(i % cols) * cw},${Math.floor(i / cols) * ch})">${s.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '')}</g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect width="${W}" height="${H}" fill="white"/>${body.join('\n')}</svg>`;
}

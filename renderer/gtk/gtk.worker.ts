/**
 * GTK of the current field, off the UI thread and off the training worker: it gets a snapshot of the
 * training state, rebuilds the field (TypeScript reference kernels), picks points where the field matters
 * and computes the GTK spectra of the chosen grid and of a baseline on the same points (core/gtk); the dense
 * product J Jᵀ runs on TF.js (gram.ts).
 */
import { Trainer } from '../../core/train/Trainer';
import { decodeSnapshot } from '../../core/io/snapshot';
import { JS_OPS } from '../../core/field/ops';
import { selectFieldPoints } from '../../core/gtk/points';
import { gtkReport, baselineGrid } from '../../core/gtk/report';
import { appGram } from './gram';
import type { Camera } from '../../core/scene/Camera';
import type { GridKind } from '../../core/field/GridModel';

export interface GtkRequest { bytes: Uint8Array; cameras: Camera[]; grid: 'density' | 'color'; points: number; line: number; baseline: GridKind | null; seed: number }
export interface GtkSeries { model: string; eigenvalues: Float64Array; fourier: Float64Array; lineGtk: Float64Array; delta: number; ridge: number; breadth: number }
export type GtkMessage = { type: 'progress'; text: string } | { type: 'done'; main: GtkSeries; baseline: GtkSeries | null; points: number; weighted: number; grid: string; ms: number;
  productOn: string }
  | { type: 'error'; message: string };

const post = (m: GtkMessage) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (e: MessageEvent<GtkRequest>) => {
  const r = e.data;
  try {
    const t0 = performance.now();
    post({ type: 'progress', text: 'restoring the field…' });
    const t = Trainer.fromSnapshot(decodeSnapshot(r.bytes, 'current field'), 'current field', null, JS_OPS);
    const grid = r.grid === 'density' ? t.field.density : t.field.color;
    const sel = selectFieldPoints(t.field, r.cameras, t.data, r.points, r.seed);
    const strip = (x: Awaited<ReturnType<typeof gtkReport>>): GtkSeries => ({ model: x.model, eigenvalues: x.eigenvalues, fourier: x.fourier, lineGtk: x.lineGtk,
      delta: x.delta, ridge: x.ridge, breadth: x.breadth });
    const { gram, on } = await appGram();
    post({ type: 'progress', text: `GTK product on ${on}…` });
    const main = await gtkReport(grid, sel.pts, r.points, r.line, (s) => post({ type: 'progress', text: s }), undefined, gram);
    const base = r.baseline ? await gtkReport(baselineGrid(r.baseline, grid), sel.pts, r.points, r.line, (s) => post({ type: 'progress', text: `baseline: ${s}` }),
      main.labels, gram) : null;
    post({ type: 'done', main: strip(main), baseline: base ? strip(base) : null, points: r.points, weighted: sel.weighted, grid: r.grid, ms: performance.now() - t0,
      productOn: on });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};

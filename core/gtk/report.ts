/** One GTK analysis of a grid on a point set: what `mulfa gtk`, the report and the app panel show. */
import type { GridKind, GridModel } from '../field/GridModel';
import { DenseGrid } from '../field/DenseGrid';
import { FourierGrid } from '../field/FourierGrid';
import { HashGrid } from '../field/HashGrid';
import { type Gram, jsGram, fullGtk, gridOutputs, gtkDelta, defaultRidge, rowSpectrum, spectralBreadth, linePoints, symmetricEigenvalues } from './gtk';

export interface GtkReport {
  model: GridKind;
  /** Eigenvalues of the full GTK on the points, descending. */
  eigenvalues: Float64Array;
  /** Mean |FFT| of GTK rows along the line (frequencies 0..m/2). */
  fourier: Float64Array;
  /** The GTK on the m line points (row-major m×m). */
  lineGtk: Float64Array;
  m: number;
  /** Labels (grid outputs, channel 0) used for Δ. */
  labels: Float64Array;
  delta: number;
  ridge: number;
  breadth: number;
  kernelParams: number;
}

/**
 * GTK of `grid` on pts [n, 3]; the line for the Fourier spectrum runs along x through the first point (a
 * high-weight one for learned fields). `labels` default to the grid's own outputs; `gram` computes the
 * kernel parameters' dense product (TypeScript by default, TF.js where the host set it up).
 */
export async function gtkReport(grid: GridModel, pts: Float32Array, n: number, m: number, log: (s: string) => void = () => {},
  labels?: Float64Array, gram: Gram = jsGram): Promise<GtkReport> {
  let t = Date.now();
  const lap = (what: string) => { const now = Date.now(); log(`${what} ${((now - t) / 1000).toFixed(2)} s`); t = now; };
  const { G, kernelParams } = await fullGtk(grid, pts, n, gram);
  lap(`GTK ${n}×${n}${kernelParams ? ` (with ${kernelParams} kernel parameters)` : ''}`);
  const eigenvalues = symmetricEigenvalues(G, n);
  lap('eigenvalues');
  const Y = labels ?? gridOutputs(grid, pts, n);
  const ridge = defaultRidge(G, n);
  const delta = gtkDelta(G, n, Y, ridge);
  lap('Δ');
  const line = linePoints([0, pts[1], pts[2]], [1, pts[1], pts[2]], m);
  const lineGtk = (await fullGtk(grid, line, m, gram)).G;
  const fourier = rowSpectrum(lineGtk, m);
  lap('line spectrum');
  return { model: grid.kind, eigenvalues, fourier, lineGtk, m, labels: Y, delta, ridge, breadth: spectralBreadth(fourier), kernelParams };
}

/** A fixed-kernel grid of another kind with the same resolution and channels (its feature GTK needs no training). */
export function baselineGrid(kind: GridKind, like: GridModel): GridModel {
  switch (kind) {
    case 'dense': return new DenseGrid(like.resolution, like.channels);
    case 'fouriergrid': return new FourierGrid(like.resolution, like.channels);
    case 'hash': return new HashGrid({ levels: 12, log2TableSize: 17, minResolution: 8, resolution: like.resolution }, like.channels);
    default: throw new RangeError(`no baseline of kind ${kind}`);
  }
}

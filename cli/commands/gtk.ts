/**
 * `mulfa gtk <snapshot> [--grid density|color] [--points n] [--seed s] [--baseline model] [--backend auto|cpu|webgpu] [--json] [--png out.png|out.svg]`:
 * the grid tangent kernel of a trained field's density or colour grid on n points chosen where the field
 * matters (rendering weight, plus a 25 % uniform share): eigenvalues, the Fourier spectrum of GTK rows along a
 * line through the scene, and Δ = Yᵀ(G + λI)⁻¹Y/n with the grid's outputs as labels. With --baseline, the same
 * for a fixed-kernel model at the same resolution on the same points and labels. A learned kernel's part of the
 * GTK is a dense product J Jᵀ over its parameters (n × 12·1,153 for MulFA's colour grid): --backend webgpu runs
 * it through TF.js's WebGPU backend, cpu through GRAM_ON_CPU (bench/gtk.ts --only gram measures them).
 */
import { parse, intFlag, UsageError } from '../args';
import { writeFileAtomic } from '../../datasets/node/files';
import { loadTrainer, storedCamera, type StoredCamera } from './eval';
import { selectFieldPoints } from '../../core/gtk/points';
import { gtkReport, type GtkReport, baselineGrid } from '../../core/gtk/report';
import { linePlot, heatmap, panels } from '../../core/gtk/plot';
import type { GridKind } from '../../core/field/GridModel';
import { JS_OPS } from '../../core/field/ops';
import { svgToPng } from '../plot';
import { type Gram, jsGram } from '../../core/gtk/gtk';
import { tfGram } from '../../core/gtk/tfGram';
import { backendFlag, nodeGpu, resolveBackend } from '../gpu';

/**
 * The GTK's dense product on the CPU: 'tfjs-wasm' (TF.js's WebAssembly backend, float32) or 'typescript'
 * (float64 loops). Chosen by measurement: 1.67 vs 10.55 s for 1,024 points of MulFA's colour grid
 * (`npm run bench -- --only gram`, README "Measured").
 */
export const GRAM_ON_CPU: 'tfjs-wasm' | 'typescript' = 'tfjs-wasm';

/** The product for --backend (auto: a hardware GPU, else the CPU, saying why); a GPU that cannot start is exit 2. */
async function gramFor(selected: string, log: (s: string) => void): Promise<{ gram: Gram; on: string }> {
  const choice = await resolveBackend(selected, log);
  const { initTf } = await import('../tf'); // TF.js loads only for a learned kernel's GTK
  if (choice.backend === 'webgpu') {
    try {
      return { gram: tfGram(await initTf('webgpu', await nodeGpu(log))), on: 'TF.js webgpu' };
    } catch (e) {
      throw new UsageError(`${(e as Error).message}: use --backend cpu`);
    }
  }
  if (GRAM_ON_CPU === 'typescript') return { gram: jsGram, on: 'TypeScript (float64)' };
  return { gram: tfGram(await initTf('wasm')), on: 'TF.js wasm' };
}

/** The options `mulfa gtk` takes (cli/help.ts documents each). */
export const GTK_OPTIONS = { grid: { type: 'string' }, points: { type: 'string' }, seed: { type: 'string' },
    baseline: { type: 'string' }, json: { type: 'boolean' }, png: { type: 'string' }, line: { type: 'string' },
    backend: { type: 'string' } } as const;

export async function gtkCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, GTK_OPTIONS, 1);
  const which = values.grid ?? 'density';
  if (which !== 'density' && which !== 'color') throw new UsageError(`--grid must be density or color, got "${values.grid}"`);
  const n = intFlag(values.points, 'points', 2) ?? 1024;
  if (n > 4096) throw new UsageError(`--points must be at most 4096 (the GTK is n×n), got ${n}`);
  const m = intFlag(values.line, 'line', 8) ?? 256;
  const seed = intFlag(values.seed, 'seed', 0) ?? 0;
  const baseline = values.baseline as GridKind | undefined;
  if (baseline && !['dense', 'fouriergrid', 'hash'].includes(baseline)) throw new UsageError(`--baseline must be dense, fouriergrid or hash, got "${baseline}"`);
  const selected = backendFlag(values.backend);
  const log = (s: string) => process.stderr.write(s + '\n');
  const t0 = performance.now();

  const trainer = await loadTrainer(positionals[0], JS_OPS);
  const field = trainer.field, grid = which === 'density' ? field.density : field.color;
  const cams = ((trainer.meta.cameras ?? []) as StoredCamera[]).map(storedCamera);
  const sel = selectFieldPoints(field, cams, trainer.data, n, seed);
  log(`${n} points (${sel.weighted} by rendering weight, ${n - sel.weighted} uniform) on the ${which} grid (${grid.kind}, R = ${grid.resolution})`);
  // only a learned kernel has a dense part; a fixed kernel's GTK is sparse sums on the CPU whatever --backend says
  const { gram, on } = grid.kind === 'mulfagrid' ? await gramFor(selected, log) : { gram: jsGram, on: 'none (fixed kernel)' };
  log(`kernel parameters' product J Jᵀ: ${on}`);
  const rep = await gtkReport(grid, sel.pts, n, m, (s) => log(s), undefined, gram);
  let base: GtkReport | null = null;
  if (baseline) base = await gtkReport(baselineGrid(baseline, grid), sel.pts, n, m, (s) => log(`baseline: ${s}`), rep.labels);
  const seconds = (performance.now() - t0) / 1000;
  log(`Δ = ${rep.delta.toExponential(3)} (λ = ${rep.ridge.toExponential(2)}), spectral breadth ${rep.breadth.toFixed(4)}, ${seconds.toFixed(1)} s`);

  if (values.png) {
    const series = [{ name: `${grid.kind} (${which})`, y: rep.eigenvalues }, ...(base ? [{ name: base.model, y: base.eigenvalues }] : [])];
    const fser = [{ name: `${grid.kind} (${which})`, y: rep.fourier.slice(1), x: Array.from({ length: rep.fourier.length - 1 }, (_, k) => k + 1) },
      ...(base ? [{ name: base.model, y: base.fourier.slice(1), x: Array.from({ length: base.fourier.length - 1 }, (_, k) => k + 1) }] : [])];
    const svg = panels([
      linePlot({ title: `GTK eigenvalues, ${n} points`, xLabel: 'index', yLabel: 'eigenvalue', logX: true, logY: true, series }),
      linePlot({ title: `Fourier spectrum of GTK rows (line, ${m} points)`, xLabel: 'frequency (cycles per line)', yLabel: '|F|', logY: true, series: fser }),
      heatmap(`GTK along the line (${grid.kind}, ${which})`, rep.lineGtk, m),
    ], 3);
    writeFileAtomic(values.png, values.png.toLowerCase().endsWith('.svg') ? new TextEncoder().encode(svg) : await svgToPng(svg));
    log(`wrote ${values.png}`);
  }
  const out = {
    grid: which, model: grid.kind, resolution: grid.resolution, points: n, weighted_points: sel.weighted, seed,
    eigenvalues: Array.from(rep.eigenvalues), fourier: Array.from(rep.fourier), delta: rep.delta, ridge: rep.ridge,
    spectral_breadth: rep.breadth, kernel_params: rep.kernelParams, product_on: on, seconds: Number(seconds.toFixed(2)),
    ...(base ? { baseline: { model: base.model, eigenvalues: Array.from(base.eigenvalues), fourier: Array.from(base.fourier), delta: base.delta,
      ridge: base.ridge, spectral_breadth: base.breadth } } : {}),
  };
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else process.stdout.write(`${grid.kind} ${which} grid: Δ ${rep.delta.toExponential(3)}, λ_max ${rep.eigenvalues[0].toExponential(3)}, breadth ${rep.breadth.toFixed(4)}\n`);
  return 0;
}

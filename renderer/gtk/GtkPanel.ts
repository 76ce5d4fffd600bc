/** The app's GTK panel: on demand, spectra of the current field's density or colour grid and of a baseline. */
import { linePlot, heatmap } from '../../core/gtk/plot';
import type { Camera } from '../../core/scene/Camera';
import type { GridKind } from '../../core/field/GridModel';
import type { GtkMessage, GtkRequest, GtkSeries } from './gtk.worker';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class GtkPanel {
  private worker: Worker | null = null;

  /** `snapshot` gives the current training state; `cameras` the training cameras (for point selection). */
  constructor(private readonly snapshot: () => Promise<Uint8Array | null>, private readonly cameras: () => Camera[]) {
    $('gtk-compute').addEventListener('click', () => void this.compute());
  }

  setEnabled(on: boolean): void {
    $<HTMLButtonElement>('gtk-compute').disabled = !on || this.worker !== null;
  }

  async compute(): Promise<void> {
    const bytes = await this.snapshot();
    if (!bytes) return;
    const req: GtkRequest = {
      bytes, cameras: this.cameras(), grid: $<HTMLSelectElement>('gtk-grid').value as 'density' | 'color',
      points: Math.max(16, Math.min(2048, Math.round(Number($<HTMLInputElement>('gtk-points').value) || 512))), line: 128,
      baseline: ($<HTMLSelectElement>('gtk-baseline').value || null) as GridKind | null, seed: 0,
    };
    this.worker = new Worker(new URL('./gtk.worker.ts', import.meta.url), { type: 'module' });
    $<HTMLButtonElement>('gtk-compute').disabled = true;
    document.body.dataset.gtk = 'running';
    const progress = $('gtk-progress');
    this.worker.onmessage = (e: MessageEvent<GtkMessage>) => {
      const m = e.data;
      if (m.type === 'progress') { progress.textContent = m.text; return; }
      this.worker?.terminate();
      this.worker = null;
      $<HTMLButtonElement>('gtk-compute').disabled = false;
      if (m.type === 'error') { progress.textContent = `failed: ${m.message}`; document.body.dataset.gtk = 'error'; return; }
      progress.textContent = `done in ${(m.ms / 1000).toFixed(1)} s (product on ${m.productOn})`;
      progress.dataset.productOn = m.productOn;
      this.show(m.main, m.baseline, m.points, m.weighted, m.grid);
      document.body.dataset.gtk = 'done';
    };
    this.worker.postMessage(req, [bytes.buffer]);
  }

  private show(main: GtkSeries, base: GtkSeries | null, n: number, weighted: number, grid: string): void {
    const fmt = (s: GtkSeries) => `${s.model}: Δ ${s.delta.toExponential(3)} (λ ${s.ridge.toExponential(1)}), λmax ${s.eigenvalues[0].toExponential(3)}, ` +
      `spectral breadth ${s.breadth.toFixed(4)}`;
    const summary = $('gtk-summary');
    summary.textContent = `${grid} grid, ${n} points (${weighted} by rendering weight) — ${fmt(main)}${base ? ` · baseline ${fmt(base)}` : ''}`;
    summary.dataset.delta = String(main.delta);
    const all = [{ ...main, model: `current (${main.model})` }, ...(base ? [{ ...base, model: `baseline ${base.model}` }] : [])];
    const freqs = (s: GtkSeries) => Array.from({ length: s.fourier.length - 1 }, (_, k) => k + 1);
    const svgs = [
      linePlot({ title: `GTK eigenvalues (${n} points)`, xLabel: 'index', yLabel: 'eigenvalue', logX: true, logY: true,
        series: all.map((s) => ({ name: s.model, y: s.eigenvalues })) }),
      linePlot({ title: 'Fourier spectrum of GTK rows along a line', xLabel: 'frequency (cycles per line)', yLabel: '|F|', logY: true,
        series: all.map((s) => ({ name: s.model, y: s.fourier.slice(1), x: freqs(s) })) }),
      ...all.map((s) => heatmap(`${s.model}: GTK along the line`, s.lineGtk, Math.round(Math.sqrt(s.lineGtk.length)), { size: 240 })),
    ];
    // the SVG strings come from core/gtk/plot.ts (numbers and escaped labels only)
    $('gtk-plots').innerHTML = svgs.join('\n');
  }
}

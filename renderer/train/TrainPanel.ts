/**
 * The training panel: settings, memory estimate, start/pause/resume/stop/snapshot, live loss and PSNR
 * chart, and the held-out comparison (ground truth, exact render, error map). Training runs in
 * train.worker.ts; this side only posts messages and draws.
 */
import type { Scene } from '../../core/scene/Scene';
import { type TrainData, type TrainView, viewRgb } from '../../core/train/Trainer';
import { trainDataFromScene, loadViews, evalIndices } from '../../core/train/data';
import { psnr as psnrOf } from '../../core/metrics';
import type { GridKind } from '../../core/field/GridModel';
import { trainConfigFor } from '../../core/train/TrainingSession';
import { estimateMemory } from '../../core/train/memory';
import type { FromWorker, ToWorker, Progress, TrainSettings } from './protocol';
import { drawRgb } from '../draw';
import { chooseBackend } from '../../core/gpu/adapter';
import { decodeSnapshot } from '../../core/io/snapshot';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class TrainPanel {
  private worker: Worker | null = null;
  private data: TrainData | null = null;
  private held: TrainView[] = [];
  private history: Progress[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (m: FromWorker) => void>();
  private state: 'idle' | 'training' | 'paused' | 'done' | 'stopped' = 'idle';
  /** Called with snapshot bytes when the user saves one (the host decides where). */
  onSnapshot: (bytes: Uint8Array) => void = () => {};
  onError: (message: string) => void = () => {};
  onStateChange: (state: TrainPanel['state']) => void = () => {};
  /** Each progress report, with where the steps run. */
  onProgress: (p: Progress, backend: string) => void = () => {};
  private readonly exportListeners = new Map<number, (fraction: number) => void>();

  constructor() {
    $('train-start').addEventListener('click', () => void this.start());
    $('train-pause').addEventListener('click', () => this.send({ type: 'pause' }));
    $('train-resume').addEventListener('click', () => this.send({ type: 'resume' }));
    $('train-stop').addEventListener('click', () => this.send({ type: 'stop' }));
    $('train-snapshot').addEventListener('click', () => void this.snapshot());
    $('compare-render').addEventListener('click', () => void this.compare());
    for (const id of ['model', 'resolution']) $(id).addEventListener('input', () => this.showEstimate());
    this.showEstimate();
    this.setState('idle');
  }

  /** A new scene: training data and held-out views are prepared; any running training stops. */
  async setScene(scene: Scene): Promise<void> {
    this.worker?.terminate();
    this.worker = null;
    this.history = [];
    this.data = await trainDataFromScene(scene);
    this.held = await loadViews(scene, evalIndices(scene));
    const sel = $<HTMLSelectElement>('compare-view');
    sel.replaceChildren(...this.held.map((_, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: `held-out view ${i}` })));
    $('train-stats').textContent = `${this.data.views.length} training views, ${this.held.length} held out`;
    this.drawChart();
    this.showEstimate(); // the scene's space sets the step and the samples a ray may take
    this.setState('idle');
  }

  private settings(): TrainSettings {
    return {
      model: $<HTMLSelectElement>('model').value as GridKind,
      resolution: Math.max(16, Math.min(256, Math.round(Number($<HTMLInputElement>('resolution').value) || 96))),
      timeBudget: Number($<HTMLInputElement>('time-budget').value) || 0,
      maxSteps: Math.round(Number($<HTMLInputElement>('max-steps').value) || 0),
      seed: 0,
      backend: $<HTMLSelectElement>('backend').value === 'webgpu' ? 'webgpu' : 'cpu',
    };
  }

  private showEstimate(): void {
    const s = this.settings(), space = this.data?.space?.kind;
    const config = trainConfigFor({ model: s.model, resolution: s.resolution, seed: 0, maxSteps: 0, space });
    $('mem-estimate').textContent = `memory estimate: up to ${(estimateMemory(config, space) / 2 ** 20).toFixed(0)} MiB`;
  }

  private setState(s: TrainPanel['state']): void {
    this.state = s;
    document.body.dataset.train = s;
    this.onStateChange(s);
    const running = s === 'training', paused = s === 'paused', has = s !== 'idle';
    $<HTMLButtonElement>('train-start').disabled = running || paused || !this.data;
    $<HTMLButtonElement>('train-pause').disabled = !running;
    $<HTMLButtonElement>('train-resume').disabled = !paused;
    $<HTMLButtonElement>('train-stop').disabled = !(running || paused);
    $<HTMLButtonElement>('train-snapshot').disabled = !has;
    $<HTMLButtonElement>('compare-render').disabled = !has || this.held.length === 0;
  }

  private send(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private request<T extends FromWorker>(m: ToWorker & { id: number }): Promise<T> {
    return new Promise((resolve) => {
      this.pending.set(m.id, resolve as (x: FromWorker) => void);
      this.send(m);
    });
  }

  private newWorker(): void {
    this.worker?.terminate();
    this.worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.onMessage(e.data);
    this.worker.onerror = (e) => this.onError(`training worker failed: ${e.message}`);
    this.history = [];
  }

  async start(): Promise<void> {
    if (!this.data) return;
    const settings = this.settings();
    const choice = await chooseBackend($<HTMLSelectElement>('backend').value, navigator.gpu);
    settings.backend = choice.backend;
    document.body.dataset.backendNote = choice.note;
    this.newWorker();
    // the worker gets copies: the panel keeps its data for the next run
    this.send({ type: 'start', data: this.data, settings });
  }

  /** Opens a .mulfa snapshot on the current scene's data: paused, ready to render or to resume training. */
  async loadSnapshot(bytes: Uint8Array, name: string): Promise<void> {
    if (!this.data) throw new Error('open a dataset first');
    this.newWorker();
    const state = new Promise<void>((resolve, reject) => {
      const w = this.worker!;
      w.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === 'error') { reject(new Error(m.message)); this.setState('idle'); }
        else this.onMessage(m);
        if (m.type === 'state') resolve();
        if (m.type === 'state' || m.type === 'error') w.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data);
      };
    });
    const meta = decodeSnapshot(bytes, name).header as { config?: { field?: { model?: GridKind } } };
    const choice = await chooseBackend($<HTMLSelectElement>('backend').value, navigator.gpu);
    document.body.dataset.backendNote = choice.note;
    this.send({ type: 'load', bytes, name, data: this.data, backend: choice.backend });
    await state;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'ready': document.body.dataset.backend = `${m.backend}, ${m.threads} thread${m.threads === 1 ? '' : 's'}`; break;
      case 'state': this.setState(m.state); break;
      case 'progress': {
        const p = m.progress;
        this.history.push(p);
        const stats = $('train-stats');
        stats.dataset.step = String(p.step);
        stats.textContent = `step ${p.step} · loss ${p.loss.toFixed(5)} · PSNR ${p.psnr.toFixed(2)} dB · ${Math.round(p.raysPerSec)} rays/s · ` +
          `res ${p.resolution} · occupancy ${(p.occupancy * 100).toFixed(0)} % · ${(p.memory / 2 ** 20).toFixed(0)} MiB · ` +
          `${p.seconds.toFixed(0)} s${Number.isFinite(p.eta) ? ` · ETA ${p.eta.toFixed(0)} s` : ''} · ${document.body.dataset.backend ?? ''}`;
        this.drawChart();
        this.onProgress(p, document.body.dataset.backend ?? '');
        break;
      }
      case 'exportProgress': this.exportListeners.get(m.id)?.(m.fraction); break;
      case 'rendered': case 'snapshot': case 'baked': case 'mesh': case 'points': {
        const cb = this.pending.get(m.id);
        this.pending.delete(m.id);
        cb?.(m);
        break;
      }
      case 'error': {
        const cb = m.id !== undefined ? this.pending.get(m.id) : undefined;
        if (cb) { this.pending.delete(m.id!); cb(m); } else this.onError(m.message);
        break;
      }
    }
  }

  /** Renders the selected held-out view with the current field and shows it next to the ground truth. */
  async compare(): Promise<number> {
    const i = Number($<HTMLSelectElement>('compare-view').value) || 0;
    const view = this.held[i];
    if (!view) return NaN;
    return this.compareView(view, `held-out view ${i}`);
  }

  /** Ground truth, exact render and error map of any view (a held-out one, or a training camera picked in the viewport). */
  async compareView(view: TrainView, label: string): Promise<number> {
    if (!this.worker || this.state === 'idle') return NaN;
    $('compare-title').textContent = `${label}: ground truth · render · error`;
    const r = await this.request<Extract<FromWorker, { type: 'rendered' }>>({ type: 'render', id: this.nextId++, camera: view.camera });
    const { width: w, height: h } = view.camera, gt = viewRgb(view);
    drawRgb($('cmp-gt'), gt, w, h);
    drawRgb($('cmp-render'), r.rgb, w, h);
    const err = new Float32Array(w * h * 3);
    for (let p = 0; p < w * h; p++) {
      let e = 0;
      for (let c = 0; c < 3; c++) e += Math.abs(r.rgb[p * 3 + c] - gt[p * 3 + c]);
      err[p * 3] = Math.min(1, e * 2); err[p * 3 + 1] = Math.min(1, e * 0.5); err[p * 3 + 2] = 0; // |error| × 2 in red
    }
    drawRgb($('cmp-error'), err, w, h);
    const value = psnrOf(r.rgb, gt);
    const out = $('compare-psnr');
    out.textContent = `PSNR ${value.toFixed(2)} dB (exact render, ${r.ms.toFixed(0)} ms)`;
    out.dataset.psnr = String(value);
    return value;
  }

  /** The field baked for the viewport (null before training started). */
  async bake(size: number, eye: number[]): Promise<Extract<FromWorker, { type: 'baked' }> | null> {
    if (!this.worker || this.state === 'idle') return null;
    return this.request<Extract<FromWorker, { type: 'baked' }>>({ type: 'bake', id: this.nextId++, size, eye });
  }

  /** An exact engine render of any camera (null before training started). */
  async render(camera: import('../../core/scene/Camera').Camera): Promise<Extract<FromWorker, { type: 'rendered' }> | null> {
    if (!this.worker || this.state === 'idle') return null;
    return this.request<Extract<FromWorker, { type: 'rendered' }>>({ type: 'render', id: this.nextId++, camera });
  }

  /** A coloured mesh of the current field (marching cubes in the worker); null before training. */
  async mesh(resolution: number, threshold: number, onProgress: (f: number) => void): Promise<import('../../core/mesh/extract').MeshData | null> {
    const r = await this.exportRequest({ type: 'mesh', id: this.nextId++, resolution, threshold }, onProgress);
    return r && r.type === 'mesh' ? r.mesh : null;
  }

  /** A point cloud of high-weight samples along training rays; null before training. */
  async points(rays: number, minWeight: number, onProgress: (f: number) => void): Promise<import('../../core/mesh/extract').PointCloud | null> {
    const r = await this.exportRequest({ type: 'points', id: this.nextId++, rays, minWeight }, onProgress);
    return r && r.type === 'points' ? r.cloud : null;
  }

  private async exportRequest(m: Extract<ToWorker, { type: 'mesh' | 'points' }>, onProgress: (f: number) => void): Promise<FromWorker | null> {
    if (!this.worker || this.state === 'idle') return null;
    this.exportListeners.set(m.id, onProgress);
    try {
      const r = await this.request<FromWorker>(m);
      if (r.type === 'error') throw new Error(r.message);
      return r;
    } finally {
      this.exportListeners.delete(m.id);
    }
  }

  get heldOut(): TrainView[] { return this.held; }

  /** The training views (cameras and targets) of the current scene. */
  get trainingViews(): TrainView[] { return this.data?.views ?? []; }

  get trainingState(): TrainPanel['state'] { return this.state; }

  async snapshot(): Promise<void> {
    const bytes = await this.snapshotBytes();
    if (bytes) this.onSnapshot(bytes);
  }

  /** The training state as .mulfa bytes (null before training). */
  async snapshotBytes(): Promise<Uint8Array | null> {
    if (!this.worker || this.state === 'idle') return null;
    const r = await this.request<Extract<FromWorker, { type: 'snapshot' }>>({ type: 'snapshot', id: this.nextId++ });
    return r.bytes;
  }

  private drawChart(): void {
    const c = $<HTMLCanvasElement>('chart'), g = c.getContext('2d')!;
    const W = c.width, H = c.height, pad = 28;
    g.fillStyle = '#1b1e26'; g.fillRect(0, 0, W, H);
    g.font = '11px system-ui'; g.fillStyle = '#9aa3b5';
    g.fillText('PSNR (dB, blue) and log loss (orange) per step', pad, 14);
    const h = this.history;
    if (h.length < 2) return;
    const steps = h.map((p) => p.step), x0 = steps[0], x1 = steps[steps.length - 1] || 1;
    const tx = (s: number) => pad + ((s - x0) / Math.max(1, x1 - x0)) * (W - 2 * pad);
    const line = (vals: number[], color: string, label: (v: number) => string) => {
      const lo = Math.min(...vals), hi = Math.max(...vals), span = hi - lo || 1;
      g.strokeStyle = color; g.lineWidth = 1.5; g.beginPath();
      vals.forEach((v, i) => { const y = H - pad + 8 - ((v - lo) / span) * (H - pad - 16); if (i) g.lineTo(tx(steps[i]), y); else g.moveTo(tx(steps[i]), y); });
      g.stroke();
      g.fillStyle = color;
      return [label(lo), label(hi)];
    };
    const [pl, ph] = line(h.map((p) => p.psnr), '#6ea8ff', (v) => v.toFixed(1));
    line(h.map((p) => Math.log10(Math.max(1e-12, p.loss))), '#ffae57', (v) => v.toFixed(1));
    g.fillStyle = '#6ea8ff'; g.fillText(ph, 2, 26); g.fillText(pl, 2, H - pad + 8);
    g.fillStyle = '#9aa3b5'; g.fillText(`step ${x0}`, pad, H - 4); g.fillText(`step ${x1}`, W - pad - 50, H - 4);
  }
}

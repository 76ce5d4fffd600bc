/**
 * The Geometry export panel: a closed, vertex-coloured mesh of the trained density (marching cubes in the
 * training worker, core/mesh/extract.ts) written as .glb, .ply or .obj through three.js's exporters, or a point
 * cloud (.ply) of high-weight samples along training rays; progress in the panel, the taskbar and the title.
 */
import type { TrainPanel } from '../train/TrainPanel';
import { encodeMesh, encodePoints, type MeshFormat } from '../../datasets/mesh';
import { checkMeshOptions, POINT_DEFAULTS } from '../../core/mesh/extract';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class GeometryPanel {
  private busy = false;
  onSave: (name: string, bytes: Uint8Array) => void = () => {};
  onError: (message: string) => void = () => {};
  /** Progress of the running export (null: none), for the taskbar and title. */
  onProgress: (fraction: number | null, label: string) => void = () => {};
  /** An export finished: what was written and how long it took (seconds). */
  onDone: (message: string, seconds: number) => void = () => {};

  constructor(private readonly panel: TrainPanel) {
    $('export-mesh').addEventListener('click', () => void this.exportMesh());
    $('export-points').addEventListener('click', () => void this.exportPoints());
  }

  /** Whether a field exists to export. */
  setEnabled(on: boolean): void {
    $<HTMLButtonElement>('export-mesh').disabled = !on || this.busy;
    $<HTMLButtonElement>('export-points').disabled = !on || this.busy;
  }

  private show(fraction: number, text: string): void {
    $<HTMLProgressElement>('mesh-bar').value = fraction;
    $('mesh-progress').textContent = text;
  }

  private async run(label: string, work: (onProgress: (f: number) => void) => Promise<{ name: string; bytes: Uint8Array; summary: string } | null>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.setEnabled(true);
    document.body.dataset.meshExport = 'running';
    const t0 = performance.now();
    try {
      const out = await work((f) => { this.show(f, `${label} ${(f * 100).toFixed(0)} %`); this.onProgress(f, label); });
      if (!out) { this.show(0, 'train or open a snapshot first'); document.body.dataset.meshExport = 'idle'; return; }
      this.onSave(out.name, out.bytes);
      const seconds = (performance.now() - t0) / 1000;
      this.show(1, `${out.summary}, ${(out.bytes.length / 2 ** 20).toFixed(1)} MiB, ${seconds.toFixed(1)} s`);
      document.body.dataset.meshExport = 'done';
      this.onDone(`${out.name}: ${out.summary}`, seconds);
    } catch (e) {
      this.show(0, 'failed');
      document.body.dataset.meshExport = 'error';
      this.onError(`${label} export failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.busy = false;
      this.onProgress(null, label);
      this.setEnabled(this.panel.trainingState !== 'idle');
    }
  }

  async exportMesh(): Promise<void> {
    const format = $<HTMLSelectElement>('mesh-format').value as MeshFormat;
    const opts = { resolution: Math.round(Number($<HTMLInputElement>('mesh-resolution').value)), threshold: Number($<HTMLInputElement>('mesh-threshold').value) };
    const bad = checkMeshOptions(opts);
    if (bad) { this.onError(`mesh export: ${bad}`); return; }
    await this.run('mesh', async (onProgress) => {
      const mesh = await this.panel.mesh(opts.resolution, opts.threshold, (f) => onProgress(0.95 * f));
      if (!mesh) return null;
      const T = mesh.indices.length / 3;
      if (T === 0) throw new Error(`no surface at threshold ${opts.threshold}: nothing in the field is that opaque (try a lower threshold)`);
      const bytes = await encodeMesh(mesh, format);
      onProgress(1);
      const summary = `${mesh.positions.length / 3} vertices, ${T} triangles`;
      $('mesh-progress').dataset.triangles = String(T);
      return { name: `mulfa-mesh.${format}`, bytes, summary };
    });
  }

  async exportPoints(): Promise<void> {
    await this.run('point cloud', async (onProgress) => {
      const cloud = await this.panel.points(POINT_DEFAULTS.rays, POINT_DEFAULTS.minWeight, (f) => onProgress(0.95 * f));
      if (!cloud) return null;
      const P = cloud.positions.length / 3;
      if (P === 0) throw new Error(`no sample reaches weight ${POINT_DEFAULTS.minWeight}`);
      onProgress(1);
      return { name: 'mulfa-points.ply', bytes: encodePoints(cloud), summary: `${P} points` };
    });
  }
}

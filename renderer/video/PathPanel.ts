/**
 * Keyframed camera paths in the app: an orbit that frames the scene, keyframes added from the current
 * view (moved, deleted, each with its field of view), loop, scrub preview in the viewport, nerfstudio
 * camera_path.json import/export, and video export: every frame rendered exactly by the engine in the
 * training worker (the app stays usable), encoded with WebCodecs, offered as a file only when complete.
 */
import { type CameraPath, type Keyframe, scenePath, sampleKeyframes, pathFrames, keyframeCamera, toCameraPathJson, parseCameraPathJson } from '../../core/paths/CameraPath';
import { type Scene, sceneSpace } from '../../core/scene/Scene';
import type { Viewport } from '../viewport/Viewport';
import type { TrainPanel } from '../train/TrainPanel';
import { VideoEncoderSession } from './encode';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class PathPanel {
  private keyframes: Keyframe[] = [];
  private scene: Scene | null = null;
  private cancelled = false;
  onSave: (name: string, bytes: Uint8Array) => void = () => {};
  onError: (message: string) => void = () => {};
  /** Progress of a running video export (null: none), for the taskbar and title. */
  onProgress: (fraction: number | null) => void = () => {};
  /** A video export finished: what was written and how long it took (seconds). */
  onDone: (message: string, seconds: number) => void = () => {};

  constructor(private readonly viewport: Viewport, private readonly panel: TrainPanel) {
    $('kf-orbit').addEventListener('click', () => this.orbit());
    $('kf-add').addEventListener('click', () => { this.keyframes.push(this.current()); this.refresh(this.keyframes.length - 1); });
    $('kf-update').addEventListener('click', () => { const i = this.selected(); if (i >= 0) { this.keyframes[i] = { ...this.current(), fov: this.keyframes[i].fov }; this.refresh(i); } });
    $('kf-delete').addEventListener('click', () => { const i = this.selected(); if (i >= 0) { this.keyframes.splice(i, 1); this.refresh(Math.min(i, this.keyframes.length - 1)); } });
    $('kf-list').addEventListener('change', () => { const i = this.selected(); this.refresh(i); if (i >= 0) this.preview(this.keyframes[i]); });
    $('kf-fov').addEventListener('change', () => { const i = this.selected(); if (i >= 0) { this.keyframes[i].fov = Number($<HTMLInputElement>('kf-fov').value) || 40; this.refresh(i); } });
    $('path-scrub').addEventListener('input', () => { if (this.keyframes.length) this.preview(sampleKeyframes(this.path(), Number($<HTMLInputElement>('path-scrub').value) / 1000)); });
    $('path-export').addEventListener('click', () => {
      this.onSave('camera_path.json', new TextEncoder().encode(JSON.stringify(toCameraPathJson(this.path()), null, 1)));
    });
    $('path-import').addEventListener('click', () => $('path-file').click());
    $('path-file').addEventListener('change', async () => {
      const f = $<HTMLInputElement>('path-file').files?.[0];
      if (!f) return;
      try { this.load(JSON.parse(await f.text()), f.name); } catch (e) { this.onError(e instanceof Error ? `${f.name}: ${e.message}` : String(e)); }
      $<HTMLInputElement>('path-file').value = '';
    });
    $('export-video').addEventListener('click', () => void this.exportVideo());
    $('export-cancel').addEventListener('click', () => { this.cancelled = true; });
  }

  setScene(scene: Scene): void {
    this.scene = scene;
    this.keyframes = [];
    this.refresh(-1);
  }

  /** Whether a field exists to render. */
  setCanRender(on: boolean): void {
    $<HTMLButtonElement>('export-video').disabled = !on || this.keyframes.length === 0 || document.body.dataset.export === 'running';
  }

  private size(): [number, number] {
    const m = /^(\d+)\s*[x×]\s*(\d+)$/.exec($<HTMLInputElement>('path-size').value.trim());
    if (!m) throw new Error(`size must be WxH, got "${$<HTMLInputElement>('path-size').value}"`);
    return [Number(m[1]) + (Number(m[1]) % 2), Number(m[2]) + (Number(m[2]) % 2)];
  }

  path(): CameraPath {
    const [width, height] = this.size();
    return { keyframes: this.keyframes, fps: Math.max(1, Number($<HTMLInputElement>('path-fps').value) || 30),
      seconds: Math.max(0.05, Number($<HTMLInputElement>('path-seconds').value) || 4), width, height, loop: $<HTMLInputElement>('path-loop').checked };
  }

  /** Replaces the path by an imported nerfstudio-style camera_path.json (its cameras become keyframes). */
  load(json: unknown, name: string): void {
    const { path } = parseCameraPathJson(json, name);
    this.keyframes = path.keyframes;
    $<HTMLInputElement>('path-fps').value = String(path.fps);
    $<HTMLInputElement>('path-seconds').value = String(path.seconds);
    $<HTMLInputElement>('path-size').value = `${path.width}x${path.height}`;
    $<HTMLInputElement>('path-loop').checked = path.loop;
    this.refresh(0);
  }

  private orbit(): void {
    if (!this.scene) return;
    const s = this.scene;
    const { path } = scenePath(sceneSpace(s), s.aabb, s.splits.train.map((i) => s.views[i].camera), s.near, s.far, { frames: 8 });
    this.keyframes = path.keyframes;
    $<HTMLInputElement>('path-loop').checked = true;
    this.refresh(0);
  }

  private current(): Keyframe {
    const cam = this.viewport.camera;
    cam.updateMatrixWorld();
    return { c2w: Array.from(cam.matrixWorld.elements), fov: cam.fov };
  }

  private preview(k: Keyframe): void {
    const [w, h] = this.size();
    this.viewport.lookThrough(keyframeCamera(k, w, h));
  }

  private selected(): number {
    return $<HTMLSelectElement>('kf-list').selectedIndex;
  }

  private refresh(select: number): void {
    const list = $<HTMLSelectElement>('kf-list');
    list.replaceChildren(...this.keyframes.map((k, i) => Object.assign(document.createElement('option'), {
      textContent: `#${i + 1}  (${k.c2w[12].toFixed(2)}, ${k.c2w[13].toFixed(2)}, ${k.c2w[14].toFixed(2)})  fov ${k.fov.toFixed(1)}°` })));
    list.selectedIndex = select;
    const has = select >= 0 && select < this.keyframes.length;
    for (const id of ['kf-update', 'kf-delete', 'kf-fov']) ($(id) as HTMLButtonElement).disabled = !has;
    if (has) $<HTMLInputElement>('kf-fov').value = this.keyframes[select].fov.toFixed(1);
    document.body.dataset.keyframes = String(this.keyframes.length);
    this.setCanRender(this.panel.trainingState !== 'idle');
  }

  /** Renders every frame with the engine, encodes, and offers the file; cancel leaves nothing. */
  async exportVideo(): Promise<void> {
    const progress = $('export-progress');
    let session: VideoEncoderSession | null = null;
    try {
      const path = this.path(), frames = pathFrames(path);
      session = await VideoEncoderSession.open(path.width, path.height, path.fps);
      this.cancelled = false;
      $<HTMLProgressElement>('export-bar').value = 0;
      document.body.dataset.export = 'running';
      $<HTMLButtonElement>('export-video').disabled = true;
      $<HTMLButtonElement>('export-cancel').disabled = false;
      const t0 = performance.now();
      for (let f = 0; f < frames.length; f++) {
        if (this.cancelled) {
          session.cancel();
          progress.textContent = 'cancelled: no file written';
          document.body.dataset.export = 'cancelled';
          return;
        }
        const r = await this.panel.render(keyframeCamera(frames[f], path.width, path.height));
        if (!r) throw new Error('train or open a snapshot first');
        await session.add(r.rgb);
        const s = (performance.now() - t0) / 1000;
        $<HTMLProgressElement>('export-bar').value = (f + 1) / frames.length;
        this.onProgress((f + 1) / frames.length);
        progress.textContent = `frame ${f + 1}/${frames.length} · ETA ${((s / (f + 1)) * (frames.length - f - 1)).toFixed(0)} s`;
      }
      const out = await session.finish();
      this.onSave(`mulfa-video.${out.ext}`, out.bytes);
      const seconds = (performance.now() - t0) / 1000;
      progress.textContent = `${frames.length} frames, ${out.codec}, ${(out.bytes.length / 1024).toFixed(0)} KiB in ${seconds.toFixed(1)} s`;
      document.body.dataset.export = 'done';
      this.onDone(`mulfa-video.${out.ext}: ${frames.length} frames`, seconds);
    } catch (e) {
      session?.cancel();
      progress.textContent = `export failed: ${e instanceof Error ? e.message : String(e)}`;
      document.body.dataset.export = 'error';
    } finally {
      this.onProgress(null);
      $<HTMLButtonElement>('export-cancel').disabled = true;
      this.setCanRender(this.panel.trainingState !== 'idle');
    }
  }
}

/** The app's UI entry: the same code in Electron and in a browser tab; the Host says which. */
import type { Scene } from '../core/scene/Scene';
import { compositeOnBackground } from '../core/image/RGBAImage';
import { loadScene, loadDemo } from '../datasets/load';
import { sceneInfo } from '../datasets/info';
import type { DatasetFS } from '../datasets/fs';
import type { Host } from './host/Host';
import { BrowserHost, entryToFS } from './host/BrowserHost';
import { ElectronHost } from './host/ElectronHost';
import { TrainPanel } from './train/TrainPanel';
import { Viewport } from './viewport/Viewport';
import { GtkPanel } from './gtk/GtkPanel';
import { drawRgb } from './draw';
import { PathPanel } from './video/PathPanel';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const host: Host = ElectronHost.available() ? ElectronHost.fromWindow() : new BrowserHost($<HTMLInputElement>('folder-input'));

const panel = new TrainPanel();
panel.onError = (m) => showError(m);
panel.onSnapshot = (bytes) => host.saveFile('mulfa-snapshot.mulfa', bytes);
const gtkPanel = new GtkPanel(() => panel.snapshotBytes(), () => currentScene ? currentScene.splits.train.map((i) => currentScene!.views[i].camera) : []);
let pathPanel: PathPanel | null = null;
panel.onStateChange = (s) => { gtkPanel.setEnabled(s !== 'idle'); pathPanel?.setCanRender(s !== 'idle'); if (s === 'training') showError(null); };

function showError(message: string | null): void {
  const box = $('error');
  box.hidden = message === null;
  box.textContent = message ?? '';
}

async function show(scene: Scene): Promise<void> {
  const info = sceneInfo(scene);
  $('dataset-title').textContent = `${scene.label} (${info.format})`;
  const rows: [string, string][] = [
    ['images', `${info.images} (train ${info.splits.train}, val ${info.splits.val}, test ${info.splits.test})`],
    ['size', `${info.width}×${info.height}`],
    ['focal', `${info.fx.toFixed(2)}, ${info.fy.toFixed(2)} px`],
    ['principal point', `${info.cx.toFixed(2)}, ${info.cy.toFixed(2)} px`],
    ['distortion', info.distortion ? JSON.stringify(info.distortion) : 'none'],
    ['box', info.aabb.map((p) => `[${p.map((x) => x.toFixed(2)).join(', ')}]`).join(' – ')],
    ['near / far', `${info.near.toFixed(2)} / ${info.far.toFixed(2)}`],
  ];
  const table = $('dataset-info');
  table.replaceChildren(...rows.map(([k, v]) => {
    const tr = document.createElement('tr');
    for (const text of [k, v]) { const td = document.createElement('td'); td.textContent = text; tr.append(td); }
    return tr;
  }));
  const thumbs = $('thumbs');
  thumbs.replaceChildren();
  for (const i of scene.splits.train.slice(0, 12)) {
    const img = await scene.loadImage(i);
    const rgb = compositeOnBackground(img, scene.background ?? [0, 0, 0]);
    const canvas = document.createElement('canvas');
    canvas.title = scene.views[i].name;
    drawRgb(canvas, rgb, img.width, img.height);
    thumbs.append(canvas);
  }
  document.body.dataset.state = 'loaded';
}

/** Loads a scene; a bad dataset shows the CLI's message and leaves the current scene in place. */
async function open(load: () => Promise<Scene> | Scene): Promise<void> {
  document.body.dataset.state = 'loading';
  try {
    const scene = await load();
    showError(null);
    await show(scene);
    await panel.setScene(scene);
    currentScene = scene;
    viewport.setDataset(scene, scene.splits.train.map((i) => scene.views[i].camera));
    pathPanel?.setScene(scene);
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    document.body.dataset.state = 'error';
  }
}

async function openFolder(fs: DatasetFS): Promise<void> {
  await open(() => loadScene(fs));
}

$('open-demo').addEventListener('click', () => void open(() => loadDemo()));
$('open-snapshot').addEventListener('click', () => {
  const input = $<HTMLInputElement>('snapshot-input');
  input.value = '';
  input.onchange = async () => {
    const f = input.files?.[0];
    if (!f) return;
    try {
      await panel.loadSnapshot(new Uint8Array(await f.arrayBuffer()), f.name);
      showError(null);
    } catch (e) {
      showError(e instanceof Error ? e.message : String(e));
    }
  };
  input.click();
});
$('open-dataset').addEventListener('click', async () => {
  try {
    const fs = await host.chooseDataset();
    if (fs) await openFolder(fs);
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
});
host.onMenu((event, fs) => {
  if (event === 'open-demo') void open(() => loadDemo());
  else if (event === 'open-snapshot') $('open-snapshot').click();
  else if (event === 'save-snapshot') { if (panel.trainingState !== 'idle') void panel.snapshot(); }
  else if (event === 'export-video') $('camera-path').scrollIntoView();
  else if (fs) void openFolder(fs);
});

// drag and drop of a dataset folder (read through the File API, in the browser and in Electron alike)
document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.dataset.drop = 'over'; });
document.addEventListener('dragleave', () => { delete document.body.dataset.drop; });
document.addEventListener('drop', (e) => {
  e.preventDefault();
  delete document.body.dataset.drop;
  const entry = e.dataTransfer?.items[0]?.webkitGetAsEntry();
  if (!entry?.isDirectory) { showError('drop a dataset folder'); return; }
  void open(async () => loadScene(await entryToFS(entry as FileSystemDirectoryEntry)));
});


// ---- viewport: baked field while training, exact render at rest, camera pick
const viewport = new Viewport($<HTMLCanvasElement>('viewport'));
viewport.setSize(640, 400);
pathPanel = new PathPanel(viewport, panel);
pathPanel.onSave = (name, bytes) => host.saveFile(name, bytes);
pathPanel.onError = (m) => showError(m);
let currentScene: Scene | null = null;
let baking = false;

async function rebake(): Promise<void> {
  if (baking) return;
  baking = true;
  try {
    const b = await panel.bake(96, viewport.eye);
    if (b) {
      viewport.setBaked(b.baked, b.near, b.far, b.background);
      $('bake-status').textContent = `baked ${b.baked.size}³ in ${b.ms.toFixed(0)} ms`;
    }
  } finally {
    baking = false;
  }
}

setInterval(() => { if (panel.trainingState === 'training') void rebake(); }, 3000);
viewport.onRest = async () => {
  if (panel.trainingState === 'idle') return;
  if (panel.trainingState !== 'training') await rebake(); // re-bake colour for the new view direction
  const overlay = $<HTMLCanvasElement>('exact-overlay');
  if (!$<HTMLInputElement>('exact').checked) { overlay.hidden = true; return; }
  const cam = viewport.engineCamera(320, 200);
  const r = await panel.render(cam);
  if (!r) return;
  drawRgb(overlay, r.rgb, r.width, r.height);
  overlay.hidden = false;
};
$('exact').addEventListener('change', () => { if (!$<HTMLInputElement>('exact').checked) $('exact-overlay').hidden = true; else viewport.onRest(); });
$('helpers').addEventListener('change', () => viewport.showHelpers($<HTMLInputElement>('helpers').checked));
viewport.controls.addEventListener('start', () => { $('exact-overlay').hidden = true; });
viewport.onPick = async (i) => {
  if (!currentScene) return;
  const train = currentScene.splits.train;
  const img = await currentScene.loadImage(train[i]);
  const c = document.createElement('canvas');
  drawRgb(c, compositeOnBackground(img, currentScene.background ?? [0, 0, 0]), img.width, img.height);
  const thumb = $<HTMLImageElement>('pick-thumb');
  thumb.src = c.toDataURL();
  thumb.title = currentScene.views[train[i]].name;
  thumb.hidden = false;
  // with a field, compare this training camera: ground truth, exact render, error map
  const rgb = compositeOnBackground(img, currentScene.background ?? [0, 0, 0]);
  void panel.compareView({ camera: currentScene.views[train[i]].camera, rgb }, `training view ${i}`);
};

/**
 * The baked viewport against the exact engine render of the same pose (a held-out camera): both drawn at the
 * camera's size, PSNR of the viewport pixels against the engine's. Used by the tests and available in the console.
 */
async function bakedVsExact(view = 0): Promise<{ psnr: number; psnrGroundTruth: number; width: number; height: number }> {
  const gt = panel.heldOut[view]?.rgb;
  const cam = panel.heldOut[view]?.camera;
  if (!cam) throw new Error('no held-out view');
  viewport.setSize(cam.width, cam.height);
  viewport.lookThrough(cam);
  viewport.showHelpers(false);
  const b = await panel.bake(256, viewport.eye);
  if (!b) throw new Error('nothing trained yet');
  viewport.setBaked(b.baked, b.near, b.far, b.background);
  viewport.renderNow();
  const gl = viewport.renderer.getContext();
  const px = new Uint8Array(cam.width * cam.height * 4);
  gl.readPixels(0, 0, cam.width, cam.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
  const exact = await panel.render(cam);
  if (!exact) throw new Error('nothing trained yet');
  let se = 0, seGt = 0;
  for (let y = 0; y < cam.height; y++) for (let x = 0; x < cam.width; x++) {
    const gy = cam.height - 1 - y; // GL rows start at the bottom
    for (let c = 0; c < 3; c++) {
      const v = px[(gy * cam.width + x) * 4 + c] / 255, i = (y * cam.width + x) * 3 + c;
      se += (v - exact.rgb[i]) ** 2;
      seGt += (v - gt![i]) ** 2;
    }
  }
  const n = cam.width * cam.height * 3;
  viewport.showHelpers($<HTMLInputElement>('helpers').checked);
  return { psnr: -10 * Math.log10(se / n), psnrGroundTruth: -10 * Math.log10(seGt / n), width: cam.width, height: cam.height };
}

(window as unknown as { __mulfa: unknown }).__mulfa = { panel, viewport, bakedVsExact, restoreViewport: () => viewport.setSize(640, 400) };

void open(() => loadDemo());

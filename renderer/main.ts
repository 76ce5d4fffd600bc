/** The app's UI entry: the same code in Electron and in a browser tab; the Host says which. */
import type { Scene } from '../core/scene/Scene';
import { compositeOnBackground } from '../core/image/RGBAImage';
import { loadScene, loadDemo, type LoadOptions } from '../datasets/load';
import { sceneInfo } from '../datasets/info';
import { describeSpace, SPACE_KINDS, type SpaceKind } from '../core/scene/space';
import { viewRgb } from '../core/train/Trainer';
import type { DatasetFS } from '../datasets/fs';
import type { Host } from './host/Host';
import { BrowserHost, entryToFS } from './host/BrowserHost';
import { ElectronHost } from './host/ElectronHost';
import { TrainPanel } from './train/TrainPanel';
import { Viewport } from './viewport/Viewport';
import { GtkPanel } from './gtk/GtkPanel';
import { drawRgb } from './draw';
import { PathPanel } from './video/PathPanel';
import { GeometryPanel } from './export/GeometryPanel';
import { AppChrome, key, formatSeconds } from './chrome';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const host: Host = ElectronHost.available() ? ElectronHost.fromWindow() : new BrowserHost($<HTMLInputElement>('folder-input'));

const chrome = new AppChrome(host);
const panel = new TrainPanel();
panel.onError = (m) => showError(m);
panel.onSnapshot = (bytes) => host.saveFile('mulfa-snapshot.mulfa', bytes);
const gtkPanel = new GtkPanel(() => panel.snapshotBytes(), () => currentScene ? currentScene.splits.train.map((i) => currentScene!.views[i].camera) : []);
let pathPanel: PathPanel | null = null;
const geometry = new GeometryPanel(panel);
geometry.onSave = (name, bytes) => host.saveFile(name, bytes);
geometry.onError = (m) => showError(m);
geometry.onProgress = (f, label) => chrome.task(`exporting ${label}`, f);
geometry.onDone = (m, seconds) => chrome.toast(`Exported ${m} in ${seconds.toFixed(1)} s`, seconds >= 10);
let last = { seconds: 0, psnr: 0 };
panel.onProgress = (p, backend) => { last = p; chrome.progress(p, backend); };
panel.onStateChange = (s) => {
  gtkPanel.setEnabled(s !== 'idle');
  $<HTMLSelectElement>('scene-space').disabled = s === 'training' || s === 'paused';
  pathPanel?.setCanRender(s !== 'idle');
  geometry.setEnabled(s !== 'idle');
  chrome.setState(s);
  if (s === 'training') showError(null);
  // a finished run worth hearing about: the budget ran out
  if (s === 'done') chrome.toast(`Training finished: PSNR ${last.psnr.toFixed(2)} dB after ${formatSeconds(last.seconds)}`, last.seconds >= 20);
};

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
    ['scene', describeSpace(info.space)],
  ];
  const table = $('dataset-info');
  table.replaceChildren(...rows.map(([k, v]) => {
    const tr = document.createElement('tr');
    for (const text of [k, v]) { const td = document.createElement('td'); td.textContent = text; tr.append(td); }
    return tr;
  }));
  chrome.setScene(scene.label);
  const thumbs = $('thumbs');
  thumbs.replaceChildren();
  for (const [k, i] of scene.splits.train.slice(0, 12).entries()) {
    const img = await scene.loadImage(i);
    const rgb = compositeOnBackground(img, scene.background ?? [0, 0, 0]);
    const canvas = document.createElement('canvas');
    canvas.title = `${scene.views[i].name}: click to look through this camera`;
    drawRgb(canvas, rgb, img.width, img.height);
    canvas.addEventListener('click', () => lookThroughTraining(k));
    thumbs.append(canvas);
  }
}

let imageGeneration = 0;
/** The training images in their frusta, small, in the background (up to 64 views, newest scene only). */
async function hangImages(scene: Scene): Promise<void> {
  const generation = ++imageGeneration;
  const train = scene.splits.train, step = Math.max(1, Math.ceil(train.length / 64));
  for (let k = 0; k < train.length; k += step) {
    const img = await scene.loadImage(train[k]);
    if (generation !== imageGeneration) return;
    const rgb = compositeOnBackground(img, scene.background ?? [0, 0, 0]);
    const s = Math.max(1, Math.ceil(Math.max(img.width, img.height) / 128));
    const w = Math.max(1, Math.floor(img.width / s)), h = Math.max(1, Math.floor(img.height / s));
    const small = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) small[(y * w + x) * 3 + c] = rgb[((y * s) * img.width + x * s) * 3 + c];
    const canvas = document.createElement('canvas');
    drawRgb(canvas, small, w, h);
    viewport.addCameraImage(k, canvas);
  }
  document.body.dataset.images = 'hung';
}

/** Looks through training camera k (an index into the training split), shows its image and, with a field, compares. */
function lookThroughTraining(k: number): void {
  if (!currentScene) return;
  const train = currentScene.splits.train;
  const i = ((k % train.length) + train.length) % train.length;
  currentCamera = i;
  viewport.lookThrough(currentScene.views[train[i]].camera);
  void viewport.onPick(i);
}
let currentCamera = -1;

/** What the current scene was loaded from, to reload it in another space (the Space selector). */
let source: ((o: LoadOptions) => Promise<Scene> | Scene) | null = null;

/** The Space selector's choice as a load option (Auto: the dataset's own). */
function spaceOption(): LoadOptions {
  const v = $<HTMLSelectElement>('scene-space').value;
  return (SPACE_KINDS as readonly string[]).includes(v) ? { scene: v as SpaceKind } : {};
}

/**
 * Loads a scene in the space the selector asks for; a bad dataset (or a space it cannot take: forward-facing for
 * cameras all around) shows the CLI's message and leaves the current scene in place.
 */
async function open(load: (o: LoadOptions) => Promise<Scene> | Scene): Promise<void> {
  document.body.dataset.state = 'loading';
  try {
    const scene = await load(spaceOption());
    source = load;
    shownSpace = $<HTMLSelectElement>('scene-space').value;
    showError(null);
    await show(scene);
    await panel.setScene(scene);
    currentScene = scene;
    viewport.setDataset(scene, scene.splits.train.map((i) => scene.views[i].camera));
    currentCamera = -1;
    $('pick-thumb').hidden = true;
    pathPanel?.setScene(scene);
    void hangImages(scene).catch(() => {}); // a preview: a view that fails to load just stays empty
    document.body.dataset.state = 'loaded'; // the scene is shown and ready to train
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    document.body.dataset.state = 'error';
    $<HTMLSelectElement>('scene-space').value = shownSpace; // the scene shown keeps its space
  }
}
let shownSpace = 'auto';

async function openFolder(fs: DatasetFS): Promise<void> {
  await open((o) => loadScene(fs, o));
}

$('open-demo').addEventListener('click', () => void open((o) => loadDemo(o)));
$('scene-space').addEventListener('change', () => { if (source) void open(source); });
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
// ---- a new scene from photos or a video (COLMAP in the desktop app's main process)
/** Share of the whole run each stage takes (roughly, from fern: matching and mapping dominate). */
const STAGE_SHARE = { photos: [0, 0.05], features: [0.05, 0.3], matching: [0.3, 0.65], mapping: [0.65, 1] } as const;
const STAGE_NAME = { photos: 'copying photos', features: 'finding features', matching: 'matching photos', mapping: 'placing cameras' } as const;
let makingScene = false;
async function newScene(kind: 'photos' | 'video'): Promise<void> {
  if (makingScene) return;
  makingScene = true;
  showError(null);
  const box = $('new-scene'), text = $('new-scene-text'), bar = $<HTMLProgressElement>('new-scene-bar');
  let lastLine = '';
  try {
    const fs = await host.newScene(kind, (p) => {
      box.hidden = false;
      if ('line' in p) { lastLine = p.line; return; }
      const [a, b] = STAGE_SHARE[p.stage];
      bar.value = a + (b - a) * Math.min(1, Math.max(0, p.fraction));
      text.textContent = `COLMAP: ${STAGE_NAME[p.stage]} ${Math.round(100 * p.fraction)} %${lastLine ? ` — ${lastLine}` : ''}`;
      chrome.task('making the scene', bar.value);
    });
    if (fs) {
      chrome.toast(`New dataset ${fs.label}: ${lastLine}`, true);
      await openFolder(fs);
    }
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  } finally {
    makingScene = false;
    box.hidden = true;
    chrome.task(null, null);
  }
}
$('new-from-photos').addEventListener('click', () => void newScene('photos'));
$('new-scene-cancel').addEventListener('click', () => host.cancelNewScene());

host.onMenu((event, fs) => {
  if (event === 'open-demo') void open((o) => loadDemo(o));
  else if (event === 'new-from-photos' || event === 'new-from-video') void newScene(event === 'new-from-photos' ? 'photos' : 'video');
  else if (event === 'open-snapshot') $('open-snapshot').click();
  else if (event === 'save-snapshot') { if (panel.trainingState !== 'idle') void panel.snapshot(); }
  else if (event === 'export-video') reveal('camera-path');
  else if (event === 'export-mesh') reveal('geometry');
  else if (event === 'shortcuts') chrome.toggleHelp(true);
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


/** Opens a panel (and its dock) and scrolls it into view. */
function reveal(id: string): void {
  const el = $<HTMLDetailsElement>(id);
  const dock = el.closest('.dock')?.id === 'left-dock' ? 'left' : 'right';
  if (document.body.dataset[dock] === 'hidden') chrome.toggleDock(dock);
  el.open = true;
  el.scrollIntoView({ block: 'nearest' });
}

// ---- viewport: baked field while training, exact render at rest, camera pick
const viewport = new Viewport($<HTMLCanvasElement>('viewport'));
viewport.onScaleChange = (s) => { $('render-scale').textContent = s < 1 ? `render ${(s * 100).toFixed(0)} %` : ''; };
pathPanel = new PathPanel(viewport, panel);
pathPanel.onSave = (name, bytes) => host.saveFile(name, bytes);
pathPanel.onError = (m) => showError(m);
pathPanel.onProgress = (f) => chrome.task('exporting video', f);
pathPanel.onDone = (m, seconds) => chrome.toast(`Exported ${m} in ${seconds.toFixed(1)} s`, seconds >= 10);
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
  const w = 320, h = Math.max(2, Math.round(w * viewport.canvas.height / Math.max(1, viewport.canvas.width)));
  const cam = viewport.engineCamera(w, h);
  const r = await panel.render(cam);
  if (!r) return;
  drawRgb(overlay, r.rgb, r.width, r.height);
  overlay.hidden = false;
};
$('exact').addEventListener('change', () => { if (!$<HTMLInputElement>('exact').checked) $('exact-overlay').hidden = true; else viewport.onRest(); });
$('helpers').addEventListener('change', () => viewport.showHelpers($<HTMLInputElement>('helpers').checked));
viewport.controls.addEventListener('start', () => { $('exact-overlay').hidden = true; });
viewport.onPickCamera = (i) => lookThroughTraining(i);
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
  // a held-out view, or a training view for scenes without any
  const v = panel.heldOut[view] ?? panel.trainingViews[view];
  if (!v) throw new Error('no view to compare');
  const gt = viewRgb(v), cam = v.camera;
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
      seGt += (v - gt[i]) ** 2;
    }
  }
  const n = cam.width * cam.height * 3;
  viewport.showHelpers($<HTMLInputElement>('helpers').checked);
  return { psnr: -10 * Math.log10(se / n), psnrGroundTruth: -10 * Math.log10(seGt / n), width: cam.width, height: cam.height };
}

$('reset-view').addEventListener('click', () => viewport.frame());

chrome.setShortcuts([
  { keys: '?', what: 'show or hide this list', match: (e) => e.key === '?', run: () => chrome.toggleHelp() },
  { keys: 'Space', what: 'train · pause · resume', match: (e) => e.key === ' ' && !e.ctrlKey && !e.metaKey, run: () => {
    const s = panel.trainingState;
    const id = s === 'training' ? 'train-pause' : s === 'paused' ? 'train-resume' : 'train-start';
    const b = $<HTMLButtonElement>(id);
    if (!b.disabled) b.click();
  } },
  { keys: 'C', what: 'render the held-out comparison', match: key('c'), run: () => { if (!$<HTMLButtonElement>('compare-render').disabled) $('compare-render').click(); } },
  { keys: 'F', what: 'frame the whole scene', match: key('f'), run: () => viewport.frame() },
  { keys: 'H', what: 'cameras and box on or off', match: key('h'), run: () => $('helpers').click() },
  { keys: 'N / P', what: 'look through the next / previous training camera', match: (e) => key('n')(e) || key('p')(e),
    run: (e) => lookThroughTraining(currentCamera + (e.key.toLowerCase() === 'p' ? -1 : 1)) },
  { keys: '[ / ]', what: 'hide or show the left / right panels', match: (e) => e.key === '[' || e.key === ']', run: (e) => chrome.toggleDock(e.key === '[' ? 'left' : 'right') },
  { keys: 'Ctrl+O', what: 'open a dataset folder', match: host.kind === 'browser' ? (e) => (e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'o' : null, run: () => $('open-dataset').click() },
  { keys: 'Ctrl+Shift+O', what: 'open a snapshot', match: host.kind === 'browser' ? (e) => (e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'o' : null, run: () => $('open-snapshot').click() },
  { keys: 'Ctrl+S', what: 'save a snapshot', match: host.kind === 'browser' ? (e) => (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's' : null, run: () => { if (panel.trainingState !== 'idle') void panel.snapshot(); } },
  { keys: 'drag · right-drag · wheel', what: 'orbit · pan · zoom the viewport', match: null },
  { keys: 'W A S D Q E', what: 'fly (click the viewport first; Shift: faster)', match: null },
  { keys: 'Esc', what: 'close this list', match: null },
]);

(window as unknown as { __mulfa: unknown }).__mulfa = { panel, viewport, bakedVsExact, restoreViewport: () => viewport.autoSize() };

void open((o) => loadDemo(o));

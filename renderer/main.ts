/** The app's UI entry: the same code in Electron and in a browser tab; the Host says which. */
import type { Scene } from '../core/scene/Scene';
import { compositeOnBackground } from '../core/image/RGBAImage';
import { loadScene, loadDemo } from '../datasets/load';
import { sceneInfo } from '../datasets/info';
import type { DatasetFS } from '../datasets/fs';
import type { Host } from './host/Host';
import { BrowserHost } from './host/BrowserHost';
import { ElectronHost } from './host/ElectronHost';
import { TrainPanel } from './train/TrainPanel';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const host: Host = ElectronHost.available() ? ElectronHost.fromWindow() : new BrowserHost($<HTMLInputElement>('folder-input'));

const panel = new TrainPanel();
panel.onError = (m) => showError(m);
panel.onSnapshot = (bytes) => host.saveFile('mulfa-snapshot.mulfa', bytes);

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
    canvas.width = img.width; canvas.height = img.height;
    canvas.title = scene.views[i].name;
    const data = new ImageData(img.width, img.height);
    for (let p = 0; p < img.width * img.height; p++) {
      data.data[p * 4] = Math.round(rgb[p * 3] * 255);
      data.data[p * 4 + 1] = Math.round(rgb[p * 3 + 1] * 255);
      data.data[p * 4 + 2] = Math.round(rgb[p * 3 + 2] * 255);
      data.data[p * 4 + 3] = 255;
    }
    canvas.getContext('2d')!.putImageData(data, 0, 0);
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
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    document.body.dataset.state = 'error';
  }
}

async function openFolder(fs: DatasetFS): Promise<void> {
  await open(() => loadScene(fs));
}

$('open-demo').addEventListener('click', () => void open(() => loadDemo()));
$('open-dataset').addEventListener('click', async () => {
  try {
    const fs = await host.chooseDataset();
    if (fs) await openFolder(fs);
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
});
host.onMenu((event, fs) => { if (event === 'open-demo') void open(() => loadDemo()); else if (fs) void openFolder(fs); });

void open(() => loadDemo());

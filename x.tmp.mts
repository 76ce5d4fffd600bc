import { loadDemo } from './datasets/load';
import { loadViews, evalIndices } from './core/train/data';
import { Trainer, type TrainData } from './core/train/Trainer';
import { trainConfigFor } from './core/train/TrainingSession';
const scene = loadDemo({ downscale: 8 });
const black = { ...scene, background: [0, 0, 0] as [number, number, number] };
const views = await loadViews(black, scene.splits.train);
const gains = views.map((_, i) => 0.7 + 0.6 * ((i * 7) % 12) / 11);
views.forEach((v, i) => { for (let k = 0; k < v.rgb.length; k++) v.rgb[k] = Math.min(1, v.rgb[k] * gains[i]); });
const data: TrainData = { views, aabb: scene.aabb, near: scene.near, far: scene.far, background: [0, 0, 0], captured: true };
const held = await loadViews(black, evalIndices(scene));
for (const on of [true]) {
  const cfg = { ...trainConfigFor({ model: 'dense', resolution: 32, seed: 1, maxSteps: 600, batchRays: 256, exposureViews: on ? views.length : 0 }) };
  const t = new Trainer(cfg, data);
  const t0 = Date.now();
  for (let s = 0; s < 600; s++) { const r = t.trainStep(); if (s % 300 === 299) console.log(s, r.psnr.toFixed(2)); }
  console.log(on, (Date.now() - t0) / 1000, held.reduce((a, v) => a + t.evaluate(v).psnr, 0) / held.length);
  const L = views.map((_, v) => 1 + (t.exposure!.data[v * 12] + t.exposure!.data[v * 12 + 4] + t.exposure!.data[v * 12 + 8]) / 3);
  const ma = L.reduce((a,b)=>a+b)/L.length, mb = gains.reduce((a,b)=>a+b)/L.length; let sab=0,saa=0,sbb=0; L.forEach((x,i)=>{sab+=(x-ma)*(gains[i]-mb);saa+=(x-ma)**2;sbb+=(gains[i]-mb)**2;});
  console.log('corr', sab/Math.sqrt(saa*sbb), 'slope', sab/sbb);
  if (on) console.log(views.slice(0, 8).map((_, v) => [gains[v].toFixed(2), (1 + (t.exposure!.data[v * 12] + t.exposure!.data[v * 12 + 4] + t.exposure!.data[v * 12 + 8]) / 3).toFixed(3), t.exposure!.data.slice(v*12+9, v*12+12).join(',')].join(' ')).join('\n'));
}

// Training in the web app, in headless Chromium: the demo trains in a worker (WebAssembly kernels, threads
// when cross-origin isolated), the held-out render improves, pause/resume work, a snapshot downloads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { startWebApp, newPage, screenshot, chromiumAvailable, ARTIFACTS, type WebApp } from './harness';
import { TempDir, writeForwardDemo } from '../fixtures/datasets';
import { writeRoomScene } from '../../bench/roomScene';
import { Box3 } from 'three';
import type * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';

let app: WebApp;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('training in the web app', () => {
  beforeAll(async () => { app = await startWebApp(); });
  afterAll(async () => { await app?.close(); });

  it('trains the demo in a worker: the held-out render improves; pause, resume and snapshot work', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.selectOption('#model', 'dense');
    await page.fill('#resolution', '32');
    await page.fill('#time-budget', '0');
    await page.fill('#max-steps', '400');
    await page.click('#train-start');
    await page.waitForSelector('body[data-train="training"]', { timeout: 60_000 });
    const step = async () => Number(await page.getAttribute('#train-stats', 'data-step'));
    await page.waitForFunction(() => Number(document.querySelector('#train-stats')?.getAttribute('data-step')) >= 10, null, { timeout: 60_000 });
    // pause: the step count stops moving; resume: it moves again
    await page.click('#train-pause');
    await page.waitForSelector('body[data-train="paused"]');
    const s1 = await step();
    const early = await renderPsnr();
    const viewportEarly = (await bakedVsExact()).psnrGroundTruth;
    await page.waitForTimeout(800);
    expect(await step()).toBe(s1);
    await page.click('#train-resume');
    await page.waitForSelector('body[data-train="done"]', { timeout: 240_000 });
    expect(await step()).toBe(400);
    const late = await renderPsnr();
    expect(late).toBeGreaterThan(early + 1);
    expect(late).toBeGreaterThan(21); // 22.15 dB here (seeded, deterministic)
    // cross-origin isolated: the kernels use min(8, cores) threads (the worker's rule), whatever this machine has
    const cores = await page.evaluate(() => navigator.hardwareConcurrency || 1);
    expect(await page.getAttribute('body', 'data-backend')).toMatch(new RegExp(`wasm .*\\b${Math.min(8, cores)} threads?`));
    // the default backend is Auto: SwiftShader (the only adapter here) is never picked, and the app says so
    expect(await page.getAttribute('body', 'data-backend-note')).toMatch(/^auto → CPU: /);
    await screenshot(page, 'app-trained');
    // the viewport's baked ray marcher against the exact engine render of the same held-out pose
    const cmp = await bakedVsExact();
    console.log(`baked viewport vs exact engine render: ${cmp.psnr.toFixed(2)} dB; viewport vs ground truth ${viewportEarly.toFixed(2)} → ${cmp.psnrGroundTruth.toFixed(2)} dB`);
    expect(cmp.psnr).toBeGreaterThanOrEqual(30);
    // the viewport's own pixels of the held-out view improve with training
    expect(cmp.psnrGroundTruth).toBeGreaterThan(viewportEarly + 1);
    expect(cmp.psnrGroundTruth).toBeGreaterThan(21);
    await page.waitForTimeout(300);
    await page.locator('#viewport-section').screenshot({ path: `${ARTIFACTS}/app-viewport.png` });
    // GTK panel: spectra of the trained density grid and the dense baseline, computed in a worker
    await page.click('#gtk summary'); // the panel starts collapsed
    await page.fill('#gtk-points', '128');
    await page.click('#gtk-compute');
    await page.waitForSelector('body[data-gtk="done"]', { timeout: 120_000 });
    expect(await page.locator('#gtk-plots svg').count()).toBe(4); // eigenvalues, Fourier, two heatmaps
    expect(Number(await page.getAttribute('#gtk-summary', 'data-delta'))).toBeGreaterThan(0);
    // the dense product ran on TF.js's WebAssembly backend (SwiftShader's WebGPU is never chosen; no fallback to TypeScript)
    expect(await page.getAttribute('#gtk-progress', 'data-product-on')).toBe('TF.js wasm');
    await page.locator('#gtk').screenshot({ path: `${ARTIFACTS}/app-gtk.png` });
    // geometry: a closed coloured mesh and a point cloud of the trained field, as files three.js reads
    await page.click('#geometry summary');
    await page.fill('#mesh-resolution', '64');
    const [meshDl] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#export-mesh')]);
    expect(meshDl.suggestedFilename()).toBe('mulfa-mesh.glb');
    const glb = readFileSync((await meshDl.path())!);
    const gltf = await new Promise<{ scene: THREE.Group }>((res, rej) =>
      new GLTFLoader().parse(glb.buffer.slice(glb.byteOffset, glb.byteOffset + glb.byteLength) as ArrayBuffer, '', res as never, rej));
    const geo = (gltf.scene.children[0] as THREE.Mesh).geometry;
    expect(geo.index!.count / 3).toBe(Number(await page.getAttribute('#mesh-progress', 'data-triangles')));
    const box = new Box3().setFromBufferAttribute(geo.attributes.position as THREE.BufferAttribute);
    expect(box.min.toArray().every((v) => v >= -1.5 - 1e-6) && box.max.toArray().every((v) => v <= 1.5 + 1e-6)).toBe(true);
    const [pointsDl] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#export-points')]);
    const ply = readFileSync((await pointsDl.path())!);
    const cloud = new PLYLoader().parse(ply.buffer.slice(ply.byteOffset, ply.byteOffset + ply.byteLength) as ArrayBuffer);
    expect(cloud.attributes.position.count).toBeGreaterThan(1000);
    await page.locator('#geometry').screenshot({ path: `${ARTIFACTS}/app-geometry.png` });
    // snapshot: a download of a real .mulfa file
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-snapshot')]);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MULFASNP');
    // reload the app, open the snapshot: the same held-out render, to the last bit of its PSNR
    const snapFile = `${ARTIFACTS}/trained.mulfa`;
    writeFileSync(snapFile, bytes);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#open-snapshot')]);
    await chooser.setFiles(snapFile);
    await page.waitForSelector('body[data-train="paused"]', { timeout: 60_000 });
    expect(await renderPsnr()).toBe(late);
    // a corrupt snapshot: the error names the file, the app keeps working
    const bad = `${ARTIFACTS}/corrupt.mulfa`;
    writeFileSync(bad, Buffer.concat([bytes.subarray(0, 100), Buffer.alloc(50)]));
    const [chooser2] = await Promise.all([page.waitForEvent('filechooser'), page.click('#open-snapshot')]);
    await chooser2.setFiles(bad);
    await page.waitForFunction(() => !(document.querySelector('#error') as HTMLElement).hidden, null, { timeout: 30_000 });
    expect(await page.textContent('#error')).toContain('corrupt.mulfa');
    expect(errors).toEqual([]);
    await page.close();

    async function bakedVsExact(): Promise<{ psnr: number; psnrGroundTruth: number }> {
      const r = await page.evaluate(() => (window as unknown as { __mulfa: { bakedVsExact(i: number): Promise<{ psnr: number; psnrGroundTruth: number }> } })
        .__mulfa.bakedVsExact(0));
      await page.evaluate(() => (window as unknown as { __mulfa: { restoreViewport(): void } }).__mulfa.restoreViewport());
      return r;
    }

    async function renderPsnr(): Promise<number> {
      await page.click('#compare-render');
      await page.waitForFunction((prev) => document.querySelector('#compare-psnr')?.getAttribute('data-psnr') !== prev,
        await page.getAttribute('#compare-psnr', 'data-psnr'), { timeout: 60_000 });
      return Number(await page.getAttribute('#compare-psnr', 'data-psnr'));
    }
  }, 300_000);

  // (every model runs on WebGPU now; FourierGrid's device kernels are checked in test/browser/gpu.test.ts)
  it('trains MulFAGrid on the WebGPU backend and renders', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    await page.selectOption('#backend', 'webgpu');
    await page.selectOption('#model', 'mulfagrid');
    await page.fill('#resolution', '16');
    await page.fill('#time-budget', '0');
    await page.fill('#max-steps', String(GPU_STEPS));
    await page.click('#train-start');
    await page.waitForSelector('body[data-train="done"]', { timeout: 400_000 });
    expect(await page.getAttribute('body', 'data-backend')).toContain('webgpu (mulfagrid; decoder GEMMs on TF.js)');
    expect(Number(await page.getAttribute('#train-stats', 'data-step'))).toBe(GPU_STEPS);
    await page.click('#compare-render');
    await page.waitForFunction(() => document.querySelector('#compare-psnr')?.getAttribute('data-psnr'), null, { timeout: 60_000 });
    // the same run on the CPU engine (same data, configuration and seed): untrained and after GPU_STEPS steps
    const ref = await cpuReference();
    const gpu = Number(await page.getAttribute('#compare-psnr', 'data-psnr'));
    console.log(`app WebGPU held-out view 0: ${gpu.toFixed(2)} dB; CPU engine: untrained ${ref.untrained.toFixed(2)}, trained ${ref.trained.toFixed(2)}`);
    expect(ref.trained).toBeGreaterThan(ref.untrained + 0.5); // the bar means something (9.94 → 10.98 here)
    expect(gpu).toBeGreaterThan(ref.untrained + 0.5);
    expect(Math.abs(gpu - ref.trained)).toBeLessThan(0.3);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('forward-facing and unbounded scenes: the viewport marches as the engine renders (≥ 30 dB); the Space selector reloads', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    const trainAndCompare = async (label: string) => {
      await page.selectOption('#model', 'dense');
      await page.fill('#resolution', '32');
      await page.fill('#time-budget', '0');
      await page.fill('#max-steps', '150');
      await page.click('#train-start');
      await page.waitForSelector('body[data-train="done"]', { timeout: 240_000 });
      const r = await page.evaluate(() => (window as unknown as { __mulfa: { bakedVsExact(i: number): Promise<{ psnr: number; psnrGroundTruth: number }> } })
        .__mulfa.bakedVsExact(0));
      await page.evaluate(() => (window as unknown as { __mulfa: { restoreViewport(): void } }).__mulfa.restoreViewport());
      console.log(`${label}: baked viewport vs exact engine render ${r.psnr.toFixed(2)} dB (vs ground truth ${r.psnrGroundTruth.toFixed(2)} dB)`);
      expect(r.psnr).toBeGreaterThanOrEqual(30);
      expect(r.psnrGroundTruth).toBeGreaterThan(15); // it learned the scene, not just the background
    };
    const openFolder = async (dir: string, format: string, space: string) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#open-dataset')]);
      await chooser.setFiles(dir);
      await page.waitForSelector(`body[data-state="loaded"] #dataset-title:has-text("${format}")`, { timeout: 60_000 });
      expect(await page.textContent('#dataset-info')).toContain(space);
    };
    const fwd = new TempDir(), room = new TempDir();
    try {
      // an LLFF capture (forward-facing by default): the viewport maps its rays into NDC
      writeForwardDemo(fwd, 12);
      await openFolder(fwd.path(), 'llff', 'forward-facing');
      await trainAndCompare('forward-facing');
      // a 360° capture of an object in a room (instant-ngp, no alpha: unbounded by default): the floor and the wall
      // lie in the contracted shell, so the viewport must walk its rays there as the engine does
      writeRoomScene(room.path(), 48, 16);
      await openFolder(room.path(), 'ngp', 'unbounded');
      await trainAndCompare('unbounded');
    } finally {
      fwd.dispose();
      room.dispose();
    }
    // the Space selector reloads the scene in the space asked for
    await page.click('#open-demo');
    await page.waitForSelector('body[data-state="loaded"] #dataset-title:has-text("demo")');
    await page.selectOption('#scene-space', 'unbounded');
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 }); // loading while it reloads, loaded once ready to train
    expect(await page.textContent('#dataset-info')).toContain('unbounded');
    // a space the scene cannot take: the message names it, the scene stays as it was
    await page.selectOption('#scene-space', 'forward');
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent('#error')).toMatch(/--scene forward.*camera \d+ looks/);
    expect(await page.inputValue('#scene-space')).toBe('unbounded');
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});

const GPU_STEPS = 20;

/** The app's demo run (held-out view 0, mulfagrid, R = 16, seed 0) on the CPU engine: PSNR before and after training. */
async function cpuReference(): Promise<{ untrained: number; trained: number }> {
  const { loadDemo } = await import('../../datasets/load');
  const { trainDataFromScene, loadViews, evalIndices } = await import('../../core/train/data');
  const { Trainer } = await import('../../core/train/Trainer');
  const { trainConfigFor } = await import('../../core/train/TrainingSession');
  const { psnr } = await import('../../core/metrics');
  const scene = loadDemo();
  const held = await loadViews(scene, evalIndices(scene));
  const t = new Trainer(trainConfigFor({ model: 'mulfagrid', resolution: 16, seed: 0, maxSteps: GPU_STEPS }), await trainDataFromScene(scene));
  const untrained = psnr(t.renderView(held[0].camera), held[0].rgb);
  for (let i = 0; i < GPU_STEPS; i++) t.trainStep();
  return { untrained, trained: psnr(t.renderView(held[0].camera), held[0].rgb) };
}

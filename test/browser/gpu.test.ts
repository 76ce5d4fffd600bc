// WGSL programs against the TypeScript reference, in Debian's Chromium with WebGPU on SwiftShader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebApp, newPage, chromiumAvailable, REPO, type WebApp } from './harness';

let app: WebApp;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('WebGPU kernels', () => {
  beforeAll(async () => { app = await startWebApp(); });
  afterAll(async () => { await app?.close(); });

  it('every WGSL program matches the CPU reference (bounds ~4–5× the measured errors)', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    // a string, so the test runner does not rewrite the dynamic import
    const r = await page.evaluate(`(async () => (await import('/@fs${REPO}/test/browser/gpuParity.ts')).runGpuParity())()`) as Record<string, number | string>;
    console.log('WebGPU parity', JSON.stringify(r));
    expect(r.error).toBeUndefined();
    expect(r.validation_error).toBe('none');
    expect(r.trilinear_idx_mismatches).toBe(0);
    expect(r.trilinear_w).toBeLessThan(1e-6);
    expect(r.gather).toBeLessThan(1e-6); // 1.2e-7 measured
    expect(r.scatter_contended).toBeLessThan(5e-6); // 7.7e-7
    expect(r.adam).toBeLessThan(1e-6); // 1.7e-7
    expect(r.adam_counts_equal).toBe('true');
    expect(r.layer_39x128).toBeLessThan(3e-6); // ≤ 9.3e-7 for all five
    expect(r.layer_128x3).toBeLessThan(3e-6);
    expect(r.layer_bwd_dX).toBeLessThan(3e-6);
    expect(r.layer_bwd_dW).toBeLessThan(3e-6);
    expect(r.layer_bwd_db).toBeLessThan(3e-6);
    expect(r.mulfa_idx_mismatches).toBe(0);
    expect(r.mulfa_w).toBeLessThan(1e-6); // 1.8e-7
    expect(r.mulfa_bwd).toBeLessThan(1e-5); // every kernel-parameter gradient, relative to its largest entry (2.5e-6)
    expect(r.gather_dot).toBeLessThan(1e-6); // 9.5e-8
    expect(r.hash_interpolation).toBeLessThan(1e-5); // 1.6e-6
    // f32 vs f64: a sample within rounding of a cell face or the box exit may differ; rare, and positions agree
    expect(r.sampling_rays_differing).toBeLessThan(0.02);
    expect(r.sampling_point_error).toBeLessThan(1e-6); // 2.4e-7
    // unbounded scenes' contracted walk: the same samples (f32 vs f64 recurrences may part at a cell face, rarely)
    expect(r.contracted_rays_differing).toBeLessThan(0.03);
    expect(r.contracted_point_error).toBeLessThan(1e-5);
    // the loss through per-photo exposure affines, its colour gradient and the affines' gradients
    expect(r.exposure_loss).toBeLessThan(1e-5);
    expect(r.exposure_drgb).toBeLessThan(1e-5);
    expect(r.exposure_grad).toBeLessThan(1e-5);
    // and their update on the device: per-view sums, Adam, recentring, as the CPU's (a step that moved them)
    expect(r.exposure_moved).toBeGreaterThan(1e-3);
    expect(r.exposure_step).toBeLessThan(1e-4);
    // the density TV's gradient on the device (only vertices this step touched)
    expect(r.tv).toBeLessThan(5e-7); // 7.6e-8
    expect(r.tv_untouched_changed).toBe(0);
    expect(r.occupancy_mismatches).toBe(0);
    expect(r.occupancy_count).toMatch(/^(\d+) vs \1$/); // occupied cells counted on the device = on the CPU
    // GpuField: one forward + backward of a dense field equals the CPU field's
    expect(r.step_render).toBeLessThan(4e-4); // 7.3e-5
    expect(r.step_grad_density).toBeLessThan(1e-3); // 2.0e-4
    expect(r.step_grad_color).toBeLessThan(2e-3); // 5.3e-4
    expect(r.step_grad_decoder).toBeLessThan(2e-3); // 5.7e-4
    // the same for MulFAGrid (one shared kernel, and one per grid), hash grids and FourierGrid, kernel gradients included
    // bounds ~4× the values measured here: MulFA and hash agree to ≤ 7e-5 (the dense decoder's ReLU sums are the loosest)
    const bound: Record<string, number> = { _mulfagrid: 2e-4, _mulfagrid_separate: 3e-4, _hash: 1e-4, _fouriergrid: 5e-4, _dense_2layers: 4e-3 }; // fouriergrid: 1.1e-4 (colour)
    for (const m of Object.keys(bound)) {
      for (const q of ['step_render', 'step_grad_density', 'step_grad_color', 'step_grad_decoder']) expect(r[q + m], q + m).toBeLessThan(bound[m]);
    }
    // only the samples whose weight earns colour are decoded, on the device as on the CPU: the same count, and fewer than all
    const colored = (v: unknown) => { const m = /^(\d+) vs (\d+) of (\d+)$/.exec(String(v)); return m ? m.slice(1).map(Number) : [-1, -2, 0]; };
    for (const m of ['', ...Object.keys(bound), 'render']) {
      const [gpu, cpu, all] = colored(m === 'render' ? r.render_color_samples : r[`step_color_samples${m}`]);
      // (f32 on the device, f64 on the CPU: a weight within rounding of the threshold may fall either way — 1 in 4,684 seen)
      expect(Math.abs(gpu - cpu), `colour samples${m}: ${gpu} vs ${cpu}`).toBeLessThanOrEqual(Math.max(2, cpu * 1e-3));
      expect(cpu, `colour samples${m}`).toBeLessThan(all);
      expect(cpu, `colour samples${m}`).toBeGreaterThan(0);
    }
    // under a sample budget (nothing read back): the same render and gradients when the samples fit; when they do not,
    // the rays that fit whole keep theirs, the rest render the background and leave the loss
    for (const m of ['', ...Object.keys(bound)]) {
      expect(r[`budget_render_bytes_read${m}`], m).toBe(0);
      expect(r[`budget_rgb${m}`], m).toBe(0);
      expect(r[`budget_grad${m}`], m).toBeLessThan(1e-5);
      const [kept, fit, all] = (/^(\d+) vs (\d+) of (\d+)$/.exec(String(r[`budget_kept${m}`])) ?? [0, -1, -2, -3]).slice(1).map(Number);
      expect(Math.abs(kept - fit), `${m}: ${r[`budget_kept${m}`]}`).toBeLessThanOrEqual(1); // (f32 vs f64 counts: a sample either way)
      expect(kept, m).toBeGreaterThan(0);
      expect(kept, m).toBeLessThan(all);
      expect(r[`budget_samples${m}`], m).toMatch(/^(\d+) vs \1$/);
      expect(r[`budget_kept_rgb${m}`], m).toBe(0);
      expect(r[`budget_dropped_not_background${m}`], m).toBe(0);
      expect(r[`budget_kept_dloss${m}`], m).toBeLessThan(1e-5);
      expect(r[`budget_dropped_dloss${m}`], m).toBe(0);
    }
    expect(r.step_grad_kernel_mulfagrid).toBeLessThan(1e-4); // 2.3e-5
    expect(r.step_grad_kernel_mulfagrid_separate).toBeLessThan(3e-4); // 6.7e-5
    // the kernels' update on the device (Adam, packed parameters, filter tables) as the CPU's on the same gradients
    for (const t of ['_mulfagrid', '_mulfagrid_separate']) {
      expect(r[`step_kernel_adam_moved${t}`]).toBeGreaterThan(5e-3);
      expect(r[`step_kernel_adam${t}`]).toBeLessThan(1e-4);
      expect(r[`step_render_after_kernel_adam${t}`]).toBeLessThan(bound[t]);
    }
    expect(r.render).toBeLessThan(4e-4); // a whole forward render of a dense field (9.1e-5 here)
    expect(r.render_samples).toMatch(/^(\d+) vs \1$/); // the device placed exactly the CPU's samples
    expect(r.composite_ray_end_mismatches).toBe(0);
    expect(r.composite_color_row_mismatches).toBe(0); // the same samples in the same colour rows as the CPU's alphaPass
    expect(r.composite).toBeLessThan(2e-6); // 3.6e-7
    expect(r.composite_bwd_rgb).toBeLessThan(2e-6); // 3.7e-7
    expect(r.composite_bwd_raw).toBeLessThan(2e-6); // 3.8e-7
    expect(r.distortion_bwd_raw).toBeLessThan(1e-5); // 1.5e-6 (bent rays: random points)
    expect(r.gather_on_tfjs_device).toBeLessThan(1e-6); // 1.2e-7
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  // with a distortion weight strong enough to move the CPU run by 2.4 dB (13.34 vs 15.77 dB without it, measured in
  // Node): a device that left the loss out would land near the plain run, not the CPU's
  it('a short training run on WebGPU reaches the CPU run\u2019s held-out PSNR (±0.5 dB), with the distortion loss', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    const r = await page.evaluate(`(async () => (await import('/@fs${REPO}/test/browser/gpuTrain.ts')).runGpuTraining(60, 256, 'dense', [], 3))()`) as Record<string, number>;
    console.log('WebGPU vs CPU training', JSON.stringify(r));
    expect(r.error).toBeUndefined();
    expect(r.cpu_psnr_plain).toBeGreaterThan(13); // the run learns something (15.8 dB here; an untrained field is near 10)
    expect(r.cpu_psnr_plain - r.cpu_psnr).toBeGreaterThan(1.5); // the loss matters at this weight
    expect(Math.abs(r.gpu_psnr - r.cpu_psnr)).toBeLessThan(0.5);
    expect(r.decoder_gemms).toBe('tfjs'); // the decoder's GEMMs on TF.js's WebGPU backend, in the page as in Node
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('a snapshot taken on WebGPU resumes on WebGPU where it left off (grid Adam moments included)', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    const r = await page.evaluate(`(async () => (await import('/@fs${REPO}/test/browser/gpuTrain.ts')).runGpuResume(6, 4, 'mulfagrid'))()`) as Record<string, number | string>;
    console.log('WebGPU resume', JSON.stringify(r));
    expect(r.error).toBeUndefined();
    expect(r.steps).toBe('10 vs 10');
    for (const k of ['density', 'color', 'decoder', 'grid_moments']) expect(r[k], k).toBeLessThan(1e-6); // ≤ 2.8e-7 measured
    expect(r.density_without_moments).toBeGreaterThan(10 * (r.density as number)); // the moments matter
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  // MulFAGrid with progressive upsampling (12³ → 24³ at steps 20 and 40) — 16.54 vs 16.45 dB here, 139 s on
  // SwiftShader — and hash grids (23.31 vs 22.99 dB, 58 s)
  for (const [model, up] of [['mulfagrid', [20, 40]], ['hash', []]] as const) {
    it(`the same for ${model}${up.length ? ' with progressive upsampling' : ''} (±0.5 dB)`, async () => {
      const { page, errors } = await newPage(app);
      await page.goto(app.url);
      const r = await page.evaluate(`(async () => (await import('/@fs${REPO}/test/browser/gpuTrain.ts')).runGpuTraining(60, 256, '${model}', ${JSON.stringify(up)}))()`) as Record<string, number>;
      console.log(`WebGPU vs CPU training (${model})`, JSON.stringify(r));
      expect(r.error).toBeUndefined();
      expect(r.cpu_psnr).toBeGreaterThan(13);
      expect(r.gpu_resolution).toBe(24);
      expect(Math.abs(r.gpu_psnr - r.cpu_psnr)).toBeLessThan(0.5);
      expect(errors).toEqual([]);
      await page.close();
    }, 600_000);
  }
});

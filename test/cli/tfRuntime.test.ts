// The decoder's GEMMs through TF.js's WebGPU backend on the engine's device (core/gpu/TfRuntime.ts), in Node on
// SwiftShader: a field's forward and backward with TF.js's layers give the CPU's colours and gradients as the WGSL
// layers do — with the colour cut (TF.js runs over the bound, the device counts fewer rows), two hidden layers, and
// a sample budget that drops rays; and the queue order holds when TF.js and the engine's programs alternate.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { Rng } from '../../core/math/rng';
import { relErr, inwardRays } from '../fixtures/parity';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

describe.skipIf(!existsSync(ICD))('the decoder on TF.js\'s WebGPU backend (Node, SwiftShader)', () => {
  it('renders and differentiates a field as the CPU does, with the colour cut, a budget and two hidden layers', async () => {
    process.env.VK_ICD_FILENAMES = ICD;
    const { nodeGpu } = await import('../../cli/gpu');
    const gpu = await nodeGpu();
    expect(gpu).not.toBeNull();
    const { openDevice } = await import('../../core/gpu/adapter');
    const { GpuPrograms } = await import('../../core/gpu/GpuPrograms');
    const { GpuField } = await import('../../core/gpu/GpuField');
    const { tfOnDevice } = await import('../../core/gpu/TfRuntime');
    const { RadianceField, FIELD_DEFAULTS } = await import('../../core/field/RadianceField');
    const { device } = await openDevice(gpu);
    device.pushErrorScope('validation');
    const gk = new GpuPrograms(device);
    const rt = await tfOnDevice(device);
    expect(rt.device).toBe(device);

    for (const hidden of [[32], [32, 24]]) {
      const f = new RadianceField({ ...FIELD_DEFAULTS, model: 'dense', resolution: 13, colorChannels: 12, decoderHidden: hidden, occupancyRes: 16 },
        [[-1, -1, -1], [1, 1, 1]] as never, new Rng(6));
      const r3 = new Rng(8);
      f.density.features.data.forEach((_, i) => (f.density.features.data[i] = r3.normal() * 2 - 1));
      f.color.features.data.forEach((_, i) => (f.color.features.data[i] = r3.normal()));
      f.refreshOccupancy();
      const nr = 200, { origins, dirs } = inwardRays(nr, r3), bg = [1, 1, 1] as [number, number, number];
      const gf = new GpuField(gk, f);
      const ref = Float32Array.from(f.render({ n: nr, origins, dirs }, 0.1, 10, bg, null).subarray(0, nr * 3));
      const dRgb = Float32Array.from({ length: nr * 3 }, () => r3.next() - 0.5);
      f.backward(dRgb);
      const cpuG = f.decoder.params.map((p) => Float32Array.from(p.grad));
      expect(f.stats.colorSamples).toBeLessThan(f.stats.samples * 0.9); // the colour cut leaves rows past the device's count
      const run = async (budget?: number) => {
        f.decoder.params.forEach((p) => p.grad.fill(0));
        await gf.render(nr, origins, dirs, 0.1, 10, bg, new Float32Array(nr).fill(0.5), undefined, undefined, budget);
        const rgb = await gf.rgb();
        gf.backward(dRgb);
        await gf.readDecoderGrads();
        return { rgb, grads: f.decoder.params.map((p) => Float32Array.from(p.grad)), dColor: new Float32Array(await gk.read(gf.colorGrad)) };
      };
      gk.useTf(null);
      const wgsl = await run();
      gk.clear(gf.colorGrad);
      gk.useTf(rt);
      const ops0 = rt.ops;
      const tf = await run();
      expect(rt.ops).toBeGreaterThan(ops0); // TF.js ran the layers
      const decErr = (g: Float32Array[]) => Math.max(...g.map((x, j) => relErr(cpuG[j], x, x.length)));
      expect(relErr(ref, wgsl.rgb, nr * 3)).toBeLessThan(4e-4);
      expect(relErr(wgsl.rgb, tf.rgb, nr * 3)).toBeLessThan(1e-5);
      expect(decErr(wgsl.grads)).toBeLessThan(4e-3);
      expect(decErr(tf.grads)).toBeLessThan(4e-3);
      expect(Math.max(...tf.grads.map((x, j) => relErr(wgsl.grads[j], x, x.length)))).toBeLessThan(1e-4);
      expect(relErr(wgsl.dColor, tf.dColor, wgsl.dColor.length)).toBeLessThan(1e-4); // dX of the first layer reaches the colour grid
      // under a budget that drops about half the rays: TF.js over the budget, the kept rays as with WGSL
      gk.clear(gf.colorGrad);
      gk.useTf(null);
      const half = Math.floor(f.stats.samples / 2);
      const wgslB = await run(half);
      gk.clear(gf.colorGrad);
      gk.useTf(rt);
      const tfB = await run(half);
      expect(relErr(wgslB.rgb, tfB.rgb, nr * 3)).toBeLessThan(1e-5);
      expect(Math.max(...tfB.grads.map((x, j) => relErr(wgslB.grads[j], x, x.length)))).toBeLessThan(1e-4);
      // nothing of TF.js's stays behind a step (views, activations, gradients), nor behind renders without a backward
      const live = rt.tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await run(half);
      for (let i = 0; i < 2; i++) { await gf.render(nr, origins, dirs, 0.1, 10, bg, new Float32Array(nr).fill(0.5)); await gf.rgb(); }
      gf.dispose();
      expect(rt.tf.memory().numTensors).toBe(live); // the last render's kept activations went with the field
    }
    const err = await device.popErrorScope();
    expect(err?.message ?? 'none').toBe('none');
    gk.useTf(null);
  }, 300_000);
});

/**
 * The GTK's dense product J Jᵀ (core/gtk/gtk.ts, Gram) for a MulFA colour grid (12 channels, the kernel's
 * 1,153 parameters: J is n × 13,836) on n random points: the TypeScript float64 loops against TF.js's wasm
 * backend (and its webgpu backend where `gpu` is given), the agreement of each with the float64 product, and
 * the kernel Jacobian that feeds it. `mulfa gtk` takes the faster CPU product (cli/commands/gtk.ts).
 */
/// <reference types="@webgpu/types" />
import { MulFAGrid, MulFAKernel, MULFA_DEFAULTS } from '../core/field/MulFAGrid';
import { Rng } from '../core/math/rng';
import { jsGram, kernelJacobian, type Gram } from '../core/gtk/gtk';
import { tfGram } from '../core/gtk/tfGram';
import { initTf } from '../cli/tf';

export async function benchGram(log: (s: string) => void, opts: { points?: number; gpu?: GPU | null; wasm?: boolean } = {}): Promise<Record<string, unknown>> {
  const n = opts.points ?? 1024, rng = new Rng(1);
  const k = new MulFAKernel(MULFA_DEFAULTS, new Rng(2));
  for (const p of k.params) p.data.forEach((_, i) => (p.data[i] += 0.1 * rng.normal())); // a kernel that has moved
  const grid = new MulFAGrid(48, 12, k);
  grid.features.data.forEach((_, i) => (grid.features.data[i] = rng.normal()));
  const pts = Float32Array.from({ length: n * 3 }, () => rng.next());
  let t = performance.now();
  const { J, P } = kernelJacobian(grid, pts, n);
  const D = 12 * P, jacobianMs = performance.now() - t;
  log(`gram: J is ${n} × ${D} (kernel Jacobian ${(jacobianMs / 1000).toFixed(2)} s)`);
  const time = async (g: Gram) => { t = performance.now(); const G = await g(J, n, D); return { G, ms: performance.now() - t }; };
  const ref = await time(jsGram);
  const gflop = (ms: number) => Number(((n * n * D) / ms / 1e6).toFixed(2)); // n² D multiply-adds (TF.js computes both triangles)
  const relErr = (G: ArrayLike<number>) => {
    let e = 0, s = 0;
    for (let i = 0; i < n * n; i++) { e = Math.max(e, Math.abs(G[i] - ref.G[i])); s = Math.max(s, Math.abs(ref.G[i])); }
    return Number((e / s).toExponential(2));
  };
  const out: Record<string, unknown> = { points: n, columns: D, kernel_jacobian_s: Number((jacobianMs / 1000).toFixed(2)),
    typescript_f64_s: Number((ref.ms / 1000).toFixed(3)), typescript_gmac_per_s: gflop(ref.ms * 2) };
  log(`gram: TypeScript float64 ${(ref.ms / 1000).toFixed(2)} s`);
  const backends: ['wasm' | 'webgpu', GPU | null | undefined][] = [...(opts.wasm === false ? [] : [['wasm', undefined] as ['wasm', undefined]]),
    ...(opts.gpu ? [['webgpu', opts.gpu] as ['webgpu', GPU]] : [])];
  for (const [b, gpu] of backends) {
    const tf = await initTf(b, gpu);
    await time(tfGram(tf)); // warm-up (kernels compiled, wasm threads up)
    const r = await time(tfGram(tf));
    out[`tfjs_${b}_s`] = Number((r.ms / 1000).toFixed(3));
    out[`tfjs_${b}_gmac_per_s`] = gflop(r.ms);
    out[`tfjs_${b}_max_rel_error`] = relErr(r.G);
    out[`tfjs_${b}_speedup`] = Number((ref.ms / r.ms).toFixed(1));
    log(`gram: TF.js ${b} ${(r.ms / 1000).toFixed(3)} s (${(ref.ms / r.ms).toFixed(1)}× the TypeScript loops; max relative error ${out[`tfjs_${b}_max_rel_error`]})`);
  }
  return out;
}

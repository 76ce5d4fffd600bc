/**
 * The colour decoder (12 features + 27 view encoding → 128 → 128 → 3, the standard step's) forward + backward
 * on one batch of rows, per implementation: the TypeScript reference (core/field/Decoder.ts), TF.js on its
 * WebAssembly backend (core/field/TfDecoder.ts, XNNPACK; cli/tf.ts) and the fused WebAssembly kernels the
 * engine uses (WasmOps). Median of `reps` after a warm-up; rows per second and the ratio to the fused one.
 */
import { Rng } from '../core/math/rng';
import { Decoder, type DecoderConfig, type DecoderImpl } from '../core/field/Decoder';
import { cpuOps } from '../cli/ops';
import { tfDecoderFactory } from '../cli/tf';

export async function benchDecoder(log: (s: string) => void, opts: { rows?: number; reps?: number } = {}) {
  const rows = opts.rows ?? 32768, reps = opts.reps ?? 5;
  const config: DecoderConfig = { features: 12, viewFreqs: 4, hidden: [128, 128] };
  const rng = new Rng(7);
  const feats = Float32Array.from({ length: rows * 12 }, () => rng.next() * 2 - 1);
  const dirs = new Float32Array(rows * 3);
  for (let i = 0; i < rows; i++) { const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d); dirs.set(d.map((x) => x / l), i * 3); }
  const dRgb = Float32Array.from({ length: rows * 3 }, () => (rng.next() - 0.5) * 1e-3);
  const ops = await cpuOps();
  const impls: [string, DecoderImpl][] = [
    ['fused WebAssembly (engine)', ops.makeDecoder(config, new Rng(1))],
    ['TF.js wasm backend (XNNPACK)', (await tfDecoderFactory())(config, new Rng(1))],
    ['TypeScript reference', new Decoder(config, new Rng(1))],
  ];
  const out: Record<string, { rows_per_sec: number; rows_per_sec_min: number; rows_per_sec_max: number; ms: number }> = {};
  for (const [name, d] of impls) {
    const ms: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const t = performance.now();
      d.fillInput(rows, feats, dirs, null);
      d.forward(rows);
      d.backward(rows, dRgb);
      if (r > 0) ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const rate = (t: number) => Math.round(rows / (t / 1000));
    out[name] = { rows_per_sec: rate(ms[Math.floor(ms.length / 2)]), rows_per_sec_min: rate(ms[ms.length - 1]), rows_per_sec_max: rate(ms[0]),
      ms: Math.round(ms[Math.floor(ms.length / 2)]) };
    d.dispose?.();
    log(`  ${name.padEnd(30)} ${out[name].rows_per_sec} rows/s (${out[name].rows_per_sec_min} – ${out[name].rows_per_sec_max})`);
  }
  const fused = out['fused WebAssembly (engine)'].rows_per_sec;
  const ratio = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Number((v.rows_per_sec / fused).toFixed(3))]));
  return { rows, reps, decoder: '39-128-128-3', forward_backward: out, ratio_to_fused: ratio };
}

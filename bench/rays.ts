import type { Rng } from '../core/math/rng';

/**
 * The standard step's rays (bench/step.ts, bench/gpuPrograms.ts): axis-aligned, cycling x, y, z, from
 * outside the ±1.5 box across all of it, so every ray gets the same number of samples.
 */
export function axisRays(n: number, rng: Rng): { origins: Float32Array; dirs: Float32Array } {
  const origins = new Float32Array(n * 3), dirs = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const axis = i % 3;
    origins.set([rng.next() * 2.8 - 1.4, rng.next() * 2.8 - 1.4, rng.next() * 2.8 - 1.4], i * 3);
    origins[i * 3 + axis] = -2;
    dirs[i * 3 + axis] = 1;
  }
  return { origins, dirs };
}

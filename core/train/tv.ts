/**
 * Total variation of the density grid (MULFAGRID.md §4, "the usual small regularisers"; DVGO's and Plenoxels'
 * remedy for floaters in forward-facing captures): L = λ/2 · Σ over grid edges (w_i − w_j)², added to the
 * gradient of the vertices this step's rays touched (those with a nonzero gradient), so it keeps the optimiser's
 * sparse, masked updates: dL/dw_i = λ · Σ_{j ∈ 6-neighbours(i)} (w_i − w_j).
 */

/** Adds λ · Σ_j (w_i − w_j) to grad_i for every vertex i of an R³ one-channel grid whose gradient is nonzero. */
export function addTvGrad(data: Float32Array, grad: Float32Array, R: number, lambda: number): number {
  const RR = R * R;
  let touched = 0;
  for (let i = 0; i < grad.length; i++) {
    if (grad[i] === 0) continue;
    touched++;
    const x = i % R, y = ((i - x) / R) % R, z = (i - x - y * R) / RR, w = data[i];
    let s = 0;
    if (x > 0) s += w - data[i - 1];
    if (x < R - 1) s += w - data[i + 1];
    if (y > 0) s += w - data[i - R];
    if (y < R - 1) s += w - data[i + R];
    if (z > 0) s += w - data[i - RR];
    if (z < R - 1) s += w - data[i + RR];
    grad[i] += lambda * s;
  }
  return touched;
}

export default /* wgsl */ `
// The photometric loss on the device (core/train/Trainer.ts mseLoss): per ray i, e = rgb − target;
// io[i] (the rendered colour) is replaced by dL/dC = 2e / (3n), the input of the composite backward; the
// squared errors are summed per workgroup of 64 rays into partial[workgroup] (read back a step late). Rays from
// P.kept on (dropped by a sample budget: shaders/sampling.wgsl's scan) add nothing and get dL/dC = 0.
struct Params { n: u32, kept: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> io: array<f32>;
@group(0) @binding(2) var<storage, read> tgt: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

var<workgroup> sums: array<f32, 64>;

// the workgroup's 64 squared-error sums into partial[wg] (called by every invocation, in uniform control flow)
fn reducePartial(li: u32, wg: u32, sse: f32) {
  sums[li] = sse;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (li < s) { sums[li] += sums[li + s]; }
    workgroupBarrier();
  }
  if (li == 0u) { partial[wg] = sums[0]; }
}

@compute @workgroup_size(64)
fn mse(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let i = gid.x;
  var sse = 0.0;
  if (i >= P.kept && i < P.n) {
    for (var c = 0u; c < 3u; c++) { io[i * 3u + c] = 0.0; }
  }
  if (i < min(P.n, P.kept)) {
    let scale = 2.0 / f32(P.n * 3u);
    for (var c = 0u; c < 3u; c++) {
      let e = io[i * 3u + c] - tgt[i * 3u + c];
      sse += e * e;
      io[i * 3u + c] = e * scale;
    }
  }
  reducePartial(li, wg.x, sse);
}

// With per-photo exposure affines (core/train/exposure.ts; exposure = V × 12: M row-major 3×3, then b): the loss
// sees c' = (I + M_v)·c + b_v, io[i] becomes dL/dC = (I + M_v)ᵀ·dL/dc', and egrad[i] [12] holds ray i's terms of
// dL/dM_v (dL/dc'_k · c_k on the diagonal, 0 off it) and dL/db_v (dL/dc'_k), summed per view on the host.
@group(0) @binding(4) var<storage, read> exposure: array<f32>;
@group(0) @binding(5) var<storage, read> rayView: array<u32>;
@group(0) @binding(6) var<storage, read_write> egrad: array<f32>;

@compute @workgroup_size(64)
fn mse_exposure(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let i = gid.x;
  var sse = 0.0;
  if (i >= P.kept && i < P.n) {
    for (var c = 0u; c < 3u; c++) { io[i * 3u + c] = 0.0; }
    for (var k = 0u; k < 12u; k++) { egrad[i * 12u + k] = 0.0; }
  }
  if (i < min(P.n, P.kept)) {
    let scale = 2.0 / f32(P.n * 3u);
    let o = rayView[i] * 12u;
    let c = vec3<f32>(io[i * 3u], io[i * 3u + 1u], io[i * 3u + 2u]);
    var d = vec3<f32>(0.0);
    for (var k = 0u; k < 3u; k++) {
      let e = c[k] + exposure[o + k * 3u] * c.x + exposure[o + k * 3u + 1u] * c.y + exposure[o + k * 3u + 2u] * c.z + exposure[o + 9u + k] - tgt[i * 3u + k];
      sse += e * e;
      d[k] = e * scale;
      // M stays diagonal (a gain per channel, core/train/exposure.ts): no gradient off the diagonal
      egrad[i * 12u + k * 3u] = select(0.0, d[k] * c.x, k == 0u);
      egrad[i * 12u + k * 3u + 1u] = select(0.0, d[k] * c.y, k == 1u);
      egrad[i * 12u + k * 3u + 2u] = select(0.0, d[k] * c.z, k == 2u);
      egrad[i * 12u + 9u + k] = d[k];
    }
    for (var k = 0u; k < 3u; k++) {
      io[i * 3u + k] = d[k] + exposure[o + k] * d.x + exposure[o + 3u + k] * d.y + exposure[o + 6u + k] * d.z;
    }
  }
  reducePartial(li, wg.x, sse);
}
`;

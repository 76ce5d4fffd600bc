export default /* wgsl */ `
// Per-photo exposure affines on the device (core/train/exposure.ts): V views × 12 numbers.
// reduce: the loss's per-ray terms egrad [n · 12] (shaders/loss.wgsl mse_exposure) summed into each view's
//   gradient g [V · 12], in ray order (one invocation per view and number, so the sum is deterministic).
// recentre: after the Adam step, the mean affine over the views subtracted from each (their mean stays the
//   identity, recentreExposure), one invocation per number.
struct Params { n: u32, V: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read> egrad: array<f32>;
@group(0) @binding(4) var<storage, read> rayView: array<u32>;

@compute @workgroup_size(64)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= P.V * 12u) { return; }
  let v = q / 12u;
  let j = q % 12u;
  var s = 0.0;
  for (var i = 0u; i < P.n; i++) {
    if (rayView[i] == v) { s += egrad[i * 12u + j]; }
  }
  g[q] += s;
}

@compute @workgroup_size(64)
fn recentre(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= 12u) { return; }
  var s = 0.0;
  for (var v = 0u; v < P.V; v++) { s += x[v * 12u + j]; }
  let mean = s / f32(P.V);
  for (var v = 0u; v < P.V; v++) { x[v * 12u + j] -= mean; }
}
`;

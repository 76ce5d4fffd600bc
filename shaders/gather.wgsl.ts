export default /* wgsl */ `
// main: io[i·C + c] = Σ_k w[i·K + k] · F[idx[i·K + k]·C + c] (core/field/GridModel.ts gatherForward).
//       One invocation per (point, channel).
// dot:  dW[i·K + k] += Σ_c io[i·C + c] · F[idx[i·K + k]·C + c] — dL/dw of a learned kernel with io = dL/dout
//       (gatherBackward's dW). One invocation per (point, corner); each owns its output.
struct Params { n: u32, C: u32, K: u32, pad: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> F: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> io: array<f32>;
@group(0) @binding(5) var<storage, read_write> dW: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (t >= P.n * P.C) { return; }
  let i = t / P.C; let c = t % P.C;
  var acc = 0.0;
  for (var k = i * P.K; k < (i + 1u) * P.K; k++) {
    acc += w[k] * F[u32(idx[k]) * P.C + c];
  }
  io[t] = acc;
}

@compute @workgroup_size(64)
fn dot(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x + gid.y * 4194240u;
  if (k >= P.n * P.K) { return; }
  let i = k / P.K; let r = u32(idx[k]) * P.C;
  var acc = 0.0;
  for (var c = 0u; c < P.C; c++) { acc += io[i * P.C + c] * F[r + c]; }
  dW[k] += acc;
}
`;

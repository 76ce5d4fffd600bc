export default /* wgsl */ `
// main: io[i·C + c] = Σ_k w[i·K + k] · F[idx[i·K + k]·C + c] (core/field/GridModel.ts gatherForward).
//       One invocation per (point, channel).
// dot:  dW[i·K + k] += Σ_c io[i·C + c] · F[idx[i·K + k]·C + c] — dL/dw of a learned kernel with io = dL/dout
//       (gatherBackward's dW). One invocation per (point, corner); each owns its output.
// With sel = 1, row i's support (and dot's dW row) is row sel[i] (e.g. the samples that get colour, each once);
// io stays row i.
struct Params { n: u32, C: u32, K: u32, sel: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> F: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> io: array<f32>;
@group(0) @binding(5) var<storage, read_write> dW: array<f32>;
@group(0) @binding(6) var<storage, read> sel: array<i32>;

fn row(i: u32) -> u32 { return select(i, u32(sel[i]), P.sel == 1u); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (t >= P.n * P.C) { return; }
  let i = t / P.C; let c = t % P.C; let s = row(i);
  var acc = 0.0;
  for (var k = s * P.K; k < (s + 1u) * P.K; k++) {
    acc += w[k] * F[u32(idx[k]) * P.C + c];
  }
  io[t] = acc;
}

@compute @workgroup_size(64)
fn dot(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * 4194240u;
  if (t >= P.n * P.K) { return; }
  let i = t / P.K; let k = row(i) * P.K + t % P.K; let r = u32(idx[k]) * P.C;
  var acc = 0.0;
  for (var c = 0u; c < P.C; c++) { acc += io[i * P.C + c] * F[r + c]; }
  dW[k] += acc;
}
`;

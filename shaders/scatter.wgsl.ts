export default /* wgsl */ `
// dF[idx_k·C + c] += w_k · dOut[i·C + c] (core/field/GridModel.ts gatherBackward), correct under contention:
// WGSL has no float atomics, so each add is a compare-exchange loop on the float's bits (atomic<u32>).
// One invocation per (point, corner, channel). Order of additions is not fixed: results agree with the
// sequential reference to float rounding, not bit for bit.
// With sel = 1, row i's support is row sel[i] (dOut stays row i).
struct Params { n: u32, C: u32, K: u32, sel: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> dF: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> dOut: array<f32>;
@group(0) @binding(5) var<storage, read> sel: array<i32>;

fn atomicAddF32(a: u32, v: f32) {
  var old = atomicLoad(&dF[a]);
  loop {
    let r = atomicCompareExchangeWeak(&dF[a], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (t >= P.n * P.K * P.C) { return; }
  let c = t % P.C; let ik = t / P.C; let i = ik / P.K;
  let k = select(ik, u32(sel[i]) * P.K + ik % P.K, P.sel == 1u);
  let v = w[k] * dOut[i * P.C + c];
  if (v != 0.0) { atomicAddF32(u32(idx[k]) * P.C + c, v); }
}
`;

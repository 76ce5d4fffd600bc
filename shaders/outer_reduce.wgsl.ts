export default /* wgsl */ `
// Sums of outer products over rows, deterministic and without atomics (the MulFA kernel's parameter
// gradients from mulfa_backward.wgsl's rows):
//   reduce: per chunk of chunkRows rows, partial[(chunk0 + chunk)·total + outOff + h·(yw + 1) + j] =
//           Σ_r X[r·W + xOff + h] · Y'[r, j],  Y'[r] = [Y[(r / yDiv)·yStride + yOff + 0..yw) | 1]
//   sum:    out[o] += Σ_chunk partial[chunk·total + o], chunks in order.
// Rows are staged through workgroup memory in tiles of 32.
struct Params { rows: u32, chunkRows: u32, W: u32, xOff: u32, xw: u32, yOff: u32, yw: u32, yStride: u32,
  yDiv: u32, outOff: u32, total: u32, chunk0: u32, chunks: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const TILE = 32u;
var<workgroup> tx: array<f32, 512>;   // TILE · 16
var<workgroup> ty: array<f32, 1600>;  // TILE · 50

@compute @workgroup_size(256)
fn reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wid.x;
  let r0 = chunk * P.chunkRows; let r1 = min(P.rows, r0 + P.chunkRows);
  let xw = P.xw; let yw1 = P.yw + 1u; let nOut = xw * yw1;
  var acc: array<f32, 4>;
  for (var t = r0; t < r1; t += TILE) {
    for (var e = lid.x; e < TILE * xw; e += 256u) {
      let r = t + e / xw;
      var v = 0.0;
      if (r < r1) { v = X[r * P.W + P.xOff + e % xw]; }
      tx[e] = v;
    }
    for (var e = lid.x; e < TILE * yw1; e += 256u) {
      let r = t + e / yw1; let j = e % yw1;
      var v = 1.0;
      if (r >= r1) { v = 0.0; } else if (j < P.yw) { v = Y[(r / P.yDiv) * P.yStride + P.yOff + j]; }
      ty[e] = v;
    }
    workgroupBarrier();
    for (var q = 0u; q < 4u; q++) {
      let o = lid.x + q * 256u;
      if (o < nOut) {
        let h = o / yw1; let j = o % yw1;
        var s = 0.0;
        for (var k = 0u; k < TILE; k++) { s += tx[k * xw + h] * ty[k * yw1 + j]; }
        acc[q] += s;
      }
    }
    workgroupBarrier();
  }
  for (var q = 0u; q < 4u; q++) {
    let o = lid.x + q * 256u;
    if (o < nOut) { partial[(P.chunk0 + chunk) * P.total + P.outOff + o] = acc[q]; }
  }
}

@compute @workgroup_size(64)
fn sum(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * 4194240u;
  if (o >= P.total) { return; }
  var s = 0.0;
  for (var c = 0u; c < P.chunks; c++) { s += partial[c * P.total + o]; }
  out[o] += s;
}
`;

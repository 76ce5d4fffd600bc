export default /* wgsl */ `
// Backward of one decoder layer (shaders/mlp_layer.wgsl; core/field/Decoder.ts backward).
// entry dx: dX[i, k] = (Σ_o dY[i, o] · W[o, k]) · (X[i, k] > 0 when maskRelu = 1: the ReLU of the layer below),
//           16×16 tiles through workgroup memory.
// entry dw: dW[o, k] += Σ_i dY[i, o] · X[i, k] and db[o] += Σ_i dY[i, o] (k = inD), rows split in chunks of
//           "rows" per workgroup row; chunk partial sums land with compare-exchange float adds.
struct Params { n: u32, inD: u32, outD: u32, maskRelu: u32, rows: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> dY: array<f32>;
@group(0) @binding(4) var<storage, read_write> dX: array<f32>;
@group(0) @binding(5) var<storage, read_write> dWb: array<atomic<u32>>;

var<workgroup> ys: array<array<f32, 16>, 16>;
var<workgroup> wt: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn dx(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wg: vec3<u32>) {
  if (wg.y * 16u >= P.n) { return; } // a tile past the rows (dispatched for a bound, n counted on the device)
  let k = gid.x; let i = gid.y;
  var acc = 0.0;
  for (var o0 = 0u; o0 < P.outD; o0 += 16u) {
    let ox = o0 + lid.x; let oy = o0 + lid.y;
    ys[lid.y][lid.x] = select(0.0, dY[i * P.outD + ox], i < P.n && ox < P.outD);
    wt[lid.y][lid.x] = select(0.0, W[oy * P.inD + k], oy < P.outD && k < P.inD);
    workgroupBarrier();
    for (var o = 0u; o < 16u; o++) { acc += ys[lid.y][o] * wt[o][lid.x]; }
    workgroupBarrier();
  }
  if (i < P.n && k < P.inD) {
    let x = X[i * P.inD + k];
    dX[i * P.inD + k] = select(acc, select(0.0, acc, x > 0.0), P.maskRelu == 1u);
  }
}

fn addF32(a: u32, v: f32) {
  var old = atomicLoad(&dWb[a]);
  loop {
    let r = atomicCompareExchangeWeak(&dWb[a], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

// one invocation per (o, k ≤ inD) of dW (k = inD: the bias) and per chunk of rows (gid.y)
@compute @workgroup_size(64)
fn dw(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  let cols = P.inD + 1u;
  if (t >= P.outD * cols) { return; }
  let o = t / cols; let k = t % cols;
  let i0 = gid.y * P.rows;
  let i1 = min(P.n, i0 + P.rows);
  var acc = 0.0;
  for (var i = i0; i < i1; i++) {
    let x = select(X[i * P.inD + k], 1.0, k == P.inD);
    acc += dY[i * P.outD + o] * x;
  }
  if (acc != 0.0) { addF32(o * cols + k, acc); }
}
`;

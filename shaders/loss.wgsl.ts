export default /* wgsl */ `
// The photometric loss on the device (core/train/Trainer.ts mseLoss): per ray i, e = rgb − target;
// io[i] (the rendered colour) is replaced by dL/dC = 2e / (3n), the input of the composite backward; the
// squared errors are summed per workgroup of 64 rays into partial[workgroup] (read back a step late).
struct Params { n: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> io: array<f32>;
@group(0) @binding(2) var<storage, read> tgt: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

var<workgroup> sums: array<f32, 64>;

@compute @workgroup_size(64)
fn mse(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let i = gid.x;
  var sse = 0.0;
  if (i < P.n) {
    let scale = 2.0 / f32(P.n * 3u);
    for (var c = 0u; c < 3u; c++) {
      let e = io[i * 3u + c] - tgt[i * 3u + c];
      sse += e * e;
      io[i * 3u + c] = e * scale;
    }
  }
  sums[li] = sse;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (li < s) { sums[li] += sums[li + s]; }
    workgroupBarrier();
  }
  if (li == 0u) { partial[wg.x] = sums[0]; }
}
`;

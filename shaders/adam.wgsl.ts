export default /* wgsl */ `
// Masked Adam (core/optim/Adam.ts): entries with a zero gradient keep value and moments; bias corrections
// by each entry's own update count (tables c1, c2). One invocation per entry.
// Entry layer: the same update for one decoder layer whose gradient is packed [out, in + 1] (the bias
// gradient as the last column, shaders/mlp_layer_bwd.wgsl) and whose weights W [out, in] and biases b [out]
// are separate buffers; moments packed like the gradient.
struct Params { n: u32, cols: u32, pad1: u32, pad2: u32, lr: f32, b1: f32, b2: f32, eps: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> t: array<i32>;
@group(0) @binding(6) var<storage, read> c1: array<f32>;
@group(0) @binding(7) var<storage, read> c2: array<f32>;
@group(0) @binding(8) var<storage, read_write> bias: array<f32>;

// the step of entry i (its gradient gi ≠ 0): moments and count updated, returns the change of the value
fn adamStep(i: u32, gi: f32) -> f32 {
  let ti = t[i] + 1;
  t[i] = ti;
  let mi = P.b1 * m[i] + (1.0 - P.b1) * gi;
  let vi = P.b2 * v[i] + (1.0 - P.b2) * gi * gi;
  m[i] = mi; v[i] = vi;
  let tc = u32(min(ti, i32(arrayLength(&c1)) - 1)); // past the table the corrections are 1 to f32 precision
  g[i] = 0.0;
  return P.lr * (mi * c1[tc]) / (sqrt(vi * c2[tc]) + P.eps);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (i >= P.n) { return; }
  let gi = g[i];
  if (gi == 0.0) { return; }
  x[i] = x[i] - adamStep(i, gi);
}

@compute @workgroup_size(64)
fn layer(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  if (i >= P.n) { return; }
  let gi = g[i];
  if (gi == 0.0) { return; }
  let o = i / P.cols; let k = i % P.cols;
  let d = adamStep(i, gi);
  if (k + 1u == P.cols) { bias[o] = bias[o] - d; } else { x[o * (P.cols - 1u) + k] = x[o * (P.cols - 1u) + k] - d; }
}
`;

export default /* wgsl */ `
// The MulFA kernel's update on the device (core/gpu/GpuField.ts adamKernels), in three passes:
// adam:   per parameter i of the kernel's flat vector x (its Params in MulFAKernel.params order), the gradient
//         is the sum of its entries in mulfaBackward's output g (csr: a map built on the host from mulfaGradLayout,
//         entries csr[i] … csr[i + 1] − 1 of csr itself list them; one buffer, so the pass binds 8 storage buffers,
//         WebGPU's default limit), then masked Adam as core/optim/Adam.ts (a zero gradient leaves the entry alone).
// pack:   the packed parameters the support and backward programs read (GpuPrograms.packMulFAData's layout):
//         packed[q] = x[packSrc[q]].
// tables: the filter tables sin/cos(Ω_m[h, axis] · p_v + ψ_m[h] on axis 0) for every layer, axis, vertex and
//         hidden unit, as packMulFAData lays them out (layer m: sin at m·2·3·R·16, cos after it).
struct Params { n: u32, R: u32, M: u32, pad: u32, lr: f32, b1: f32, b2: f32, eps: f32,
  omegaOff: vec4<u32>, psiOff: vec4<u32> }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> t: array<i32>;
@group(0) @binding(6) var<storage, read> c1: array<f32>;
@group(0) @binding(7) var<storage, read> c2: array<f32>;
@group(0) @binding(8) var<storage, read> csr: array<u32>;
@group(0) @binding(9) var<storage, read> packSrc: array<u32>;
@group(0) @binding(10) var<storage, read_write> packed: array<f32>;
@group(0) @binding(11) var<storage, read_write> tables: array<f32>;

@compute @workgroup_size(64)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= P.n) { return; }
  var gi = 0.0;
  for (var q = csr[i]; q < csr[i + 1u]; q++) { gi += g[csr[q]]; }
  if (gi == 0.0) { return; }
  let ti = t[i] + 1;
  t[i] = ti;
  let mi = P.b1 * m[i] + (1.0 - P.b1) * gi;
  let vi = P.b2 * v[i] + (1.0 - P.b2) * gi * gi;
  m[i] = mi; v[i] = vi;
  let tc = u32(min(ti, i32(arrayLength(&c1)) - 1));
  x[i] = x[i] - P.lr * (mi * c1[tc]) / (sqrt(vi * c2[tc]) + P.eps);
}

@compute @workgroup_size(64)
fn pack(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= P.n) { return; }
  packed[q] = x[packSrc[q]];
}

@compute @workgroup_size(64)
fn tabulate(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  let per = 3u * P.R * 16u;
  if (e >= P.M * per) { return; }
  let layer = e / per;
  let r = e % per; // (axis · R + vertex) · 16 + h
  let h = r % 16u;
  let av = r / 16u;
  let axis = av / P.R;
  let vtx = av % P.R;
  let p = f32(vtx) * (2.0 / f32(P.R - 1u)) - 1.0;
  var ang = x[P.omegaOff[layer] + h * 3u + axis] * p;
  if (axis == 0u) { ang += x[P.psiOff[layer] + h]; }
  let sc = sincos(ang);
  tables[layer * 2u * per + r] = sc.x;
  tables[(layer * 2u + 1u) * per + r] = sc.y;
}
`;

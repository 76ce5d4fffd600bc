export default /* wgsl */ `
// MulFAGrid support (core/field/MulFAGrid.ts, core/wasm/kernels.c mulfa_point): for each point the 8 cell
// corners and the learned kernel's normalised weights
//   z1 = γ(u); h1 = A1 z1 + b1; per corner: z_{m+1} = h_m ⊙ sin(Ω_m p + ψ_m), h_{m+1} = A_{m+1} z_{m+1} + b_{m+1};
//   s = aᵀ z_{M+1} + c (clamped to ±15); φ = trilinear · e^s; φ̄ = φ / max(Σφ, 1e-6).
// H = 16. Filter sines come from per-axis tables by angle addition, as on the CPU. One invocation per point.
// sincos.wgsl and mulfa_common.wgsl are prepended.
struct Params { n: u32, R: u32, L: u32, M: u32, Z: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> T: array<f32>;
@group(0) @binding(4) var<storage, read_write> idx: array<i32>;
@group(0) @binding(5) var<storage, read_write> w: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  if (i >= P.n) { return; }
  let R = P.R;
  let cl = mulfa_cell(vec3<f32>(pts[i * 3u], pts[i * 3u + 1u], pts[i * 3u + 2u]), R);
  let h1 = mulfa_h1(mulfa_z1(cl, P.L), P.Z);
  var phi: array<f32, 8>;
  var sum = 0.0;
  for (var c = 0u; c < 8u; c++) {
    phi[c] = mulfa_tri(cl, c) * exp(mulfa_corner_score(cl, c, h1, R, P.M, P.Z));
    sum += phi[c];
  }
  let inv = 1.0 / max(sum, 1e-6);
  let r0 = (cl.ci.z * R + cl.ci.y) * R + cl.ci.x;
  for (var c = 0u; c < 8u; c++) {
    idx[i * 8u + c] = i32(r0 + (c & 1u) + ((c >> 1u) & 1u) * R + (c >> 2u) * R * R);
    w[i * 8u + c] = phi[c] * inv;
  }
}
`;

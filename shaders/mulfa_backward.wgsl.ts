export default /* wgsl */ `
// Backward of the MulFA kernel (core/field/MulFAGrid.ts MulFAKernel.backward), stage 1 of 2: per point,
// from dL/dφ̄ [8], the per-corner factors whose outer products are the parameter gradients. Summing them
// over points happens in outer_reduce.wgsl (deterministic, no atomics) — each parameter gradient is
//   a, c:      Σ ds ⊗ [z_{M+1} | 1]          Ω_m, ψ_m: Σ dθ_m ⊗ [p | 1]
//   A_m, b_m:  Σ dh_m ⊗ [z_m | 1] (m ≥ 1)    A_1, b_1: Σ dh_1 ⊗ [z_1 | 1]
// Row layout per (point, corner), width W = 4 + 48M:
//   [0] ds | [1, 17) z_{M+1} | [17 + 16m, +16) dθ_m | [17 + 16M, +3) p | [20 + 16M + 32(m−1), +32) dh_m, z_m (m ≥ 1)
//   | [20 + 16M + 32(M−1), +16) dh_1 of this corner;  and per point z_1 [Z] in zp.
// Points below the normaliser's floor (Σφ < 1e-6) and clamped scores contribute nothing, as on the CPU.
// sincos.wgsl and mulfa_common.wgsl are prepended.
struct Params { n: u32, first: u32, R: u32, L: u32, M: u32, Z: u32, W: u32, pad: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> T: array<f32>;
@group(0) @binding(4) var<storage, read> dW: array<f32>;
@group(0) @binding(5) var<storage, read_write> st: array<f32>;
@group(0) @binding(6) var<storage, read_write> zp: array<f32>;

@compute @workgroup_size(64)
fn stage(@builtin(global_invocation_id) gid: vec3<u32>) {
  let li = gid.x + gid.y * 4194240u;
  if (li >= P.n) { return; }
  let i = P.first + li;
  let R = P.R; let M = P.M; let Z = P.Z; let W = P.W;
  let cl = mulfa_cell(vec3<f32>(pts[i * 3u], pts[i * 3u + 1u], pts[i * 3u + 2u]), R);
  let z1 = mulfa_z1(cl, P.L);
  let h1 = mulfa_h1(z1, Z);
  for (var j = 0u; j < Z; j++) { zp[li * Z + j] = z1[j]; }
  var phi: array<f32, 8>;
  var sv: array<f32, 8>;
  var sum = 0.0;
  for (var c = 0u; c < 8u; c++) {
    sv[c] = mulfa_corner_score(cl, c, h1, R, M, Z);
    phi[c] = mulfa_tri(cl, c) * exp(sv[c]);
    sum += phi[c];
  }
  let inv = 1.0 / max(sum, 1e-6);
  var dot = 0.0;
  for (var c = 0u; c < 8u; c++) { phi[c] *= inv; dot += dW[i * 8u + c] * phi[c]; }
  let live = sum >= 1e-6;
  let sp = 2.0 / f32(R - 1u);
  let aOff = mulfa_layer(M, Z);
  for (var c = 0u; c < 8u; c++) {
    let base = (li * 8u + c) * W;
    // φ_c = tri_c e^{s_c}, φ̄ = φ / Σφ: ds_c = (dφ̄_c − Σ_j dφ̄_j φ̄_j) φ̄_c
    var ds = (dW[i * 8u + c] - dot) * phi[c];
    if (!live || sv[c] <= -15.0 || sv[c] >= 15.0) { ds = 0.0; }
    // the corner's forward, keeping h_m and z_{m+1} per layer
    let o = mulfa_corner(cl, c, R);
    var hs: array<array<f32, 16>, MAXM>;
    var zs: array<array<f32, 16>, MAXM>;
    hs[0] = h1;
    for (var m = 0u; m < M; m++) {
      for (var h = 0u; h < 16u; h++) { zs[m][h] = hs[m][h] * mulfa_filter(m, o, h, R).x; }
      if (m + 1u < M) { hs[m + 1u] = mulfa_next(m + 1u, zs[m], Z); }
    }
    st[base] = ds;
    var dz: array<f32, 16>;
    for (var h = 0u; h < 16u; h++) { st[base + 1u + h] = zs[M - 1u][h]; dz[h] = ds * K[aOff + h]; }
    let pOff = base + 17u + 16u * M;
    st[pOff] = f32(cl.ci.x + (c & 1u)) * sp - 1.0;
    st[pOff + 1u] = f32(cl.ci.y + ((c >> 1u) & 1u)) * sp - 1.0;
    st[pOff + 2u] = f32(cl.ci.z + (c >> 2u)) * sp - 1.0;
    for (var mm = 0u; mm < M; mm++) {
      let m = M - 1u - mm;
      var dh: array<f32, 16>;
      for (var h = 0u; h < 16u; h++) {
        let gc = mulfa_filter(m, o, h, R);
        dh[h] = dz[h] * gc.x;
        st[base + 17u + 16u * m + h] = dz[h] * hs[m][h] * gc.y;
      }
      if (m == 0u) {
        let off = base + 20u + 16u * M + 32u * (M - 1u);
        for (var h = 0u; h < 16u; h++) { st[off + h] = dh[h]; }
      } else {
        let off = base + 20u + 16u * M + 32u * (m - 1u);
        let lo = mulfa_layer(m, Z);
        for (var h = 0u; h < 16u; h++) { st[off + h] = dh[h]; st[off + 16u + h] = zs[m - 1u][h]; }
        for (var j = 0u; j < 16u; j++) {
          var acc = 0.0;
          for (var h = 0u; h < 16u; h++) { acc += K[lo + j * 16u + h] * dh[h]; }
          dz[j] = acc;
        }
      }
    }
  }
}
`;

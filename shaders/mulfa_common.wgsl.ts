export default /* wgsl */ `
// The MulFA kernel's per-point forward pieces (core/field/MulFAGrid.ts), shared by mulfa_support.wgsl and
// mulfa_backward.wgsl (GpuKernels prepends sincos.wgsl and this file). The including shader declares:
//   K: packed parameters — A1ᵀ [Z·16] | b1 [16] | for m = 1..M−1: Aᵀ_m [16·16] | b_m [16] | a [16] | c
//   T: filter tables — per layer m: sin [3·R·16] then cos [3·R·16] of Ω_m[h, axis]·p(v) (+ ψ_m on x).
// H = 16; M ≤ MAXM layers.
const MAXM = 4u;

struct MCell { ci: vec3<u32>, fr: vec3<f32> }

fn mulfa_cell(p: vec3<f32>, R: u32) -> MCell {
  var out: MCell;
  for (var d = 0u; d < 3u; d++) {
    let u = clamp(p[d], 0.0, 1.0) * f32(R - 1u);
    let c = min(floor(u), f32(R - 2u));
    out.ci[d] = u32(c); out.fr[d] = u - c;
  }
  return out;
}

// Eq. 6 with exact range reduction: sin/cos(2^k π (c + f)) = (±1 for k = 0) · sin/cos(2^k π f)
fn mulfa_z1(cl: MCell, L: u32) -> array<f32, 48> {
  var z1: array<f32, 48>;
  var j = 0u;
  for (var d = 0u; d < 3u; d++) {
    let sc0 = sincos(PI * cl.fr[d] - PI * 0.5); // sin(πf − π/2) = −cos πf, cos(πf − π/2) = sin πf
    var s = sc0.y; var co = -sc0.x;
    let sg = select(1.0, -1.0, (cl.ci[d] & 1u) == 1u);
    z1[j] = sg * s; z1[j + 1u] = sg * co; j += 2u;
    for (var q = 1u; q < L; q++) {
      let s2 = 2.0 * s * co; let c2 = 1.0 - 2.0 * s * s;
      s = s2; co = c2;
      z1[j] = s; z1[j + 1u] = co; j += 2u;
    }
  }
  return z1;
}

fn mulfa_h1(z1: array<f32, 48>, Z: u32) -> array<f32, 16> {
  var h1: array<f32, 16>;
  for (var h = 0u; h < 16u; h++) {
    var acc = K[Z * 16u + h];
    for (var q = 0u; q < Z; q++) { acc += K[q * 16u + h] * z1[q]; }
    h1[h] = acc;
  }
  return h1;
}

// Offset of Aᵀ_m (then b_m) in K, m ≥ 1; of a (then c) for m = M.
fn mulfa_layer(m: u32, Z: u32) -> u32 { return Z * 16u + 16u + (m - 1u) * 272u; }

// Table offsets of corner c's vertex on each axis (x, y, z), in units of 16 floats.
fn mulfa_corner(cl: MCell, c: u32, R: u32) -> vec3<u32> {
  return vec3<u32>((cl.ci.x + (c & 1u)) * 16u, (R + cl.ci.y + ((c >> 1u) & 1u)) * 16u, (2u * R + cl.ci.z + (c >> 2u)) * 16u);
}

// sin θ and cos θ of layer m's filter h at a corner (angle addition from the per-axis tables).
fn mulfa_filter(m: u32, o: vec3<u32>, h: u32, R: u32) -> vec2<f32> {
  let sBase = m * 2u * 3u * R * 16u; let cBase = sBase + 3u * R * 16u;
  let sx = T[sBase + o.x + h]; let cx = T[cBase + o.x + h];
  let sy = T[sBase + o.y + h]; let cy = T[cBase + o.y + h];
  let sz = T[sBase + o.z + h]; let cz = T[cBase + o.z + h];
  let sxy = sx * cy + cx * sy; let cxy = cx * cy - sx * sy;
  return vec2<f32>(sxy * cz + cxy * sz, cxy * cz - sxy * sz);
}

// h_{m+1} = A_{m+1} z + b_{m+1} (m + 1 ≥ 1, 0-based layer index of the result)
fn mulfa_next(m1: u32, z: array<f32, 16>, Z: u32) -> array<f32, 16> {
  let off = mulfa_layer(m1, Z);
  var hv: array<f32, 16>;
  for (var h = 0u; h < 16u; h++) {
    var acc = K[off + 256u + h];
    for (var q = 0u; q < 16u; q++) { acc += K[off + q * 16u + h] * z[q]; }
    hv[h] = acc;
  }
  return hv;
}

fn mulfa_tri(cl: MCell, c: u32) -> f32 {
  return select(1.0 - cl.fr.x, cl.fr.x, (c & 1u) == 1u) * select(1.0 - cl.fr.y, cl.fr.y, ((c >> 1u) & 1u) == 1u) *
    select(1.0 - cl.fr.z, cl.fr.z, (c >> 2u) == 1u);
}

// s = aᵀ z_{M+1} + c, clamped to ±15
fn mulfa_score(z: array<f32, 16>, M: u32, Z: u32) -> f32 {
  let aOff = mulfa_layer(M, Z);
  var sv = K[aOff + 16u];
  for (var h = 0u; h < 16u; h++) { sv += K[aOff + h] * z[h]; }
  return clamp(sv, -15.0, 15.0);
}

// The corner's score s through all M layers from h1.
fn mulfa_corner_score(cl: MCell, c: u32, h1: array<f32, 16>, R: u32, M: u32, Z: u32) -> f32 {
  let o = mulfa_corner(cl, c, R);
  var hv = h1;
  var z: array<f32, 16>;
  for (var m = 0u; m < M; m++) {
    for (var h = 0u; h < 16u; h++) { z[h] = hv[h] * mulfa_filter(m, o, h, R).x; }
    if (m + 1u < M) { hv = mulfa_next(m + 1u, z, Z); }
  }
  return mulfa_score(z, M, Z);
}
`;

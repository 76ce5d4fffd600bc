// MulFAGrid support (core/field/MulFAGrid.ts, core/wasm/kernels.c mulfa_point): for each point the 8 cell
// corners and the learned kernel's normalised weights
//   z1 = γ(u); h1 = A1 z1 + b1; per corner: z_{m+1} = h_m ⊙ sin(Ω_m p + ψ_m), h_{m+1} = A_{m+1} z_{m+1} + b_{m+1};
//   s = aᵀ z_{M+1} + c (clamped to ±15); φ = trilinear · e^s; φ̄ = φ / max(Σφ, 1e-6).
// H = 16. Filter sines come from per-axis tables by angle addition, as on the CPU. One invocation per point.
struct Params { n: u32, R: u32, L: u32, M: u32, Z: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
// packed: A1T [Z·16] | b1 [16] | for m = 1..M−1: AT_m [16·16] | b_m [16] | a [16] | c
@group(0) @binding(2) var<storage, read> K: array<f32>;
// per layer m: sin table [3·R·16] then cos table [3·R·16]
@group(0) @binding(3) var<storage, read> T: array<f32>;
@group(0) @binding(4) var<storage, read_write> idx: array<i32>;
@group(0) @binding(5) var<storage, read_write> w: array<f32>;

// PI and sincos(x) come from shaders/sincos.wgsl (prepended)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  if (i >= P.n) { return; }
  let R = P.R;
  var ci: array<i32, 3>;
  var fr: array<f32, 3>;
  for (var d = 0u; d < 3u; d++) {
    let u = clamp(pts[i * 3u + d], 0.0, 1.0) * f32(R - 1u);
    let c = min(floor(u), f32(R - 2u));
    ci[d] = i32(c); fr[d] = u - c;
  }
  // Eq. 6 with exact range reduction: sin/cos(2^k π (c + f)) = (±1 for k = 0) · sin/cos(2^k π f)
  var z1: array<f32, 48>;
  var j = 0u;
  for (var d = 0u; d < 3u; d++) {
    let sc0 = sincos(PI * fr[d] - PI * 0.5); // sin(πf − π/2) = −cos πf, cos(πf − π/2) = sin πf
    var s = sc0.y; var co = -sc0.x;
    let sg = select(1.0, -1.0, (ci[d] & 1) == 1);
    z1[j] = sg * s; z1[j + 1u] = sg * co; j += 2u;
    for (var q = 1u; q < P.L; q++) {
      let s2 = 2.0 * s * co; let c2 = 1.0 - 2.0 * s * s;
      s = s2; co = c2;
      z1[j] = s; z1[j + 1u] = co; j += 2u;
    }
  }
  var h1: array<f32, 16>;
  let Z = P.Z;
  for (var h = 0u; h < 16u; h++) {
    var acc = K[Z * 16u + h];
    for (var q = 0u; q < Z; q++) { acc += K[q * 16u + h] * z1[q]; }
    h1[h] = acc;
  }
  let aOff = Z * 16u + 16u + (P.M - 1u) * (256u + 16u);
  let cVal = K[aOff + 16u];
  var phi: array<f32, 8>;
  var sum = 0.0;
  for (var c = 0u; c < 8u; c++) {
    let b = vec3<u32>(c & 1u, (c >> 1u) & 1u, c >> 2u);
    let tri = select(1.0 - fr[0], fr[0], b.x == 1u) * select(1.0 - fr[1], fr[1], b.y == 1u) * select(1.0 - fr[2], fr[2], b.z == 1u);
    let ox = (u32(ci[0]) + b.x) * 16u; let oy = (R + u32(ci[1]) + b.y) * 16u; let oz = (2u * R + u32(ci[2]) + b.z) * 16u;
    var hv = h1;
    var z: array<f32, 16>;
    for (var m = 0u; m < P.M; m++) {
      let sBase = m * 2u * 3u * R * 16u; let cBase = sBase + 3u * R * 16u;
      for (var h = 0u; h < 16u; h++) {
        let sx = T[sBase + ox + h]; let cx = T[cBase + ox + h];
        let sy = T[sBase + oy + h]; let cy = T[cBase + oy + h];
        let sz = T[sBase + oz + h]; let cz = T[cBase + oz + h];
        let sxy = sx * cy + cx * sy; let cxy = cx * cy - sx * sy;
        z[h] = hv[h] * (sxy * cz + cxy * sz);
      }
      if (m + 1u < P.M) {
        let off = Z * 16u + 16u + m * (256u + 16u); // AT_{m+1} then b_{m+1}
        for (var h = 0u; h < 16u; h++) {
          var acc = K[off + 256u + h];
          for (var q = 0u; q < 16u; q++) { acc += K[off + q * 16u + h] * z[q]; }
          hv[h] = acc;
        }
      }
    }
    var sv = cVal;
    for (var h = 0u; h < 16u; h++) { sv += K[aOff + h] * z[h]; }
    sv = clamp(sv, -15.0, 15.0);
    phi[c] = tri * exp(sv);
    sum += phi[c];
  }
  let inv = 1.0 / max(sum, 1e-6);
  let r0 = (ci[2] * i32(R) + ci[1]) * i32(R) + ci[0];
  let RR = i32(R * R);
  for (var c = 0u; c < 8u; c++) {
    idx[i * 8u + c] = r0 + i32(c & 1u) + i32((c >> 1u) & 1u) * i32(R) + i32(c >> 2u) * RR;
    w[i * 8u + c] = phi[c] * inv;
  }
}

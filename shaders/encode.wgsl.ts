export default /* wgsl */ `
// Decoder input and output (core/field/Decoder.ts encodeDecoderInput, sigmoid):
//   encode:  X[s, 0:C] = colour features of sample s; X[s, C:] = PE(direction of its ray) =
//            [d, sin(d), cos(d), sin(2d), cos(2d), …] (per frequency: sin of the 3 axes, then cos); row width Dp ≥ C + 3 + 6·freqs
//   sigmoid: rgb[s, c] = 1 / (1 + e^{−Y[s, c]}), Y rows of width outD
// (encode with sel = 1: row s is sample sel[s]'s, for its ray)
struct Params { n: u32, C: u32, freqs: u32, Dp: u32, outD: u32, sel: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> feats: array<f32>;
@group(0) @binding(2) var<storage, read> rays: array<f32>;            // [rays, 6]: origin, direction
@group(0) @binding(3) var<storage, read> rayT: array<vec2<f32>>;      // per sample: (ray, t)
@group(0) @binding(4) var<storage, read_write> X: array<f32>;
@group(0) @binding(5) var<storage, read> Y: array<f32>;
@group(0) @binding(6) var<storage, read_write> rgb: array<f32>;
@group(0) @binding(7) var<storage, read> sel: array<i32>;

// sincos(x) comes from shaders/sincos.wgsl (prepended)

@compute @workgroup_size(64)
fn encode(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x + gid.y * 4194240u;
  if (s >= P.n) { return; }
  let o = s * P.Dp;
  for (var c = 0u; c < P.C; c++) { X[o + c] = feats[s * P.C + c]; }
  let r = u32(rayT[select(s, u32(sel[s]), P.sel == 1u)].x);
  var j = o + P.C;
  for (var a = 0u; a < 3u; a++) { X[j + a] = rays[r * 6u + 3u + a]; }
  j += 3u;
  var scale = 1.0;
  for (var k = 0u; k < P.freqs; k++) {
    for (var a = 0u; a < 3u; a++) {
      let sc = sincos(scale * rays[r * 6u + 3u + a]);
      X[j + a] = sc.x; X[j + 3u + a] = sc.y;
    }
    j += 6u;
    scale *= 2.0;
  }
}

@compute @workgroup_size(64)
fn sigmoid(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x + gid.y * 4194240u;
  if (s >= P.n) { return; }
  for (var c = 0u; c < 3u; c++) { rgb[s * 3u + c] = 1.0 / (1.0 + exp(-Y[s * P.outD + c])); }
}

// backward of sigmoid: dY[s, c] = dRgb[s, c] · rgb (1 − rgb) for c < 3, 0 in padding columns (rgb holds the
// forward's output; X is reused as dRgb's buffer slot is not: dRgb arrives in feats' binding)
@compute @workgroup_size(64)
fn sigmoid_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x + gid.y * 4194240u;
  if (s >= P.n) { return; }
  for (var c = 0u; c < P.outD; c++) {
    var g = 0.0;
    if (c < 3u) { let v = rgb[s * 3u + c]; g = feats[s * 3u + c] * v * (1.0 - v); }
    X[s * P.outD + c] = g;
  }
}

// the colour-feature part of the decoder input gradient: dFeat[s, c] = dX[s, c] (dX in Y's binding)
@compute @workgroup_size(64)
fn split(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * 4194240u;
  if (t >= P.n * P.C) { return; }
  let s = t / P.C; let c = t % P.C;
  X[t] = Y[s * P.Dp + c];
}
`;

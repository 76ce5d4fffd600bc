export default /* wgsl */ `
// Volume rendering along rays (core/render/composite.ts), one invocation per ray. Samples whose weight T·α
// exceeds the threshold get colour (the CPU's alphaPass chooses the same, in the same order); only those are
// decoded, so colours and their gradients are rows of the coloured samples (nc ≤ S). Entry points:
//   alpha_pass:  DVGO alpha, transmittance, early termination → st[s] = (α, T), colorOf[s] = 1 where coloured,
//                range[r] = (start, end), opacity, colorStart[r] = the ray's coloured count (then scanned)
//   color_place: after the scan (colorStart[r] = first row, colorStart[n] = nc): colorOf[s] = its row or −1,
//                colorSample[row] = s
//   composite:   io[r] = Σ T·α·rgb[colorOf[s]] + (1 − opacity)·background
//   backward:    from io[r] = dL/dC: dSampleRgb[colorOf[s]] and dRaw[s]
//   distortion_backward: after backward, dRaw[s] += the distortion loss's gradient (core/render/composite.ts
//                distortionBackward: weight λ per ray, sample spacing δ, distances along the samples' polyline)
// (at most 8 storage buffers per entry point: WebGPU's default limit)
struct Params { n: u32, pad0: u32, lambda: f32, step: f32, shift: f32, interval: f32, thrW: f32, thrT: f32, bg: vec4<f32>, ext: vec4<f32> }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> rayStart: array<i32>;
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read_write> st: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> colorOf: array<i32>;
@group(0) @binding(5) var<storage, read_write> range: array<vec2<i32>>;
@group(0) @binding(6) var<storage, read_write> opacity: array<f32>;
@group(0) @binding(7) var<storage, read> rgb: array<f32>;
@group(0) @binding(8) var<storage, read_write> io: array<f32>;
@group(0) @binding(9) var<storage, read_write> dSampleRgb: array<f32>;
@group(0) @binding(10) var<storage, read_write> dRaw: array<f32>;
@group(0) @binding(11) var<storage, read_write> colorStart: array<i32>;
@group(0) @binding(12) var<storage, read_write> colorSample: array<i32>;

fn softplus(x: f32) -> f32 { return select(log(1.0 + exp(x)), x, x > 20.0); }
fn colorRgb(j: i32) -> vec3<f32> { return vec3<f32>(rgb[j * 3], rgb[j * 3 + 1], rgb[j * 3 + 2]); }

@compute @workgroup_size(64)
fn alpha_pass(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  var T = 1.0;
  let s0 = rayStart[r]; let s1 = rayStart[r + 1u];
  var end = s1;
  var nc = 0;
  for (var s = s0; s < s1; s++) {
    let a = min(1.0 - exp(-softplus(raw[s] + P.shift) * P.interval), 0.999999);
    st[s] = vec2<f32>(a, T);
    let c = T * a > P.thrW;
    colorOf[s] = select(0, 1, c);
    nc += select(0, 1, c);
    T *= 1.0 - a;
    if (T < P.thrT) { end = s + 1; break; }
  }
  range[r] = vec2<i32>(s0, end);
  opacity[r] = 1.0 - T;
  colorStart[r] = nc;
}

@compute @workgroup_size(64)
fn color_place(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  var j = colorStart[r];
  for (var s = range[r].x; s < range[r].y; s++) {
    if (colorOf[s] == 1) { colorOf[s] = j; colorSample[j] = s; j++; } else { colorOf[s] = -1; }
  }
}

@compute @workgroup_size(64)
fn composite(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  var c = vec3<f32>(0.0);
  for (var s = range[r].x; s < range[r].y; s++) {
    let j = colorOf[s];
    if (j >= 0) { c += st[s].y * st[s].x * colorRgb(j); }
  }
  c += (1.0 - opacity[r]) * P.bg.xyz;
  io[r * 3u] = c.x; io[r * 3u + 1u] = c.y; io[r * 3u + 2u] = c.z;
}

@compute @workgroup_size(64)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  let g = vec3<f32>(io[r * 3u], io[r * 3u + 1u], io[r * 3u + 2u]);
  var behind = P.bg.xyz;
  for (var s = range[r].y - 1; s >= range[r].x; s--) {
    let a = st[s].x; let T = st[s].y;
    var c = vec3<f32>(0.0);
    let j = colorOf[s];
    if (j >= 0) {
      c = colorRgb(j);
      let d = T * a * g;
      dSampleRgb[j * 3] = d.x; dSampleRgb[j * 3 + 1] = d.y; dSampleRgb[j * 3 + 2] = d.z;
    }
    let dAlpha = T * dot(g, c - behind);
    let sig = 1.0 / (1.0 + exp(-(raw[s] + P.shift)));
    dRaw[s] = dAlpha * P.interval * (1.0 - a) * sig;
    behind = a * c + (1.0 - a) * behind;
  }
}

// (its own entry point: backward already binds the 8 storage buffers a stage may have by default); distances are
// the polyline length through the samples' points (pts, normalised, times the box extent P.ext)
@group(0) @binding(13) var<storage, read> pts: array<f32>;

fn seg(s: i32) -> f32 {
  let a = vec3<f32>(pts[s * 3], pts[s * 3 + 1], pts[s * 3 + 2]);
  let b = vec3<f32>(pts[s * 3 - 3], pts[s * 3 - 2], pts[s * 3 - 1]);
  return length((a - b) * P.ext.xyz);
}

@compute @workgroup_size(64)
fn distortion_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  let s0 = range[r].x; let e = range[r].y;
  var W = 0.0; var WS = 0.0; var d = 0.0;
  for (var s = s0; s < e; s++) {
    if (s > s0) { d += seg(s); }
    let w = st[s].y * st[s].x;
    W += w; WS += w * d;
  }
  var Wa = 0.0; var WSa = 0.0; var G = 0.0;
  for (var s = e - 1; s >= s0; s--) {
    let a = st[s].x; let w = st[s].y * a;
    let pair = d * (W - Wa - w) - (WS - WSa - w * d) + WSa - d * Wa;
    let g = P.lambda * (2.0 * pair + (2.0 / 3.0) * w * P.step);
    let sig = 1.0 / (1.0 + exp(-(raw[s] + P.shift)));
    dRaw[s] += P.interval * sig * (st[s].y * g * (1.0 - a) - G);
    G += g * w; Wa += w; WSa += w * d;
    if (s > s0) { d -= seg(s); }
  }
}
`;

export default /* wgsl */ `
// Ray sampling with the occupancy grid (core/render/sampling.ts), in three passes over n rays:
//   count: per ray, first t and candidate count (box ∩ [near, far], jitter[r] of a step), and how many land in
//          occupied cells → kept[r]
//   scan:  rayStart = exclusive prefix sum of kept (one workgroup; rayStart[n] = total). With a sample budget
//          (cap ≠ 0, the number of per-sample rows the caller allocated without reading the count back): the rays
//          that fit whole keep their samples, the first ray whose samples would pass the budget and every ray after
//          it get none (rayStart clamped to the kept total), rayStart[n + 1] = the total before that (read back a
//          step late to size the next budget), rayStart[n + 2] = the rays kept (the loss leaves the others out)
//   place: per ray, the kept samples' normalised points, ray index and t at rayStart[r]…
// Unbounded scenes (contracted = 1; core/render/sampling.ts countContracted/placeContracted): rays are
// foreground-relative, samples walk t += step·max(1, ‖x‖∞)² from near until ‖x‖∞ reaches far or CONTRACT_FAR,
// and each point is contracted (‖x‖∞ > 1: x·(2 − 1/‖x‖∞)/‖x‖∞) before it is normalised into the box.
// f32 throughout: a sample within float rounding of a cell face or of the box exit may be kept or dropped
// differently from the f64 reference (rare; the test bounds it).
struct Params { n: u32, occRes: u32, contracted: u32, cap: u32, boxMin: vec4<f32>, boxMax: vec4<f32>, near: f32, far: f32, step: f32, pad2: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> rays: array<f32>;      // [n, 6]: origin, direction
@group(0) @binding(2) var<storage, read> jitter: array<f32>;    // [n]
@group(0) @binding(3) var<storage, read> occ: array<u32>;       // [occRes³] 0/1 (one u32 per cell)
@group(0) @binding(4) var<storage, read_write> tc: array<vec2<f32>>;  // per ray: (tStart, count)
@group(0) @binding(5) var<storage, read_write> kept: array<u32>;      // count: kept[r]; scan: rayStart [n + 1]
@group(0) @binding(6) var<storage, read_write> pts: array<f32>;
@group(0) @binding(7) var<storage, read_write> sRayT: array<vec2<f32>>; // (ray, t)

fn occupied(p: vec3<f32>) -> bool {
  let r = i32(P.occRes);
  let c = clamp(vec3<i32>(floor(p * f32(r))), vec3<i32>(0), vec3<i32>(r - 1));
  return occ[u32((c.z * r + c.y) * r + c.x)] != 0u;
}

fn norm(o: vec3<f32>, d: vec3<f32>, t: f32) -> vec3<f32> {
  var x = o + t * d;
  if (P.contracted != 0u) {
    let s = max(abs(x.x), max(abs(x.y), abs(x.z)));
    if (s > 1.0) { x *= (2.0 - 1.0 / s) / s; }
  }
  return (x - P.boxMin.xyz) / (P.boxMax.xyz - P.boxMin.xyz);
}

const CONTRACT_FAR = 1000.0;
const CONTRACTED_MAX_SAMPLES = 4096u;

// the next step along a contracted ray from t (−1 past the far end)
fn cstep(o: vec3<f32>, d: vec3<f32>, t: f32) -> f32 {
  let x = o + t * d;
  let s = max(abs(x.x), max(abs(x.y), abs(x.z)));
  if (s >= CONTRACT_FAR) { return -1.0; }
  return select(P.step, P.step * s * s, s > 1.0);
}

@compute @workgroup_size(64)
fn count(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  let o = vec3<f32>(rays[r * 6u], rays[r * 6u + 1u], rays[r * 6u + 2u]);
  let d = vec3<f32>(rays[r * 6u + 3u], rays[r * 6u + 4u], rays[r * 6u + 5u]);
  if (P.contracted != 0u) {
    var t = max(P.near, 0.0); var cnt = 0u; var k = 0u;
    let h0 = cstep(o, d, t);
    if (h0 > 0.0) {
      t += jitter[r] * h0;
      var tt = t;
      loop {
        if (cnt >= CONTRACTED_MAX_SAMPLES || tt >= P.far) { break; }
        let h = cstep(o, d, tt);
        if (h < 0.0) { break; }
        if (occupied(norm(o, d, tt))) { k++; }
        cnt++;
        tt += h;
      }
    }
    tc[r] = vec2<f32>(t, f32(cnt));
    kept[r] = k;
    return;
  }
  var tn = -1e30; var tf = 1e30; var hit = true;
  for (var a = 0u; a < 3u; a++) {
    if (abs(d[a]) < 1e-12) { if (o[a] < P.boxMin[a] || o[a] > P.boxMax[a]) { hit = false; } continue; }
    var t0 = (P.boxMin[a] - o[a]) / d[a]; var t1 = (P.boxMax[a] - o[a]) / d[a];
    if (t0 > t1) { let tmp = t0; t0 = t1; t1 = tmp; }
    tn = max(tn, t0); tf = min(tf, t1);
  }
  var cnt = 0u; var t0 = 0.0;
  if (hit && tf > tn) {
    t0 = max(tn, P.near);
    let t1 = min(tf, P.far);
    if (t1 > t0) { cnt = u32(floor((t1 - t0) / P.step)); }
    t0 += jitter[r] * P.step;
  }
  tc[r] = vec2<f32>(t0, f32(cnt));
  var k = 0u;
  for (var s = 0u; s < cnt; s++) { if (occupied(norm(o, d, t0 + f32(s) * P.step))) { k++; } }
  kept[r] = k;
}

var<workgroup> part: array<u32, 256>;
// with a budget: the samples of the rays that fit whole, and how many rays that is
var<workgroup> fit: vec2<u32>;

@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_id) lid: vec3<u32>) {
  let per = (P.n + 255u) / 256u;
  let a = lid.x * per; let b = min(P.n, a + per);
  var s = 0u;
  for (var i = a; i < b; i++) { s += kept[i]; }
  part[lid.x] = s;
  workgroupBarrier();
  // inclusive Hillis–Steele scan of the 256 partial sums
  for (var off = 1u; off < 256u; off *= 2u) {
    var v = part[lid.x];
    if (lid.x >= off) { v += part[lid.x - off]; }
    workgroupBarrier();
    part[lid.x] = v;
    workgroupBarrier();
  }
  let total = part[255];
  if (lid.x == 0u) { fit = vec2<u32>(total, P.n); }
  workgroupBarrier();
  var run = select(0u, part[lid.x - 1u], lid.x > 0u);
  for (var i = a; i < b; i++) {
    let k = kept[i];
    kept[i] = run;
    // the one ray that starts within the budget and ends past it (starts only grow)
    if (P.cap != 0u && run <= P.cap && run + k > P.cap) { fit = vec2<u32>(run, i); }
    run += k;
  }
  workgroupBarrier();
  let f = fit;
  if (P.cap != 0u && total > P.cap) { for (var i = a; i < b; i++) { kept[i] = min(kept[i], f.x); } }
  if (lid.x == 255u) {
    kept[P.n] = f.x;
    if (P.cap != 0u) { kept[P.n + 1u] = total; kept[P.n + 2u] = f.y; }
  }
}

@compute @workgroup_size(64)
fn place(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  let o = vec3<f32>(rays[r * 6u], rays[r * 6u + 1u], rays[r * 6u + 2u]);
  let d = vec3<f32>(rays[r * 6u + 3u], rays[r * 6u + 4u], rays[r * 6u + 5u]);
  var S = kept[r];
  let t0 = tc[r].x; let cnt = u32(tc[r].y);
  var tw = t0;
  for (var s = 0u; s < cnt; s++) {
    var t = t0 + f32(s) * P.step;
    if (P.contracted != 0u) { t = tw; tw += cstep(o, d, tw); }
    let p = norm(o, d, t);
    if (!occupied(p)) { continue; }
    pts[S * 3u] = p.x; pts[S * 3u + 1u] = p.y; pts[S * 3u + 2u] = p.z;
    sRayT[S] = vec2<f32>(f32(r), t);
    S++;
  }
}
`;

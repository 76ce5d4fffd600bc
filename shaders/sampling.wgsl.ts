export default /* wgsl */ `
// Ray sampling with the occupancy grid (core/render/sampling.ts), in three passes over n rays:
//   count: per ray, first t and candidate count (box ∩ [near, far], jitter[r] of a step), and how many land in
//          occupied cells → kept[r]
//   scan:  rayStart = exclusive prefix sum of kept (one workgroup; rayStart[n] = total)
//   place: per ray, the kept samples' normalised points, ray index and t at rayStart[r]…
// f32 throughout: a sample within float rounding of a cell face or of the box exit may be kept or dropped
// differently from the f64 reference (rare; the test bounds it).
struct Params { n: u32, occRes: u32, pad0: u32, pad1: u32, boxMin: vec4<f32>, boxMax: vec4<f32>, near: f32, far: f32, step: f32, pad2: f32 }
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
  return (o + t * d - P.boxMin.xyz) / (P.boxMax.xyz - P.boxMin.xyz);
}

@compute @workgroup_size(64)
fn count(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  let o = vec3<f32>(rays[r * 6u], rays[r * 6u + 1u], rays[r * 6u + 2u]);
  let d = vec3<f32>(rays[r * 6u + 3u], rays[r * 6u + 4u], rays[r * 6u + 5u]);
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
  var run = select(0u, part[lid.x - 1u], lid.x > 0u);
  for (var i = a; i < b; i++) { let k = kept[i]; kept[i] = run; run += k; }
  if (lid.x == 255u) { kept[P.n] = part[255]; }
}

@compute @workgroup_size(64)
fn place(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * 4194240u;
  if (r >= P.n) { return; }
  let o = vec3<f32>(rays[r * 6u], rays[r * 6u + 1u], rays[r * 6u + 2u]);
  let d = vec3<f32>(rays[r * 6u + 3u], rays[r * 6u + 4u], rays[r * 6u + 5u]);
  var S = kept[r];
  let t0 = tc[r].x; let cnt = u32(tc[r].y);
  for (var s = 0u; s < cnt; s++) {
    let t = t0 + f32(s) * P.step;
    let p = norm(o, d, t);
    if (!occupied(p)) { continue; }
    pts[S * 3u] = p.x; pts[S * 3u + 1u] = p.y; pts[S * 3u + 2u] = p.z;
    sRayT[S] = vec2<f32>(f32(r), t);
    S++;
  }
}
`;

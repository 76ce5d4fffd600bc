export default /* wgsl */ `
// Dense-grid support (core/field/GridModel.ts trilinearSupport): the 8 corners of the cell of each point
// p ∈ [0, 1]³ (clamped), x fastest, and their trilinear weights. One invocation per point.
// With levels L > 0, FourierGrid's support (core/field/FourierGrid.ts): 2L + 1 dense grids of R³ rows each,
// grid 0 at p, grid 2k+1 at ½ + ½ sin(2^k π (2p − 1)), grid 2k+2 at ½ + ½ cos(…), weights divided by 2L + 1;
// 8 (2L + 1) entries per point. sincos() comes from shaders/sincos.wgsl (prepended).
struct Params { n: u32, R: u32, base: u32, levels: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;

fn cell(p: f32, R: u32) -> vec2<f32> {
  var u = clamp(p, 0.0, 1.0) * f32(R - 1u);
  var i = floor(u);
  i = min(i, f32(R - 2u));
  return vec2<f32>(i, u - i);
}

// the 8 corners of the cell of q on the grid whose rows start at base, written from entry o on
fn corners(q: vec3<f32>, base: i32, o: u32, scale: f32) {
  let cx = cell(q.x, P.R);
  let cy = cell(q.y, P.R);
  let cz = cell(q.z, P.R);
  let R = i32(P.R);
  let r0 = base + (i32(cz.x) * R + i32(cy.x)) * R + i32(cx.x);
  for (var c = 0u; c < 8u; c++) {
    let bx = c & 1u; let by = (c >> 1u) & 1u; let bz = c >> 2u;
    idx[o + c] = r0 + i32(bx) + i32(by) * R + i32(bz) * R * R;
    let wx = select(1.0 - cx.y, cx.y, bx == 1u);
    let wy = select(1.0 - cy.y, cy.y, by == 1u);
    let wz = select(1.0 - cz.y, cz.y, bz == 1u);
    w[o + c] = wx * wy * wz * scale;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (i >= P.n) { return; }
  let p = vec3<f32>(pts[i * 3u], pts[i * 3u + 1u], pts[i * 3u + 2u]);
  let copies = 2u * P.levels + 1u;
  let K = 8u * copies;
  let scale = 1.0 / f32(copies);
  let R3 = i32(P.R * P.R * P.R);
  corners(p, i32(P.base), i * K, scale);
  var f = PI;
  for (var k = 0u; k < P.levels; k++) {
    let a = f * (2.0 * p - vec3<f32>(1.0));
    let sx = sincos(a.x); let sy = sincos(a.y); let sz = sincos(a.z);
    corners(vec3<f32>(0.5) + 0.5 * vec3<f32>(sx.x, sy.x, sz.x), i32(P.base) + i32(2u * k + 1u) * R3, i * K + (2u * k + 1u) * 8u, scale);
    corners(vec3<f32>(0.5) + 0.5 * vec3<f32>(sx.y, sy.y, sz.y), i32(P.base) + i32(2u * k + 2u) * R3, i * K + (2u * k + 2u) * 8u, scale);
    f *= 2.0;
  }
}
`;

export default /* wgsl */ `
// Dense-grid support (core/field/GridModel.ts trilinearSupport): the 8 corners of the cell of each point
// p ∈ [0, 1]³ (clamped), x fastest, and their trilinear weights. One invocation per point.
struct Params { n: u32, R: u32, base: u32, pad: u32 }
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (i >= P.n) { return; }
  let cx = cell(pts[i * 3u], P.R);
  let cy = cell(pts[i * 3u + 1u], P.R);
  let cz = cell(pts[i * 3u + 2u], P.R);
  let R = i32(P.R);
  let r0 = i32(P.base) + (i32(cz.x) * R + i32(cy.x)) * R + i32(cx.x);
  for (var c = 0u; c < 8u; c++) {
    let bx = c & 1u; let by = (c >> 1u) & 1u; let bz = c >> 2u;
    idx[i * 8u + c] = r0 + i32(bx) + i32(by) * R + i32(bz) * R * R;
    let wx = select(1.0 - cx.y, cx.y, bx == 1u);
    let wy = select(1.0 - cy.y, cy.y, by == 1u);
    let wz = select(1.0 - cz.y, cz.y, bz == 1u);
    w[i * 8u + c] = wx * wy * wz;
  }
}
`;

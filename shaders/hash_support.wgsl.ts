export default /* wgsl */ `
// Multiresolution hash support (core/field/HashGrid.ts): per level the 8 corners of the cell, indexed
// densely when the level's R³ vertices fit in its table, else by (x ⊕ y·2654435761 ⊕ z·805459861) mod T;
// trilinear weights. One invocation per (point, level).
struct Params { n: u32, levels: u32, T: u32, pad: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
@group(0) @binding(2) var<storage, read> levelRes: array<u32>;
@group(0) @binding(3) var<storage, read_write> idx: array<i32>;
@group(0) @binding(4) var<storage, read_write> w: array<f32>;

fn cell(p: f32, R: u32) -> vec2<f32> {
  let u = clamp(p, 0.0, 1.0) * f32(R - 1u);
  let i = min(floor(u), f32(R - 2u));
  return vec2<f32>(i, u - i);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * 4194240u;
  if (t >= P.n * P.levels) { return; }
  let i = t / P.levels; let l = t % P.levels;
  let R = levelRes[l];
  let cx = cell(pts[i * 3u], R); let cy = cell(pts[i * 3u + 1u], R); let cz = cell(pts[i * 3u + 2u], R);
  let base = l * P.T;
  let o = i * P.levels * 8u + l * 8u;
  let dense = R * R * R <= P.T;
  for (var c = 0u; c < 8u; c++) {
    let b = vec3<u32>(c & 1u, (c >> 1u) & 1u, c >> 2u);
    let x = u32(cx.x) + b.x; let y = u32(cy.x) + b.y; let z = u32(cz.x) + b.z;
    var row: u32;
    if (dense) { row = (z * R + y) * R + x; } else { row = (x ^ (y * 2654435761u) ^ (z * 805459861u)) % P.T; }
    idx[o + c] = i32(base + row);
    w[o + c] = select(1.0 - cx.y, cx.y, b.x == 1u) * select(1.0 - cy.y, cy.y, b.y == 1u) * select(1.0 - cz.y, cz.y, b.z == 1u);
  }
}
`;

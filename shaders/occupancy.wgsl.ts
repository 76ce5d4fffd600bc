export default /* wgsl */ `
// Occupancy refresh for dense and MulFAGrid density grids (RadianceField.refreshOccupancy): a cell is occupied
// when the largest raw density over the grid vertices touching it exceeds rawThr (the interpolation weights
// are convex, so this bounds the density anywhere in the cell). One invocation per cell; writes 0/1 and
// counts occupied cells with an atomic.
struct Params { res: u32, R: u32, pad0: u32, pad1: u32, rawThr: f32, pad2: f32, pad3: f32, pad4: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> F: array<f32>;
@group(0) @binding(2) var<storage, read_write> cells: array<u32>;
@group(0) @binding(3) var<storage, read_write> count: array<atomic<u32>>;

fn lo(c: u32) -> u32 { return u32(max(0.0, floor(f32(c) / f32(P.res) * f32(P.R - 1u)))); }
fn hi(c: u32) -> u32 { return u32(min(f32(P.R - 1u), ceil(f32(c + 1u) / f32(P.res) * f32(P.R - 1u)))); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  let r = P.res;
  if (i >= r * r * r) { return; }
  let x = i % r; let y = (i / r) % r; let z = i / (r * r);
  var m = -3.4e38;
  for (var vz = lo(z); vz <= hi(z); vz++) {
    for (var vy = lo(y); vy <= hi(y); vy++) {
      for (var vx = lo(x); vx <= hi(x); vx++) { m = max(m, F[(vz * P.R + vy) * P.R + vx]); }
    }
  }
  let on = select(0u, 1u, m > P.rawThr);
  cells[i] = on;
  if (on == 1u) { atomicAdd(&count[0], 1u); }
}
`;

export default /* wgsl */ `
// Total variation of the density grid (core/train/tv.ts): for every vertex i of an R³ one-channel grid whose
// gradient is nonzero (touched by this step's rays), g[i] += λ · Σ_{j ∈ 6-neighbours(i)} (x[i] − x[j]).
// One invocation per vertex; each writes only its own gradient (the values it reads do not change here).
struct Params { n: u32, R: u32, pad: u32, pad2: u32, lambda: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u; // 2D dispatch: 65535 workgroups of 64 per row
  if (i >= P.n) { return; }
  let gi = g[i];
  if (gi == 0.0) { return; }
  let R = P.R; let RR = R * R;
  let vx = i % R; let vy = (i / R) % R; let vz = i / RR;
  let w = x[i];
  var s = 0.0;
  if (vx > 0u) { s += w - x[i - 1u]; }
  if (vx + 1u < R) { s += w - x[i + 1u]; }
  if (vy > 0u) { s += w - x[i - R]; }
  if (vy + 1u < R) { s += w - x[i + R]; }
  if (vz > 0u) { s += w - x[i - RR]; }
  if (vz + 1u < R) { s += w - x[i + RR]; }
  g[i] = gi + P.lambda * s;
}
`;

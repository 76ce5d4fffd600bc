export default /* wgsl */ `
// One decoder layer (core/field/Decoder.ts): Y[i, o] = act(b[o] + Σ_k X[i, k] · W[o, k]), act = ReLU for hidden
// layers (relu = 1) or none (the last layer, sigmoid applied on the CPU side). 16×16 output tiles, inputs
// staged through workgroup memory in 16-wide slices.
struct Params { n: u32, inD: u32, outD: u32, relu: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

var<workgroup> xs: array<array<f32, 16>, 16>;
var<workgroup> ws: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wg: vec3<u32>) {
  if (wg.y * 16u >= P.n) { return; } // a tile past the rows (dispatched for a bound, n counted on the device)
  let o = gid.x; let i = gid.y;
  var acc = 0.0;
  for (var k0 = 0u; k0 < P.inD; k0 += 16u) {
    let kx = k0 + lid.x; let ky = k0 + lid.y;
    xs[lid.y][lid.x] = select(0.0, X[i * P.inD + kx], i < P.n && kx < P.inD);
    // row lid.x of the W tile: output gid.x's neighbour (o0 + lid.y), input k0 + lid.x
    let ow = gid.x - lid.x + lid.y;
    ws[lid.y][lid.x] = select(0.0, W[ow * P.inD + kx], ow < P.outD && kx < P.inD);
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) { acc += xs[lid.y][k] * ws[lid.x][k]; }
    workgroupBarrier();
  }
  if (i < P.n && o < P.outD) {
    let y = acc + b[o];
    Y[i * P.outD + o] = select(y, max(y, 0.0), P.relu == 1u);
  }
}
`;

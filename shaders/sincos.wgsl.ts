export default /* wgsl */ `
// Shared by shaders that need sin/cos to f32 precision (GpuKernels prepends it): WGSL's sin/cos promise only
// 2^-11 absolute error inside [−π, π].
const PI = 3.14159265358979;
const TAU = 6.28318530717959;

fn sincos(x0: f32) -> vec2<f32> {
  var x = x0 - TAU * round(x0 / TAU);
  var sc = 1.0;
  if (x > PI * 0.5) { x = PI - x; sc = -1.0; } else if (x < -PI * 0.5) { x = -PI - x; sc = -1.0; }
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0 + x2 * (-1.0 / 39916800.0 + x2 * (1.0 / 6227020800.0)))))));
  let c = sc * (1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0 + x2 * (1.0 / 479001600.0)))))));
  return vec2<f32>(s, c);
}

`;

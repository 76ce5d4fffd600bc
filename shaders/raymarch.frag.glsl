// The viewport ray marcher (renderer/viewport/Viewport.ts): marches the baked density pre-activation and
// decoded colour (core/render/bake.ts) exactly where the engine samples: same start (box entry, near), same
// step, DVGO alpha (softplus, 1 − exp(−σ·step/voxel)), early termination at T < 1e-4, background behind.
// Uniforms: uDensity, uColor [uSize³] 3D textures; uBoxMin/uBoxMax the scene box; uVoxel the grid's voxel
// size and uStep the engine's sample step (grid units); uNear/uFar; uBg the background colour. Forward-facing
// scenes (core/scene/space.ts, uForward): the ray goes to the reference camera's normalized device coordinates
// first (uW2C world → reference camera, uNdc = (ax, ay, near)) and is marched there from the near plane on, as
// the engine's mapRays does; uBoxMin/uBoxMax are then the NDC grid box.
precision highp float;
precision highp sampler3D;
in vec3 vWorld;
out vec4 outColor;
uniform sampler3D uDensity;
uniform sampler3D uColor;
uniform vec3 uBoxMin;
uniform vec3 uBoxMax;
uniform float uSize;
uniform float uVoxel;
uniform float uStep;
uniform float uNear;
uniform float uFar;
uniform vec3 uBg;
uniform bool uForward;
uniform mat4 uW2C;
uniform vec3 uNdc;
void main() {
  vec3 o = cameraPosition;
  vec3 d = normalize(vWorld - o);
  float near = uNear, far = uFar;
  if (uForward) {
    vec3 co = (uW2C * vec4(o, 1.0)).xyz, cd = (uW2C * vec4(d, 0.0)).xyz;
    if (cd.z > -1e-6) { outColor = vec4(uBg, 1.0); return; }
    float n = uNdc.z;
    co += (-(n + co.z) / cd.z) * cd;
    o = vec3(-uNdc.x * co.x / co.z, -uNdc.y * co.y / co.z, 1.0 + 2.0 * n / co.z);
    d = normalize(vec3(-uNdc.x * (cd.x / cd.z - co.x / co.z), -uNdc.y * (cd.y / cd.z - co.y / co.z), -2.0 * n / co.z));
    near = 0.0;
    far = 1e30;
  }
  // ray-box slabs (as core/render/Occupancy.ts rayBox)
  vec3 inv = 1.0 / d;
  vec3 ta = (uBoxMin - o) * inv, tb = (uBoxMax - o) * inv;
  vec3 tmin = min(ta, tb), tmax = max(ta, tb);
  float t0 = max(max(tmin.x, tmin.y), max(tmin.z, 0.0));
  float t1 = min(min(tmax.x, tmax.y), tmax.z);
  t0 = max(t0, near);
  t1 = min(t1, far);
  vec3 rgb = vec3(0.0);
  float T = 1.0;
  if (t1 > t0) {
    int count = int(floor((t1 - t0) / uStep));
    vec3 ext = uBoxMax - uBoxMin;
    for (int k = 0; k < 2048; k++) {
      if (k >= count) break;
      float t = t0 + (float(k) + 0.5) * uStep;
      vec3 p = clamp((o + t * d - uBoxMin) / ext, 0.0, 1.0);
      vec3 tc = (p * (uSize - 1.0) + 0.5) / uSize;
      float x = texture(uDensity, tc).r;
      float sigma = x > 20.0 ? x : log(1.0 + exp(x));
      float a = min(1.0 - exp(-sigma * uStep / uVoxel), 0.999999);
      rgb += T * a * texture(uColor, tc).rgb;
      T *= 1.0 - a;
      if (T < 1e-4) break;
    }
  }
  outColor = vec4(rgb + T * uBg, 1.0);
}

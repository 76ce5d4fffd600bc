// The viewport ray marcher (renderer/viewport/Viewport.ts): marches the baked density pre-activation and
// decoded colour (core/render/bake.ts) exactly where the engine samples: same start (box entry, near), same
// step, DVGO alpha (softplus, 1 − exp(−σ·step/voxel)), early termination at T < 1e-4, background behind.
// Uniforms: uDensity, uColor [uSize³] 3D textures; uBoxMin/uBoxMax the scene box; uVoxel the grid's voxel
// size and uStep the engine's sample step (grid units); uNear/uFar; uBg the background colour. Forward-facing
// scenes (core/scene/space.ts, uForward): the ray goes to the reference camera's normalized device coordinates
// first (uW2C world → reference camera, uNdc = (ax, ay, near)) and is marched there from the near plane on, as
// the engine's mapRays does; uBoxMin/uBoxMax are then the NDC grid box. Unbounded scenes (uContract, uFg =
// foreground centre, half-size): the ray becomes foreground-relative and is walked as core/render/sampling.ts
// countContracted does (steps × max(1, ‖x‖∞)², each point contracted into the [−2, 2]³ grid box).
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
uniform bool uContract;
uniform vec4 uFg;
const float CONTRACT_FAR = 1000.0;
vec3 contractP(vec3 x) {
  float s = max(abs(x.x), max(abs(x.y), abs(x.z)));
  return s > 1.0 ? x * ((2.0 - 1.0 / s) / s) : x;
}
float cstep(vec3 x) {
  float s = max(abs(x.x), max(abs(x.y), abs(x.z)));
  return s >= CONTRACT_FAR ? -1.0 : s > 1.0 ? uStep * s * s : uStep;
}
vec4 sampleAt(vec3 p) {
  vec3 tc = (clamp(p, 0.0, 1.0) * (uSize - 1.0) + 0.5) / uSize;
  float x = texture(uDensity, tc).r;
  float sigma = x > 20.0 ? x : log(1.0 + exp(x));
  float a = min(1.0 - exp(-sigma * uStep / uVoxel), 0.999999);
  return vec4(texture(uColor, tc).rgb, a);
}
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
  vec3 ext = uBoxMax - uBoxMin;
  if (uContract) {
    o = (o - uFg.xyz) / uFg.w;
    float t = max(uNear / uFg.w, 0.0);
    float h = cstep(o + t * d);
    vec3 rgb = vec3(0.0);
    float T = 1.0;
    if (h > 0.0) {
      t += 0.5 * h;
      for (int k = 0; k < 4096; k++) {
        vec3 x = o + t * d;
        h = cstep(x);
        if (h < 0.0) break;
        vec4 s = sampleAt((contractP(x) - uBoxMin) / ext);
        rgb += T * s.a * s.rgb;
        T *= 1.0 - s.a;
        if (T < 1e-4) break;
        t += h;
      }
    }
    outColor = vec4(rgb + T * uBg, 1.0);
    return;
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
    for (int k = 0; k < 2048; k++) {
      if (k >= count) break;
      float t = t0 + (float(k) + 0.5) * uStep;
      vec4 s = sampleAt((o + t * d - uBoxMin) / ext);
      rgb += T * s.a * s.rgb;
      T *= 1.0 - s.a;
      if (T < 1e-4) break;
    }
  }
  outColor = vec4(rgb + T * uBg, 1.0);
}

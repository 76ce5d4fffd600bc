/**
 * The built-in demo scene: analytic shapes with procedural textures and view-dependent (Blinn–Phong)
 * shading, ray-traced by our own code into posed RGBA images with an exact alpha mask (2×2 supersampled).
 * Deterministic, generated in well under a second, and `renderDemoView` gives ground truth for any camera.
 * World: z up, objects inside [−1, 1]³, cameras on a sphere of radius 4 looking at the origin (like the
 * NeRF Blender scenes, so the same defaults fit both).
 */
import { type Camera, pixelRay, scaleCamera } from '../../core/scene/Camera';
import { type RGBAImage, createImage } from '../../core/image/RGBAImage';
import type { Scene, Split } from '../../core/scene/Scene';
import { applyHoldout } from '../../core/scene/Scene';
import { downscaleImage } from '../../core/image/RGBAImage';

export interface DemoOptions {
  /** Image side in pixels at downscale 1 (square images). */
  size?: number;
  train?: number;
  val?: number;
  test?: number;
  downscale?: number;
  holdout?: number;
}

export const DEMO_DEFAULTS = { size: 128, train: 60, val: 5, test: 10 } as const;
export const DEMO_FOV_X = 0.6911112070083618; // the Blender scenes' camera_angle_x
export const DEMO_RADIUS = 4;

type Vec3 = [number, number, number];

const LIGHT: Vec3 = normalize([0.45, -0.35, 0.82]);

function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

interface Hit { t: number; n: Vec3; albedo: Vec3; shininess: number; specular: number }

// Sphere: centre (0, 0, 0.3), radius 0.5, latitude/longitude checker in two colours.
function hitSphere(o: Vec3, d: Vec3, best: Hit): void {
  const cx = 0, cy = 0, cz = 0.3, r = 0.5;
  const ox = o[0] - cx, oy = o[1] - cy, oz = o[2] - cz;
  const b = ox * d[0] + oy * d[1] + oz * d[2];
  const c = ox * ox + oy * oy + oz * oz - r * r;
  const disc = b * b - c;
  if (disc < 0) return;
  const t = -b - Math.sqrt(disc);
  if (t <= 1e-6 || t >= best.t) return;
  const px = ox + t * d[0], py = oy + t * d[1], pz = oz + t * d[2];
  const n: Vec3 = [px / r, py / r, pz / r];
  const lon = Math.atan2(n[1], n[0]), lat = Math.asin(Math.max(-1, Math.min(1, n[2])));
  const check = (Math.floor((lon / Math.PI) * 6) + Math.floor((lat / Math.PI) * 6)) & 1;
  best.t = t; best.n = n;
  best.albedo = check ? [0.85, 0.2, 0.15] : [0.95, 0.85, 0.3];
  best.shininess = 48; best.specular = 0.5;
}

// Box: centre (0.45, −0.5, −0.55), half-size 0.3, rotated 30° about z; faces carry a grid pattern.
const BOX_C: Vec3 = [0.45, -0.5, -0.55], BOX_H = 0.3, BOX_COS = Math.cos(Math.PI / 6), BOX_SIN = Math.sin(Math.PI / 6);
function hitBox(o: Vec3, d: Vec3, best: Hit): void {
  // into the box frame
  const tx = o[0] - BOX_C[0], ty = o[1] - BOX_C[1], tz = o[2] - BOX_C[2];
  const lo: Vec3 = [BOX_COS * tx + BOX_SIN * ty, -BOX_SIN * tx + BOX_COS * ty, tz];
  const ld: Vec3 = [BOX_COS * d[0] + BOX_SIN * d[1], -BOX_SIN * d[0] + BOX_COS * d[1], d[2]];
  let tNear = -Infinity, tFar = Infinity, axis = 0, sign = 1;
  for (let k = 0; k < 3; k++) {
    if (Math.abs(ld[k]) < 1e-12) {
      if (Math.abs(lo[k]) > BOX_H) return;
      continue;
    }
    let t1 = (-BOX_H - lo[k]) / ld[k], t2 = (BOX_H - lo[k]) / ld[k];
    let s = -1;
    if (t1 > t2) { const tmp = t1; t1 = t2; t2 = tmp; s = 1; }
    if (t1 > tNear) { tNear = t1; axis = k; sign = s; }
    if (t2 < tFar) tFar = t2;
  }
  if (tNear > tFar || tNear <= 1e-6 || tNear >= best.t) return;
  const ln: Vec3 = [0, 0, 0];
  ln[axis] = sign;
  const n: Vec3 = [BOX_COS * ln[0] - BOX_SIN * ln[1], BOX_SIN * ln[0] + BOX_COS * ln[1], ln[2]];
  const p = [lo[0] + tNear * ld[0], lo[1] + tNear * ld[1], lo[2] + tNear * ld[2]];
  const u = p[(axis + 1) % 3] / BOX_H, v = p[(axis + 2) % 3] / BOX_H;
  const line = Math.min(Math.abs(u * 2 - Math.round(u * 2)), Math.abs(v * 2 - Math.round(v * 2))) < 0.08;
  const faceTint: Vec3 = axis === 0 ? [0.2, 0.45, 0.85] : axis === 1 ? [0.25, 0.7, 0.35] : [0.55, 0.35, 0.75];
  best.t = tNear; best.n = n;
  best.albedo = line ? [0.1, 0.1, 0.12] : faceTint;
  best.shininess = 16; best.specular = 0.25;
}

// Torus: around the z axis at z = −0.45, centre (−0.3, 0.35), major radius 0.5, minor 0.14; hue by angle.
const TOR_C: Vec3 = [-0.3, 0.35, -0.45], TOR_R = 0.5, TOR_r = 0.14;
function torusSdf(x: number, y: number, z: number): number {
  const q = Math.hypot(x, y) - TOR_R;
  return Math.hypot(q, z) - TOR_r;
}
function hitTorus(o: Vec3, d: Vec3, best: Hit): void {
  const ox = o[0] - TOR_C[0], oy = o[1] - TOR_C[1], oz = o[2] - TOR_C[2];
  // bounding sphere, then sphere tracing (exact enough for a 1e-5 surface tolerance)
  const br = TOR_R + TOR_r;
  const b = ox * d[0] + oy * d[1] + oz * d[2], c = ox * ox + oy * oy + oz * oz - br * br, disc = b * b - c;
  if (disc < 0) return;
  let t = Math.max(0, -b - Math.sqrt(disc));
  const tEnd = Math.min(best.t, -b + Math.sqrt(disc));
  for (let i = 0; i < 200 && t < tEnd; i++) {
    const x = ox + t * d[0], y = oy + t * d[1], z = oz + t * d[2];
    const s = torusSdf(x, y, z);
    if (s < 1e-6) {
      const rho = Math.hypot(x, y);
      const n = normalize([x - (TOR_R * x) / rho, y - (TOR_R * y) / rho, z]);
      const a = Math.atan2(y, x) / (2 * Math.PI) + 0.5;
      best.t = t; best.n = n;
      best.albedo = hue(a);
      best.shininess = 64; best.specular = 0.6;
      return;
    }
    t += s;
  }
}

function hue(h: number): Vec3 {
  const f = (k: number) => 0.5 + 0.4 * Math.cos(2 * Math.PI * (h + k));
  return [f(0), f(1 / 3), f(2 / 3)];
}

function nearestHit(o: Vec3, d: Vec3): Hit {
  const best: Hit = { t: Infinity, n: [0, 0, 1], albedo: [0, 0, 0], shininess: 1, specular: 0 };
  hitSphere(o, d, best);
  hitBox(o, d, best);
  hitTorus(o, d, best);
  return best;
}

/** Distance from a world point to the nearest demo surface (exact for sphere, box and torus; the analytic geometry). */
export function demoSurfaceDistance(p: readonly number[]): number {
  const sphere = Math.abs(Math.hypot(p[0], p[1], p[2] - 0.3) - 0.5);
  const tx = p[0] - BOX_C[0], ty = p[1] - BOX_C[1], tz = p[2] - BOX_C[2];
  const q = [Math.abs(BOX_COS * tx + BOX_SIN * ty) - BOX_H, Math.abs(-BOX_SIN * tx + BOX_COS * ty) - BOX_H, Math.abs(tz) - BOX_H];
  const box = Math.abs(Math.hypot(...q.map((v) => Math.max(v, 0))) + Math.min(Math.max(q[0], q[1], q[2]), 0));
  const torus = Math.abs(torusSdf(p[0] - TOR_C[0], p[1] - TOR_C[1], p[2] - TOR_C[2]));
  return Math.min(sphere, box, torus);
}

/** Distance along the unit ray (o, d) to the first surface, Infinity on a miss (ground-truth depth). */
export function demoHitDistance(o: Vec3, d: Vec3): number {
  return nearestHit(o, d).t;
}

/** Colour and coverage of one ray: rgb (sRGB-encoded, [0, 1]) into out[0..2], returns 1 on a hit, 0 on a miss. */
export function traceDemoRay(o: Vec3, d: Vec3, out: Float64Array | number[]): number {
  const best = nearestHit(o, d);
  if (best.t === Infinity) { out[0] = out[1] = out[2] = 0; return 0; }
  const n = best.n;
  const ndl = Math.max(0, n[0] * LIGHT[0] + n[1] * LIGHT[1] + n[2] * LIGHT[2]);
  const h = normalize([LIGHT[0] - d[0], LIGHT[1] - d[1], LIGHT[2] - d[2]]);
  const spec = ndl > 0 ? best.specular * Math.pow(Math.max(0, n[0] * h[0] + n[1] * h[1] + n[2] * h[2]), best.shininess) : 0;
  const diffuse = 0.3 + 0.7 * ndl;
  for (let k = 0; k < 3; k++) out[k] = Math.min(1, best.albedo[k] * diffuse + spec);
  return 1;
}

/** Ground truth for any camera: RGBA with straight alpha, 2×2 supersampled. */
export function renderDemoView(cam: Camera, samplesPerAxis = 2): RGBAImage {
  const img = createImage(cam.width, cam.height, true);
  const o = [0, 0, 0], d = [0, 0, 0], c = [0, 0, 0];
  const s = samplesPerAxis, inv = 1 / (s * s);
  for (let y = 0; y < cam.height; y++) {
    for (let x = 0; x < cam.width; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < s; sy++) {
        for (let sx = 0; sx < s; sx++) {
          pixelRay(cam, x + (sx + 0.5) / s, y + (sy + 0.5) / s, o, d);
          const hit = traceDemoRay(o as Vec3, d as Vec3, c);
          r += c[0] * hit; g += c[1] * hit; b += c[2] * hit; a += hit;
        }
      }
      const i = (y * cam.width + x) * 4;
      img.data[i] = a > 0 ? r / a : 0;
      img.data[i + 1] = a > 0 ? g / a : 0;
      img.data[i + 2] = a > 0 ? b / a : 0;
      img.data[i + 3] = a * inv;
    }
  }
  return img;
}

/** Camera at `eye` looking at `target` with z up (OpenGL camera-to-world). */
export function lookAt(eye: Vec3, target: Vec3, width: number, height: number, fovX: number): Camera {
  const back = normalize([eye[0] - target[0], eye[1] - target[1], eye[2] - target[2]]);
  let right = normalize([-back[1], back[0], 0]); // up × back with up = z
  if (!Number.isFinite(right[0])) right = [1, 0, 0];
  const up: Vec3 = [back[1] * right[2] - back[2] * right[1], back[2] * right[0] - back[0] * right[2], back[0] * right[1] - back[1] * right[0]];
  const c2w = new Float64Array([...right, 0, ...up, 0, ...back, 0, ...eye, 1]);
  const f = (0.5 * width) / Math.tan(0.5 * fovX);
  return { c2w, width, height, fx: f, fy: f, cx: width / 2, cy: height / 2, distortion: null };
}

/**
 * Camera positions: training views on a Fibonacci spiral over the upper hemisphere (elevation 5°–75°),
 * validation and test views on rings at elevations 20° and 35°, at azimuths between the training views.
 */
export function demoCameras(opts: DemoOptions = {}): { cameras: Camera[]; splits: Record<Split, number[]> } {
  const size = opts.size ?? DEMO_DEFAULTS.size;
  const nTrain = opts.train ?? DEMO_DEFAULTS.train, nVal = opts.val ?? DEMO_DEFAULTS.val, nTest = opts.test ?? DEMO_DEFAULTS.test;
  const cams: Camera[] = [];
  const at = (elev: number, azim: number) => lookAt(
    [DEMO_RADIUS * Math.cos(elev) * Math.cos(azim), DEMO_RADIUS * Math.cos(elev) * Math.sin(azim), DEMO_RADIUS * Math.sin(elev)],
    [0, 0, 0], size, size, DEMO_FOV_X);
  const golden = Math.PI * (3 - Math.sqrt(5));
  const lo = Math.sin((5 * Math.PI) / 180), hi = Math.sin((75 * Math.PI) / 180);
  for (let i = 0; i < nTrain; i++) {
    const z = lo + ((hi - lo) * (i + 0.5)) / nTrain;
    cams.push(at(Math.asin(z), i * golden));
  }
  for (let i = 0; i < nVal; i++) cams.push(at((20 * Math.PI) / 180, ((i + 0.37) * 2 * Math.PI) / nVal));
  for (let i = 0; i < nTest; i++) cams.push(at((35 * Math.PI) / 180, ((i + 0.61) * 2 * Math.PI) / nTest));
  const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);
  return { cameras: cams, splits: { train: range(0, nTrain), val: range(nTrain, nVal), test: range(nTrain + nVal, nTest) } };
}

/** The demo as a Scene; images are rendered on first use and cached. */
export function loadDemoScene(opts: DemoOptions = {}): Scene {
  const downscale = opts.downscale ?? 1;
  const size = opts.size ?? DEMO_DEFAULTS.size;
  const { cameras, splits } = demoCameras({ ...opts, size });
  const cache = new Map<number, RGBAImage>();
  const scene: Scene = {
    format: 'demo',
    label: 'built-in demo scene',
    views: cameras.map((c, i) => ({ name: `demo/view_${String(i).padStart(3, '0')}.png`, camera: downscale === 1 ? c : scaleCamera(c, downscale) })),
    splits,
    aabb: [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]],
    near: 2,
    far: 6,
    background: [1, 1, 1],
    downscale,
    async loadImage(i: number) {
      let img = cache.get(i);
      if (!img) {
        if (!cameras[i]) throw new RangeError(`view ${i} out of range (0..${cameras.length - 1})`);
        img = downscaleImage(renderDemoView(cameras[i]), downscale);
        cache.set(i, img);
      }
      return img;
    },
  };
  if (opts.holdout !== undefined) applyHoldout(scene, opts.holdout);
  return scene;
}

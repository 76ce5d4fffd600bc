/**
 * Scene parameterisations (MULFAGRID.md §4): the space the grids live in, chosen per dataset and overridable
 * (`--scene`).
 * - `bounded`: the grid box is a world box (synthetic objects; what the engine always did).
 * - `forward`: normalized device coordinates of a reference camera (LLFF style, forward-facing captures): the
 *   grid spans the reference frustum from a near plane to infinity, uniform in screen x, y and in inverse
 *   depth, so voxels crowd near the cameras and one grid reaches the far background. NDC is a projective map:
 *   world rays stay straight lines, so the engine maps each ray once (mapRays) and samples, skips, composites
 *   and learns exactly as in a box; only the viewing direction the decoder sees stays the world's.
 * - `unbounded`: a foreground cube (where the cameras look) with all space outside contracted into a shell
 *   around it (mip-NeRF 360's contraction in the max norm, so the shell fills the grid's cube): inside the
 *   foreground, q = (world − centre)/half is the grid position; outside, q ↦ (2 − 1/‖q‖∞)·q/‖q‖∞, so infinity
 *   lies on the faces of the [−2, 2]³ grid box and half the grid's voxels per axis cover the foreground. Rays
 *   are no longer lines in the grid: core/render/sampling.ts steps along the world ray with steps that grow as
 *   ‖q‖² outside the foreground (a constant step in the contracted grid).
 * Sample spacing and density are measured in grid units either way (interval, stepSize of RadianceField).
 */
import type { AABB } from './Scene';
import type { Camera } from './Camera';
import { meanCameraFrame, pixelRay } from './Camera';
import { InputError } from '../errors';

export type SpaceKind = 'bounded' | 'unbounded' | 'forward';
export const SPACE_KINDS: readonly SpaceKind[] = ['bounded', 'unbounded', 'forward'];

/** The reference camera of normalized device coordinates. */
export interface NdcFrame {
  /** World → reference camera (OpenGL axes: x right, y up, looking down −z), row-major [R | t], 12 numbers. */
  w2c: number[];
  /** 2·fx/W and 2·fy/H of the reference camera (NDC x = −ax·x/z, y = −ay·y/z). */
  ax: number;
  ay: number;
  /** Depth of the near plane (world units): every ray starts there; NDC z = 1 + 2·near/z runs −1 … 1 (infinity). */
  near: number;
}

/** The foreground cube of an unbounded scene: world centre and half its edge. */
export interface Foreground {
  centre: [number, number, number];
  half: number;
}

export interface SceneSpace {
  kind: SpaceKind;
  /** The grid's box in the space the grids live in: world units (bounded), NDC (forward), contracted foreground units (unbounded: [−2, 2]³). */
  box: AABB;
  /** The reference frame (forward only). */
  ndc: NdcFrame | null;
  /** The foreground cube (unbounded only). */
  fg?: Foreground | null;
}

export function boundedSpace(aabb: AABB): SceneSpace {
  return { kind: 'bounded', box: aabb, ndc: null };
}

/** The contracted grid box of unbounded scenes: the foreground is [−1, 1]³, infinity the faces of [−2, 2]³. */
export const CONTRACTED_BOX: AABB = [[-2, -2, -2], [2, 2, 2]];

/** Samples stop where the foreground-relative max norm reaches this (contracted 2 − 1/1000: the grid's last voxel). */
export const CONTRACT_FAR = 1000;

/**
 * Unbounded space around a foreground cube (datasets/build.ts fits it where inward-facing cameras look:
 * core/scene/bounds.ts aabbFromLookAt). `label` names the dataset in the error for a degenerate cube.
 */
export function unboundedSpace(fg: Foreground, label: string): SceneSpace {
  if (!(fg.half > 0 && Number.isFinite(fg.half)) || !fg.centre.every(Number.isFinite)) {
    throw new InputError(label, '--scene unbounded', `needs a finite foreground cube, found centre ${fg.centre.join(', ')} half ${fg.half}`);
  }
  return { kind: 'unbounded', box: CONTRACTED_BOX, ndc: null, fg: { centre: [fg.centre[0], fg.centre[1], fg.centre[2]], half: fg.half } };
}

/** The foreground cube of an AABB (its centre, half its largest edge). */
export function foregroundOf(box: AABB): Foreground {
  const half = Math.max(...[0, 1, 2].map((k) => (box[1][k] - box[0][k]) / 2));
  return { centre: [0, 1, 2].map((k) => (box[0][k] + box[1][k]) / 2) as [number, number, number], half };
}

/** The contraction of a foreground-relative point (in place into out[o..o+2]): identity inside [−1, 1]³. */
export function contract(x: number, y: number, z: number, out: number[] | Float32Array, o = 0): void {
  const s = Math.max(Math.abs(x), Math.abs(y), Math.abs(z));
  const k = s > 1 ? (2 - 1 / s) / s : 1;
  out[o] = x * k; out[o + 1] = y * k; out[o + 2] = z * k;
}

/** The inverse of contract (points on the faces of [−2, 2]³ go to CONTRACT_FAR). */
export function uncontract(x: number, y: number, z: number, out: number[] | Float32Array, o = 0): void {
  const s = Math.min(Math.max(Math.abs(x), Math.abs(y), Math.abs(z)), 2 - 1 / CONTRACT_FAR);
  const k = s > 1 ? 1 / ((2 - s) * s) : 1;
  out[o] = x * k; out[o + 1] = y * k; out[o + 2] = z * k;
}

/** NDC z of the far end of the grid: depth 2·near/(1 − z) ≈ 2000 near planes (z = 1 is infinity itself). */
const NDC_FAR = 0.999;

/**
 * Forward-facing space for cameras that look one way: the reference camera sits at their mean centre, looks
 * along their mean viewing direction with their median focal lengths; the near plane is at 0.75 × the
 * nearest content depth (LLFF's convention); the box holds every camera's frustum in NDC (x, y from the corner
 * rays, z from just before the nearest content to NDC_FAR). `label` names the dataset in the error for cameras that do not face one way.
 */
export function forwardSpace(cams: Camera[], nearDepth: number, label: string): SceneSpace {
  if (cams.length === 0) throw new InputError(label, '--scene forward', 'needs at least one camera');
  if (!(nearDepth > 0 && Number.isFinite(nearDepth))) throw new InputError(label, '--scene forward', `needs a positive near depth, found ${nearDepth}`);
  const { centre: c, x, y, z } = meanCameraFrame(cams);
  for (const [i, cam] of cams.entries()) {
    const m = cam.c2w, facing = m[8] * z[0] + m[9] * z[1] + m[10] * z[2];
    if (!(facing > 0.5)) {
      throw new InputError(label, '--scene forward', `needs cameras that face one way; camera ${i} looks ${(Math.acos(Math.max(-1, Math.min(1, facing))) * 180 / Math.PI).toFixed(0)}° away from the mean view (use --scene bounded)`);
    }
  }
  const t = [-dot(x, c), -dot(y, c), -dot(z, c)];
  const w2c = [x[0], x[1], x[2], t[0], y[0], y[1], y[2], t[1], z[0], z[1], z[2], t[2]];
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const ndc: NdcFrame = { w2c, ax: median(cams.map((k) => (2 * k.fx) / k.width)), ay: median(cams.map((k) => (2 * k.fy) / k.height)), near: 0.75 * nearDepth };
  // the box: every camera's corner rays from just before the nearest content (0.9 × nearDepth: nothing is
  // closer, so the grid need not span the wider frusta between there and the near plane) to infinity (s = 1)
  const zMin = 1 - (2 * ndc.near) / (0.9 * nearDepth), sMin = (zMin + 1) / 2;
  const lo = [Infinity, Infinity, zMin], hi = [-Infinity, -Infinity, NDC_FAR];
  const o = [0, 0, 0], d = [0, 0, 0], O = new Float32Array(3), D = new Float32Array(3), out = { o: new Float32Array(3), d: new Float32Array(3) };
  for (const cam of cams) {
    for (const [u, v] of [[0, 0], [cam.width, 0], [0, cam.height], [cam.width, cam.height], [cam.width / 2, cam.height / 2]]) {
      pixelRay(cam, u, v, o, d);
      O.set(o); D.set(d);
      if (!ndcRay(ndc, O, D, 0, out.o, out.d, 0, true)) continue;
      for (const s of [sMin, 1]) for (let k = 0; k < 2; k++) {
        const p = out.o[k] + s * out.d[k];
        lo[k] = Math.min(lo[k], p); hi[k] = Math.max(hi[k], p);
      }
    }
  }
  for (let k = 0; k < 2; k++) {
    if (!(hi[k] > lo[k])) throw new InputError(label, '--scene forward', 'the cameras see nothing in front of the reference camera');
    // at most a few screen widths: a stray camera must not spread the grid thin
    lo[k] = Math.max(lo[k], -4); hi[k] = Math.min(hi[k], 4);
  }
  return { kind: 'forward', box: [lo as [number, number, number], hi as [number, number, number]], ndc };
}

/** The largest angle (degrees) between a camera's viewing direction and the cameras' mean viewing direction. */
export function viewSpreadDegrees(cams: Camera[]): number {
  const back = [0, 0, 0];
  for (const cam of cams) for (let k = 0; k < 3; k++) back[k] += cam.c2w[8 + k];
  const z = unit(back);
  let worst = 0;
  for (const cam of cams) {
    const m = cam.c2w, c = (m[8] * z[0] + m[9] * z[1] + m[10] * z[2]) / (Math.hypot(m[8], m[9], m[10]) || 1);
    worst = Math.max(worst, (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI);
  }
  return worst;
}

/** One line for people: what the grid spans (CLI `info`, the app's dataset panel). */
export function describeSpace(space: SceneSpace): string {
  const r = (x: number) => String(Math.round(x * 1000) / 1000), box = (b: AABB) => `[${b[0].map(r).join(', ')}] – [${b[1].map(r).join(', ')}]`;
  if (space.fg) {
    const { centre: c, half: h } = space.fg;
    return `unbounded: foreground cube centre (${c.map(r).join(', ')}) half-size ${r(h)}, everything beyond contracted around it`;
  }
  if (space.ndc) return `forward-facing: NDC of the mean camera, near plane at depth ${r(space.ndc.near)}, grid box ${box(space.box)}`;
  return 'bounded: the grid spans the box';
}

/** Captures whose cameras all look within this many degrees of their mean direction count as forward-facing. */
export const FORWARD_SPREAD_DEGREES = 30;

/**
 * One world ray (origin, unit direction at index i of o, d) in NDC: out origin on the near plane (z = −1) and
 * out direction o' → o' + dir reaching z = 1 (infinity) when `raw`, else normalised to unit length (distances
 * along it are NDC lengths). False for a ray that does not go forward through the near plane.
 */
function ndcRay(f: NdcFrame, o: Float32Array, d: Float32Array, i: number, oo: Float32Array, od: Float32Array, j: number, raw = false): boolean {
  const R = f.w2c;
  const ox = R[0] * o[i * 3] + R[1] * o[i * 3 + 1] + R[2] * o[i * 3 + 2] + R[3];
  const oy = R[4] * o[i * 3] + R[5] * o[i * 3 + 1] + R[6] * o[i * 3 + 2] + R[7];
  let oz = R[8] * o[i * 3] + R[9] * o[i * 3 + 1] + R[10] * o[i * 3 + 2] + R[11];
  const dx = R[0] * d[i * 3] + R[1] * d[i * 3 + 1] + R[2] * d[i * 3 + 2];
  const dy = R[4] * d[i * 3] + R[5] * d[i * 3 + 1] + R[6] * d[i * 3 + 2];
  const dz = R[8] * d[i * 3] + R[9] * d[i * 3 + 1] + R[10] * d[i * 3 + 2];
  if (!(dz < -1e-6)) return false;
  const n = f.near, tn = -(n + oz) / dz;
  const px = ox + tn * dx, py = oy + tn * dy;
  oz = -n;
  oo[j * 3] = (-f.ax * px) / oz; oo[j * 3 + 1] = (-f.ay * py) / oz; oo[j * 3 + 2] = 1 + (2 * n) / oz;
  let ex = -f.ax * (dx / dz - px / oz), ey = -f.ay * (dy / dz - py / oz), ez = (-2 * n) / oz;
  if (!raw) { const l = Math.hypot(ex, ey, ez); ex /= l; ey /= l; ez /= l; }
  od[j * 3] = ex; od[j * 3 + 1] = ey; od[j * 3 + 2] = ez;
  return true;
}

/**
 * The n world rays (origins, unit directions) in the grid's space, into oOut, dOut (unit directions). Bounded:
 * a copy. Unbounded: foreground-relative rays ((o − centre)/half, the same directions; distances along them in
 * foreground units), contracted per sample by the sampler. Forward: NDC rays from the near plane; a ray that
 * cannot be mapped (parallel to or away from the near plane) gets an origin outside every box so it samples nothing.
 */
export function mapRays(space: SceneSpace, n: number, origins: Float32Array, dirs: Float32Array, oOut: Float32Array, dOut: Float32Array): void {
  if (space.fg) {
    const { centre: c, half: h } = space.fg;
    for (let i = 0; i < n * 3; i++) oOut[i] = (origins[i] - c[i % 3]) / h;
    dOut.set(dirs.subarray(0, n * 3));
    return;
  }
  if (!space.ndc) {
    oOut.set(origins.subarray(0, n * 3));
    dOut.set(dirs.subarray(0, n * 3));
    return;
  }
  for (let i = 0; i < n; i++) {
    if (ndcRay(space.ndc, origins, dirs, i, oOut, dOut, i)) continue;
    oOut[i * 3] = oOut[i * 3 + 1] = oOut[i * 3 + 2] = 1e9;
    dOut[i * 3] = 0; dOut[i * 3 + 1] = 0; dOut[i * 3 + 2] = 1;
  }
}

/**
 * Ray distances to sample between in the grid's space: the scene's own (bounded), all of the frustum (forward),
 * from the near bound to infinity in foreground units (unbounded).
 */
export function rayRange(space: SceneSpace, near: number, far: number): { near: number; far: number } {
  if (space.fg) return { near: near / space.fg.half, far: 1e30 };
  return space.ndc ? { near: 0, far: 1e30 } : { near, far };
}

/** Whether rays need mapping into the grid's space (mapRays) before they are sampled. */
export function mapsRays(space: SceneSpace): boolean {
  return space.ndc !== null || !!space.fg;
}

/** World position of a normalised grid point (u, v, w) ∈ [0, 1]³ into out[o..o+2]. */
export function gridToWorld(space: SceneSpace, u: number, v: number, w: number, out: number[] | Float32Array, o = 0): void {
  const b = space.box;
  const x = b[0][0] + u * (b[1][0] - b[0][0]), y = b[0][1] + v * (b[1][1] - b[0][1]), z = b[0][2] + w * (b[1][2] - b[0][2]);
  if (space.fg) {
    const { centre: c, half: h } = space.fg;
    uncontract(x, y, z, out, o);
    for (let k = 0; k < 3; k++) out[o + k] = c[k] + h * out[o + k];
    return;
  }
  if (!space.ndc) { out[o] = x; out[o + 1] = y; out[o + 2] = z; return; }
  const f = space.ndc, R = f.w2c;
  // camera point from NDC, then world = Rᵀ (p − t)
  const cz = (2 * f.near) / (Math.min(z, NDC_FAR) - 1), cx = (-x * cz) / f.ax, cy = (-y * cz) / f.ay;
  const px = cx - R[3], py = cy - R[7], pz = cz - R[11];
  out[o] = R[0] * px + R[4] * py + R[8] * pz;
  out[o + 1] = R[1] * px + R[5] * py + R[9] * pz;
  out[o + 2] = R[2] * px + R[6] * py + R[10] * pz;
}

/** The NDC point of a world point (forward), its contracted point (unbounded), or the world point itself (bounded). */
export function worldToSpace(space: SceneSpace, p: readonly number[]): [number, number, number] {
  if (space.fg) {
    const { centre: c, half: h } = space.fg, out: [number, number, number] = [0, 0, 0];
    contract((p[0] - c[0]) / h, (p[1] - c[1]) / h, (p[2] - c[2]) / h, out);
    return out;
  }
  if (!space.ndc) return [p[0], p[1], p[2]];
  const f = space.ndc, R = f.w2c;
  const cx = R[0] * p[0] + R[1] * p[1] + R[2] * p[2] + R[3];
  const cy = R[4] * p[0] + R[5] * p[1] + R[6] * p[2] + R[7];
  const cz = R[8] * p[0] + R[9] * p[1] + R[10] * p[2] + R[11];
  return [(-f.ax * cx) / cz, (-f.ay * cy) / cz, 1 + (2 * f.near) / cz];
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function unit(a: number[]): number[] {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}

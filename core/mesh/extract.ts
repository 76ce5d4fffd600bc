/**
 * Geometry from a trained field: a coloured triangle mesh of the density by marching cubes, and a point cloud
 * of the samples that carry the most rendering weight along camera rays. World coordinates; colours as the
 * field decodes them (sRGB-encoded, [0, 1]). File formats are written elsewhere (datasets/mesh.ts, three's
 * exporters); this is platform-neutral.
 */
import type { RadianceField } from '../field/RadianceField';
import { FieldQuery, latticePoints } from '../field/query';
import { gridToWorld, worldToSpace } from '../scene/space';
import type { Camera } from '../scene/Camera';
import { cameraRays, makeRayBatch } from '../render/rays';
import { Rng } from '../math/rng';
import { marchingCubes, opticalDepth } from './marchingCubes';

export interface MeshData {
  /** [V · 3] world positions. */
  positions: Float32Array;
  /** [V · 3] unit normals pointing out of the surface (towards lower density). */
  normals: Float32Array;
  /** [V · 3] sRGB-encoded colours in [0, 1]. */
  colors: Float32Array;
  /** [T · 3] triangles, counter-clockwise seen from outside. */
  indices: Uint32Array;
}

export interface PointCloud {
  /** [P · 3] world positions. */
  positions: Float32Array;
  /** [P · 3] sRGB-encoded colours in [0, 1]. */
  colors: Float32Array;
}

export interface MeshOptions {
  /** Lattice points along the box's longest side (others in proportion); 16..512. */
  resolution: number;
  /** Surface level: the opacity light from outside the field has met there, in (0, 1) (0.5: half the light is gone). */
  threshold: number;
  /** World points known to be empty (camera centres): space connected to them or to the box's border is outside. */
  viewpoints?: readonly (readonly number[])[];
  /** Called with the fraction done, [0, 1]. */
  onProgress?: (fraction: number) => void;
}

export const MESH_DEFAULTS = { resolution: 256, threshold: 0.5 } as const;

export function checkMeshOptions(o: { resolution: number; threshold: number }): string | null {
  if (!Number.isInteger(o.resolution) || o.resolution < 16 || o.resolution > 512) return `resolution must be a whole number in 16..512, got ${o.resolution}`;
  if (!(o.threshold > 0 && o.threshold < 1)) return `threshold must be an opacity in (0, 1), got ${o.threshold}`;
  return null;
}

/**
 * The part of the grid (normalised coordinates, the same range on every axis) a mesh covers: all of it, or for
 * unbounded scenes the foreground cube (the middle half: [−1, 1] of the contracted [−2, 2]) — the contracted
 * shell holds walls and sky at up to a thousand foreground sizes, not the object.
 */
export function meshRegion(field: RadianceField): [number, number] {
  return field.space.fg ? [0.25, 0.75] : [0, 1];
}

/** Lattice points per axis for `resolution` along the longest side. */
export function latticeDims(field: RadianceField, resolution: number): [number, number, number] {
  const ext = [0, 1, 2].map((k) => field.aabb[1][k] - field.aabb[0][k]), longest = Math.max(...ext);
  return ext.map((e) => Math.max(2, Math.round(((resolution - 1) * e) / longest) + 1)) as [number, number, number];
}

/**
 * The surface an outside observer sees: marching cubes, on a lattice over the field's box, of the optical depth
 * from outside (marchingCubes.ts opticalDepth: the least density integral along any path from the box's border
 * or a viewpoint) at the level where `threshold` of the light is gone, so an object comes out as one closed
 * surface without the inner shells its unobserved inside would give a plain density level set. Cells the
 * field's occupancy grid marks empty count as empty (rendering skips them). Vertex colours are decoded looking at
 * the surface along its normal (the view a camera facing the surface would have).
 */
export function extractMesh(field: RadianceField, opts: MeshOptions): MeshData {
  const bad = checkMeshOptions(opts);
  if (bad) throw new RangeError(bad);
  const progress = opts.onProgress ?? (() => {});
  const dims = latticeDims(field, opts.resolution), [nx, ny, nz] = dims, N = nx * ny * nz;
  const q = new FieldQuery(field), chunk = q.chunk, occ = field.occupancy;
  const values = new Float32Array(N), pts = new Float32Array(chunk * 3);
  // lattice coordinates u ∈ [0, 1] cover the region [r0, r1] of the grid
  const [r0, r1] = meshRegion(field), toGrid = (u: number) => r0 + u * (r1 - r0);
  for (let start = 0; start < N; start += chunk) {
    const n = Math.min(chunk, N - start);
    latticePoints(start, n, dims, pts);
    for (let j = 0; j < n * 3; j++) pts[j] = toGrid(pts[j]);
    q.density(pts, n, values, start);
    for (let j = 0; j < n; j++) if (!occ.at(pts[j * 3], pts[j * 3 + 1], pts[j * 3 + 2])) values[start + j] = -Infinity;
    progress(0.5 * (start + n) / N);
  }
  // the surface: where light from outside has lost `threshold` of its intensity
  const level = -Math.log(1 - opts.threshold);
  const seeds = (opts.viewpoints ?? []).map((world) => {
    const p = worldToSpace(field.space, world);
    const ijk = [0, 1, 2].map((k) => Math.round((((p[k] - field.aabb[0][k]) / (field.aabb[1][k] - field.aabb[0][k]) - r0) / (r1 - r0)) * (dims[k] - 1)));
    return ijk.every((v, k) => v >= 0 && v < dims[k]) ? ijk[0] + nx * (ijk[1] + ny * ijk[2]) : -1;
  });
  const vox = field.voxelSize, step = [0, 1, 2].map((k) => ((r1 - r0) * (field.aabb[1][k] - field.aabb[0][k])) / (dims[k] - 1) / vox) as [number, number, number];
  const depth = opticalDepth(values, dims, step, 2 * level, { seeds });
  const lat = marchingCubes(depth, dims, level, (f) => progress(0.5 + 0.3 * f));
  const V = lat.positions.length / 3, positions = new Float32Array(V * 3);
  const scale = [nx - 1, ny - 1, nz - 1];
  const w = [0, 0, 0];
  for (let v = 0; v < V; v++) {
    gridToWorld(field.space, toGrid(lat.positions[v * 3] / scale[0]), toGrid(lat.positions[v * 3 + 1] / scale[1]), toGrid(lat.positions[v * 3 + 2] / scale[2]), w);
    positions[v * 3] = w[0]; positions[v * 3 + 1] = w[1]; positions[v * 3 + 2] = w[2];
  }
  const normals = vertexNormals(positions, lat.indices);
  const colors = new Float32Array(V * 3), dirs = new Float32Array(chunk * 3);
  for (let start = 0; start < V; start += chunk) {
    const n = Math.min(chunk, V - start);
    for (let j = 0; j < n; j++) {
      const v = start + j;
      for (let k = 0; k < 3; k++) {
        pts[j * 3 + k] = toGrid(Math.min(1, Math.max(0, lat.positions[v * 3 + k] / scale[k])));
        dirs[j * 3 + k] = -normals[v * 3 + k];
      }
    }
    const rgb = q.color(pts, dirs, n);
    for (let i = 0; i < n * 3; i++) colors[start * 3 + i] = Math.min(1, Math.max(0, rgb[i]));
    progress(0.8 + 0.2 * (start + n) / V);
  }
  progress(1);
  return { positions, normals, colors, indices: lat.indices };
}

/** Area-weighted vertex normals of an outward-oriented mesh (zero-area neighbourhoods get +z). */
export function vertexNormals(positions: Float32Array, indices: Uint32Array): Float32Array {
  const nrm = new Float32Array(positions.length);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3, b = indices[t + 1] * 3, c = indices[t + 2] * 3;
    const ux = positions[b] - positions[a], uy = positions[b + 1] - positions[a + 1], uz = positions[b + 2] - positions[a + 2];
    const vx = positions[c] - positions[a], vy = positions[c + 1] - positions[a + 1], vz = positions[c + 2] - positions[a + 2];
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    for (const i of [a, b, c]) { nrm[i] += nx; nrm[i + 1] += ny; nrm[i + 2] += nz; }
  }
  for (let i = 0; i < nrm.length; i += 3) {
    const l = Math.hypot(nrm[i], nrm[i + 1], nrm[i + 2]);
    if (l > 0) { nrm[i] /= l; nrm[i + 1] /= l; nrm[i + 2] /= l; } else nrm[i + 2] = 1;
  }
  return nrm;
}

export interface PointOptions {
  /** Camera rays to cast, spread uniformly over the cameras' pixels. */
  rays: number;
  /** Keep samples whose compositing weight T·α is at least this. */
  minWeight: number;
  seed?: number;
  onProgress?: (fraction: number) => void;
}

export const POINT_DEFAULTS = { rays: 200_000, minWeight: 0.1 } as const;

/**
 * A point cloud of the samples that carry at least `minWeight` of a ray's colour, from rays through random
 * pixels of the given (training) cameras, coloured by the field seen along the ray.
 */
export function extractPoints(field: RadianceField, cameras: readonly Camera[], scene: { near: number; far: number; background: readonly [number, number, number] },
  opts: PointOptions): PointCloud {
  if (cameras.length === 0) throw new RangeError('no cameras to cast rays from');
  if (!Number.isInteger(opts.rays) || opts.rays < 1 || opts.rays > 1e8) throw new RangeError(`rays must be a whole number in 1..1e8, got ${opts.rays}`);
  if (!(opts.minWeight > 0 && opts.minWeight <= 1)) throw new RangeError(`minWeight must be in (0, 1], got ${opts.minWeight}`);
  const rng = new Rng(opts.seed ?? 0), B = 4096, batch = makeRayBatch(B), one = makeRayBatch(1);
  const q = new FieldQuery(field, B * 4);
  const outPos: number[] = [], outCol: number[] = [], w = [0, 0, 0];
  for (let done = 0; done < opts.rays; done += B) {
    const n = Math.min(B, opts.rays - done);
    for (let i = 0; i < n; i++) {
      const cam = cameras[Math.floor(rng.next() * cameras.length)];
      cameraRays(cam, Math.floor(rng.next() * cam.width * cam.height), 1, one);
      batch.origins.set(one.origins.subarray(0, 3), i * 3);
      batch.dirs.set(one.dirs.subarray(0, 3), i * 3);
    }
    batch.n = n;
    field.render(batch, scene.near, scene.far, scene.background, null);
    const s = field.lastSamples();
    const keep: number[] = [];
    for (let j = 0; j < s.n; j++) if (s.weight[j] >= opts.minWeight) keep.push(j);
    for (let k0 = 0; k0 < keep.length; k0 += q.chunk) {
      const m = Math.min(q.chunk, keep.length - k0), pts = new Float32Array(m * 3), dirs = new Float32Array(m * 3);
      for (let i = 0; i < m; i++) {
        const j = keep[k0 + i], r = s.ray[j];
        pts.set(s.pts.subarray(j * 3, j * 3 + 3), i * 3);
        dirs.set(batch.dirs.subarray(r * 3, r * 3 + 3), i * 3);
      }
      const rgb = q.color(pts, dirs, m);
      for (let i = 0; i < m; i++) {
        gridToWorld(field.space, pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], w);
        outPos.push(w[0], w[1], w[2]);
        for (let c = 0; c < 3; c++) outCol.push(Math.min(1, Math.max(0, rgb[i * 3 + c])));
      }
    }
    opts.onProgress?.((done + n) / opts.rays);
  }
  return { positions: Float32Array.from(outPos), colors: Float32Array.from(outCol) };
}

// Marching cubes and geometry export against analytic answers: closed, consistently oriented meshes with the
// right topology (Euler characteristic), vertices on the analytic surface, the unobserved inside of a shell
// left out, and files that three.js's loaders read back with the same counts and bounds.
import { describe, expect, it } from 'vitest';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import type * as THREE from 'three';
import { marchingCubes, opticalDepth, CASES } from '../../../core/mesh/marchingCubes';
import { extractMesh, extractPoints, type MeshData } from '../../../core/mesh/extract';
import { RadianceField, FIELD_DEFAULTS } from '../../../core/field/RadianceField';
import { unboundedSpace, gridToWorld } from '../../../core/scene/space';
import { Rng } from '../../../core/math/rng';
import { encodeMesh, encodePoints } from '../../../datasets/mesh';
import { demoCameras } from '../../../datasets/demo/DemoScene';

/** Directed-edge census: closed and consistently oriented ⇔ every directed edge once and its reverse once. */
function topology(indices: Uint32Array, V: number): { badEdges: number; euler: number } {
  const edges = new Map<number, number>();
  for (let t = 0; t < indices.length; t += 3) for (let e = 0; e < 3; e++) {
    const key = indices[t + e] * V + indices[t + ((e + 1) % 3)];
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
  let bad = 0;
  for (const [key, count] of edges) {
    const a = Math.floor(key / V), b = key % V;
    if (count !== 1 || edges.get(b * V + a) !== 1) bad++;
  }
  const used = new Set(indices).size;
  return { badEdges: bad, euler: used - edges.size / 2 + indices.length / 3 };
}

function signedVolume(p: Float32Array, idx: Uint32Array): number {
  let v = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const [a, b, c] = [idx[t] * 3, idx[t + 1] * 3, idx[t + 2] * 3];
    v += (p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) - p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) + p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c])) / 6;
  }
  return v;
}

function lattice(n: number, f: (i: number, j: number, k: number) => number): Float32Array {
  const v = new Float32Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) v[i + n * (j + n * k)] = f(i, j, k);
  return v;
}

describe('marching cubes', () => {
  it('the derived case table: no triangles for empty/full cubes, one triangle for a single corner', () => {
    expect(CASES[0].tris.length).toBe(0);
    expect(CASES[255].tris.length).toBe(0);
    for (let c = 0; c < 8; c++) expect(CASES[1 << c].tris.length).toBe(3);
  });

  it('a sphere: closed, outward, Euler characteristic 2, vertices on the surface, the enclosed volume', () => {
    const n = 40, r = 12, c = [19.3, 20.1, 18.7];
    const m = marchingCubes(lattice(n, (i, j, k) => r - Math.hypot(i - c[0], j - c[1], k - c[2])), [n, n, n], 0);
    const V = m.positions.length / 3;
    expect(topology(m.indices, V)).toEqual({ badEdges: 0, euler: 2 });
    let worst = 0;
    for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(Math.hypot(m.positions[v * 3] - c[0], m.positions[v * 3 + 1] - c[1], m.positions[v * 3 + 2] - c[2]) - r));
    expect(worst).toBeLessThan(0.05); // lattice units: linear interpolation of a smooth distance
    expect(signedVolume(m.positions, m.indices) / ((4 / 3) * Math.PI * r ** 3)).toBeCloseTo(1, 1.5);
  });

  it('a torus has Euler characteristic 0; a surface cut by the lattice border is closed there', () => {
    const n = 32;
    const torus = marchingCubes(lattice(n, (i, j, k) => 3 - Math.hypot(Math.hypot(i - 15.5, j - 15.5) - 9, k - 15.5)), [n, n, n], 0);
    expect(topology(torus.indices, torus.positions.length / 3)).toEqual({ badEdges: 0, euler: 0 });
    const slab = marchingCubes(lattice(n, (_i, _j, k) => 10.2 - k), [n, n, n], 0);
    expect(topology(slab.indices, slab.positions.length / 3)).toEqual({ badEdges: 0, euler: 2 });
  });

  it('random fields (every ambiguous case): always closed and consistently oriented', () => {
    const rng = new Rng(5), n = 24;
    for (let trial = 0; trial < 3; trial++) {
      const m = marchingCubes(lattice(n, () => rng.next() - 0.5), [n, n, n], 0);
      expect(m.indices.length).toBeGreaterThan(10_000);
      expect(topology(m.indices, m.positions.length / 3).badEdges).toBe(0);
    }
  });

  it('optical depth from outside: zero in empty space, growing through a shell, capped behind it', () => {
    const n = 24, h: [number, number, number] = [1, 1, 1];
    // a shell of σ = 1 per step between radius 6 and 8: 2 steps thick, optical depth 2 > cap 1.5
    const x = lattice(n, (i, j, k) => { const r = Math.hypot(i - 11.5, j - 11.5, k - 11.5); return r > 6 && r < 8 ? Math.log(Math.E - 1) : -40; });
    const d = opticalDepth(x, [n, n, n], h, 1.5);
    expect(d[0]).toBeLessThan(1e-6);
    expect(d[12 + n * (12 + n * 12)]).toBe(1.5); // the centre: behind the shell
  });
});

/** A dense field whose density pre-activation is 4 per voxel into a sphere (a sharp analytic surface). */
function sphereField(c: number[], r: number, hollow = false): RadianceField {
  const aabb: [number[], number[]] = [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]], R = 48;
  const f = new RadianceField({ ...FIELD_DEFAULTS, model: 'dense', resolution: R }, aabb as never, new Rng(1));
  const vox = f.voxelSize, F = f.density.features.data, rng = new Rng(2);
  for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) {
    const p = [x, y, z].map((v, k) => aabb[0][k] + (v / (R - 1)) * 3);
    const s = (r - Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2])) / vox; // voxels inside the surface
    // hollow: a 3-voxel shell around noise, as a trained object's unobserved inside
    const x0 = hollow && s > 3 ? 4 * (rng.next() * 2 - 1.5) : 4 * s;
    F[x + R * (y + R * z)] = x0 - f.shift;
  }
  return f;
}

async function glbGeometry(bytes: Uint8Array): Promise<THREE.BufferGeometry> {
  const gltf = await new Promise<{ scene: THREE.Group }>((resolve, reject) =>
    new GLTFLoader().parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, '', resolve as never, reject));
  return (gltf.scene.children[0] as THREE.Mesh).geometry;
}

describe('geometry export', () => {
  const c = [0, 0, 0.3], r = 0.5; // the demo scene's sphere
  const field = sphereField(c, r);
  const progress: number[] = [];
  const mesh: MeshData = extractMesh(field, { resolution: 96, threshold: 0.5, onProgress: (f) => progress.push(f) });
  const V = mesh.positions.length / 3;

  it('the demo sphere comes out closed (Euler 2), within a voxel of the analytic surface, normals outward', () => {
    expect(topology(mesh.indices, V)).toEqual({ badEdges: 0, euler: 2 });
    let worst = 0, inward = 0;
    for (let v = 0; v < V; v++) {
      const d = [0, 1, 2].map((k) => mesh.positions[v * 3 + k] - c[k]), len = Math.hypot(...d);
      worst = Math.max(worst, Math.abs(len - r));
      if (d[0] * mesh.normals[v * 3] + d[1] * mesh.normals[v * 3 + 1] + d[2] * mesh.normals[v * 3 + 2] < 0.9 * len) inward++;
    }
    expect(worst).toBeLessThan(field.voxelSize);
    expect(inward).toBe(0);
    expect(mesh.colors.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1])).toBe(true);
  });

  it('an unbounded field: the mesh covers the foreground cube (the object), not the walls in the contracted shell', () => {
    const R = 64, space = unboundedSpace({ centre: [0.2, 0, 0], half: 1.5 }, 'test'), cs = [0.3, 0.1, -0.1], rs = 0.8;
    const f = new RadianceField({ ...FIELD_DEFAULTS, model: 'dense', resolution: R }, space.box, new Rng(1));
    f.space = space;
    const vox = f.voxelSize * space.fg!.half, F = f.density.features.data, w = [0, 0, 0];
    for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) {
      gridToWorld(space, x / (R - 1), y / (R - 1), z / (R - 1), w);
      const s = (rs - Math.hypot(w[0] - cs[0], w[1] - cs[1], w[2] - cs[2])) / vox;
      // an object in the foreground, and walls 6 units out (in the shell: dense, and visible from everywhere)
      F[x + R * (y + R * z)] = (Math.hypot(w[0] - 0.2, w[1], w[2]) > 6 ? 8 : 4 * s) - f.shift;
    }
    const m = extractMesh(f, { resolution: 64, threshold: 0.5 });
    expect(topology(m.indices, m.positions.length / 3)).toEqual({ badEdges: 0, euler: 2 }); // the sphere alone
    for (let v = 0; v < m.positions.length / 3; v++) {
      expect(Math.abs(Math.hypot(m.positions[v * 3] - cs[0], m.positions[v * 3 + 1] - cs[1], m.positions[v * 3 + 2] - cs[2]) - rs)).toBeLessThan(vox);
    }
  });

  it('a shell around noise gives only its outer surface (a plain density level set has inner shells)', () => {
    const hollow = sphereField(c, r, true);
    const m = extractMesh(hollow, { resolution: 96, threshold: 0.5 });
    expect(topology(m.indices, m.positions.length / 3)).toEqual({ badEdges: 0, euler: 2 });
    for (let v = 0; v < m.positions.length / 3; v++) {
      expect(Math.abs(Math.hypot(m.positions[v * 3] - c[0], m.positions[v * 3 + 1] - c[1], m.positions[v * 3 + 2] - c[2]) - r)).toBeLessThan(hollow.voxelSize);
    }
  });

  it('glb, ply and obj load back through three.js with the same vertices, triangles and bounds', async () => {
    const bounds = (p: ArrayLike<number>) => [0, 1, 2].map((k) => { let lo = Infinity, hi = -Infinity; for (let i = k; i < p.length; i += 3) { lo = Math.min(lo, p[i]); hi = Math.max(hi, p[i]); } return [lo, hi]; });
    const want = bounds(mesh.positions);
    const glb = await glbGeometry(await encodeMesh(mesh, 'glb'));
    expect(glb.attributes.position.count).toBe(V);
    expect(glb.index!.count).toBe(mesh.indices.length);
    expect(Object.keys(glb.attributes).sort()).toEqual(['color', 'normal', 'position']);
    const ply = await encodeMesh(mesh, 'ply');
    const plyGeo = new PLYLoader().parse(ply.buffer.slice(ply.byteOffset, ply.byteOffset + ply.byteLength) as ArrayBuffer);
    expect(plyGeo.attributes.position.count).toBe(V);
    expect(plyGeo.index!.count).toBe(mesh.indices.length);
    const obj = new OBJLoader().parse(new TextDecoder().decode(await encodeMesh(mesh, 'obj')));
    const objGeo = (obj.children[0] as THREE.Mesh).geometry;
    expect(objGeo.attributes.position.count).toBe(mesh.indices.length); // OBJLoader un-indexes
    expect(objGeo.attributes.color).toBeDefined();
    for (const g of [glb, plyGeo, objGeo]) {
      const got = bounds(g.attributes.position.array as Float32Array);
      for (let k = 0; k < 3; k++) for (let e = 0; e < 2; e++) expect(got[k][e]).toBeCloseTo(want[k][e], 4);
    }
    // colours survive the sRGB → linear → sRGB round trip of the PLY (8-bit)
    const plyColor = plyGeo.attributes.color.array as Float32Array;
    expect(plyColor.length).toBe(V * 3);
  });

  it('a point cloud: samples on the surface seen from the demo cameras, as a PLY that loads back', () => {
    const cams = demoCameras({ size: 32 }).cameras.slice(0, 10);
    const cloud = extractPoints(field, cams, { near: 0.5, far: 8, background: [1, 1, 1] }, { rays: 4000, minWeight: 0.1 });
    const P = cloud.positions.length / 3;
    expect(P).toBeGreaterThan(50);
    for (let i = 0; i < P; i++) {
      expect(Math.abs(Math.hypot(cloud.positions[i * 3] - c[0], cloud.positions[i * 3 + 1] - c[1], cloud.positions[i * 3 + 2] - c[2]) - r)).toBeLessThan(2 * field.voxelSize);
    }
    const bytes = encodePoints(cloud);
    const g = new PLYLoader().parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(g.attributes.position.count).toBe(P);
    expect(g.attributes.color.count).toBe(P);
  });
});

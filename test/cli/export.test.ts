// mulfa export on a trained demo snapshot, as a user runs it: the mesh and point cloud files load back through
// three.js's loaders and lie on the demo's analytic surfaces; bad requests are one line and exit 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import type * as THREE from 'three';
import { TempDir } from '../fixtures/datasets';
import { demoSurfaceDistance } from '../../datasets/demo/DemoScene';
import { runProcess } from './run';

const d = new TempDir();
afterAll(() => d.dispose());
const snap = d.path('run/final.mulfa');
const VOXEL = 3 / 31; // the demo box side over the trained grid's R − 1

function buffer(file: string): ArrayBuffer {
  const b = readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Quantile of the vertices' distances to the demo's analytic surfaces, in voxels of the trained grid. */
function quantile(pos: ArrayLike<number>, q: number): number {
  const dist = Array.from({ length: pos.length / 3 }, (_, i) => demoSurfaceDistance([pos[i * 3], pos[i * 3 + 1], pos[i * 3 + 2]]) / VOXEL).sort((a, b) => a - b);
  return dist[Math.floor(q * (dist.length - 1))];
}

describe('mulfa export', () => {
  beforeAll(() => {
    const r = runProcess(['train', 'demo', '--model', 'dense', '--resolution', '32', '--max-steps', '400', '--downscale', '2', '--out', d.path('run'), '--quiet', '--seed', '1']);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('writes a glb mesh, an obj and a point cloud that three.js loads, on the demo objects', async () => {
    const r = runProcess(['export', snap, '--mesh', d.path('demo.glb'), '--resolution', '96', '--points', d.path('points.ply'), '--rays', '20000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*demo\.glb: \d+ vertices, \d+ triangles/);
    expect(r.stderr).toMatch(/mesh 100%/);
    const gltf = await new Promise<{ scene: THREE.Group }>((res, rej) => new GLTFLoader().parse(buffer(d.path('demo.glb')), '', res as never, rej));
    const geo = (gltf.scene.children[0] as THREE.Mesh).geometry;
    const pos = geo.attributes.position.array as Float32Array;
    expect(geo.attributes.color.count).toBe(pos.length / 3);
    const median = quantile(pos, 0.5), q90 = quantile(pos, 0.9);
    console.log(`trained demo mesh: ${pos.length / 3} vertices; distance to the analytic surfaces (voxels) median ${median.toFixed(2)}, 90th pct ${q90.toFixed(2)}`);
    expect(median).toBeLessThan(0.5);
    expect(q90).toBeLessThan(1.5);
    const points = new PLYLoader().parse(buffer(d.path('points.ply')));
    const pp = points.attributes.position.array as Float32Array;
    expect(pp.length / 3).toBeGreaterThan(5000);
    expect(quantile(pp, 0.5)).toBeLessThan(0.5);
    expect(runProcess(['export', snap, '--mesh', d.path('demo.obj'), '--resolution', '48', '--quiet']).code).toBe(0);
    const obj = new OBJLoader().parse(readFileSync(d.path('demo.obj'), 'utf8'));
    expect((obj.children[0] as THREE.Mesh).geometry.attributes.position.count).toBeGreaterThan(1000);
  });

  it('bad requests: one line, exit 2, nothing written', () => {
    for (const [args, msg] of [
      [[snap], 'give --mesh'],
      [[snap, '--mesh', d.path('x.stl')], 'must end in .glb, .ply, .obj'],
      [[snap, '--mesh', d.path('x.glb'), '--threshold', '1.5'], 'threshold must be an opacity in (0, 1)'],
      [[snap, '--mesh', d.path('x.glb'), '--resolution', '4096'], 'resolution must be a whole number in 16..512'],
      [[snap, '--points', d.path('x.xyz')], 'point clouds are written as .ply'],
      [[d.path('missing.mulfa'), '--mesh', d.path('x.glb')], 'missing.mulfa'],
    ] as [string[], string][]) {
      const r = runProcess(['export', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
    expect(existsSync(d.path('x.glb'))).toBe(false);
    expect(readdirSync(d.path()).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

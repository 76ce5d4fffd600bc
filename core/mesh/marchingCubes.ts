/**
 * Marching cubes over a scalar lattice: the surface {v = level} as an indexed triangle mesh whose triangles
 * face from the inside (v > level) to the outside. The case table is derived, not typed in: for each of the
 * 256 corner sign patterns, every cube face contributes segments between its sign-change edges, oriented
 * counter-clockwise seen from outside the cube, each entry pairing with the next exit (so on an ambiguous face
 * the two inside corners stay separate). The rule depends only on a face's own four corners, so two cubes
 * sharing a face cut it the same way and the mesh has no cracks; the segments close into loops that are
 * fan-triangulated. Vertices on lattice edges are shared between cubes, and the lattice is padded with
 * "outside" so a surface meeting the lattice border is closed there: the result is a closed, consistently
 * oriented mesh (every edge in exactly two triangles, once each way).
 */

/** Corner c of the unit cube is (c & 1, c >> 1 & 1, c >> 2 & 1). The 12 edges as corner pairs, low corner first. */
const EDGES: readonly [number, number][] = [
  [0, 1], [2, 3], [4, 5], [6, 7], // along x
  [0, 2], [1, 3], [4, 6], [5, 7], // along y
  [0, 4], [1, 5], [2, 6], [3, 7], // along z
];

/** The 6 faces, corners counter-clockwise seen from outside the cube. */
const FACES: readonly number[][] = [
  [0, 4, 6, 2], // x = 0
  [1, 3, 7, 5], // x = 1
  [0, 1, 5, 4], // y = 0
  [2, 6, 7, 3], // y = 1
  [0, 2, 3, 1], // z = 0
  [4, 5, 7, 6], // z = 1
];

function edgeOf(a: number, b: number): number {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  return EDGES.findIndex(([p, q]) => p === lo && q === hi);
}

function onFace(e: number, face: readonly number[]): boolean {
  return face.includes(EDGES[e][0]) && face.includes(EDGES[e][1]);
}

/**
 * For each of the 256 inside-corner masks: `tris`, triangles as triples of vertex codes (0..11: the crossing on
 * that edge; 12 + l: the centre of loop l) and `loops`, the edge loops that are fanned around their centre.
 * A loop is fanned from its first vertex unless a chord of that fan would join two crossings on one cube face:
 * the neighbour across that face could draw the same chord, and the edge would belong to four triangles.
 */
export const CASES: readonly { tris: Int8Array; loops: number[][] }[] = (() => {
  const cases: { tris: Int8Array; loops: number[][] }[] = [];
  for (let mask = 0; mask < 256; mask++) {
    const inside = (c: number) => ((mask >> c) & 1) === 1;
    const next = new Int8Array(12).fill(-1);
    for (const face of FACES) {
      // walking the face counter-clockwise: entries (outside → inside) and exits (inside → outside)
      const crossings: { edge: number; entry: boolean }[] = [];
      for (let i = 0; i < 4; i++) {
        const a = face[i], b = face[(i + 1) % 4];
        if (inside(a) !== inside(b)) crossings.push({ edge: edgeOf(a, b), entry: inside(b) });
      }
      for (let i = 0; i < crossings.length; i++) {
        if (!crossings[i].entry) continue;
        // the next crossing after an entry along the walk is its exit
        next[crossings[i].edge] = crossings[(i + 1) % crossings.length].edge;
      }
    }
    const tris: number[] = [], loops: number[][] = [], seen = new Uint8Array(12);
    for (let e = 0; e < 12; e++) {
      if (next[e] < 0 || seen[e]) continue;
      const loop: number[] = [];
      for (let f = e; !seen[f]; f = next[f]) { seen[f] = 1; loop.push(f); }
      const chordOnFace = loop.slice(2, loop.length - 1).some((v) => FACES.some((face) => onFace(loop[0], face) && onFace(v, face)));
      if (!chordOnFace) {
        for (let i = 1; i + 1 < loop.length; i++) tris.push(loop[0], loop[i], loop[i + 1]);
      } else {
        const centre = 12 + loops.length;
        loops.push(loop);
        for (let i = 0; i < loop.length; i++) tris.push(centre, loop[i], loop[(i + 1) % loop.length]);
      }
    }
    cases.push({ tris: Int8Array.from(tris), loops });
  }
  return cases;
})();

export interface LatticeMesh {
  /** Vertex positions in lattice units: (i, j, k) is lattice point i + j·nx + k·nx·ny; [V · 3]. */
  positions: Float32Array;
  /** Triangles [T · 3], counter-clockwise seen from outside (v < level). */
  indices: Uint32Array;
}

/**
 * The level set of values [nx · ny · nz] (x fastest) at `level`. Points outside the lattice count as outside, so
 * the mesh is closed. `onProgress(fraction)` is called once per slice.
 */
export function marchingCubes(values: Float32Array, dims: readonly [number, number, number], level: number,
  onProgress?: (fraction: number) => void): LatticeMesh {
  const [nx, ny, nz] = dims;
  if (values.length !== nx * ny * nz) throw new RangeError(`marchingCubes: ${values.length} values for ${nx}×${ny}×${nz}`);
  const at = (i: number, j: number, k: number) =>
    i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? -Infinity : values[i + nx * (j + ny * k)];
  const positions: number[] = [], indices: number[] = [];
  // one vertex per lattice edge crossed, keyed by (low lattice point, axis) on the padded lattice
  const PX = nx + 2, PY = ny + 2;
  const vertexOf = new Map<number, number>();
  const corner = new Float64Array(8), verts = new Int32Array(16);
  for (let k = -1; k < nz; k++) {
    for (let j = -1; j < ny; j++) {
      for (let i = -1; i < nx; i++) {
        let mask = 0;
        for (let c = 0; c < 8; c++) {
          const v = at(i + (c & 1), j + ((c >> 1) & 1), k + ((c >> 2) & 1));
          corner[c] = v;
          if (v > level) mask |= 1 << c;
        }
        if (mask === 0 || mask === 255) continue;
        const { tris, loops } = CASES[mask];
        verts.fill(-1);
        for (const e of tris) {
          if (e >= 12 || verts[e] >= 0) continue;
          const [a, b] = EDGES[e], axis = e >> 2;
          const ai = i + (a & 1), aj = j + ((a >> 1) & 1), ak = k + ((a >> 2) & 1);
          const key = ((ak + 1) * PY + (aj + 1)) * PX * 3 + (ai + 1) * 3 + axis;
          let id = vertexOf.get(key);
          if (id === undefined) {
            id = positions.length / 3;
            vertexOf.set(key, id);
            // where the linear interpolant crosses the level (an outside pad corner puts it on the inside corner)
            const va = corner[a], vb = corner[b];
            let t = Number.isFinite(va) && Number.isFinite(vb) ? (level - va) / (vb - va) : Number.isFinite(va) ? 0 : 1;
            t = Math.min(1, Math.max(0, t));
            positions.push(ai + (axis === 0 ? t : 0), aj + (axis === 1 ? t : 0), ak + (axis === 2 ? t : 0));
          }
          verts[e] = id;
        }
        for (let l = 0; l < loops.length; l++) {
          // a loop's centre: the mean of its crossings, a vertex of this cube alone
          const id = positions.length / 3;
          let x = 0, y = 0, z = 0;
          for (const e of loops[l]) { x += positions[verts[e] * 3]; y += positions[verts[e] * 3 + 1]; z += positions[verts[e] * 3 + 2]; }
          const m = loops[l].length;
          positions.push(x / m, y / m, z / m);
          verts[12 + l] = id;
        }
        for (const e of tris) indices.push(verts[e]);
      }
    }
    onProgress?.((k + 2) / (nz + 1));
  }
  return { positions: Float32Array.from(positions), indices: Uint32Array.from(indices) };
}

/**
 * Optical depth from outside: for every lattice point, the least Σ σ(x)·h over 6-connected lattice paths that
 * reach it from outside the lattice or from a seed (a camera inside the box), σ = softplus(x) per field voxel
 * and h the lattice step in field voxels along the path's axis. exp(−depth) is the most light that reaches the
 * point from anywhere outside, so {depth = −ln(1 − opacity)} is where an outside observer's view of the field
 * turns opaque: a surface without the hollow, unobserved inside of an object (where the density was never
 * supervised and is noise). Computed up to `cap` (points beyond it get `cap`) by Dial's algorithm over `levels`
 * buckets of the cap (a point is re-queued only when it moves to a cheaper bucket).
 */
export function opticalDepth(x: Float32Array, dims: readonly [number, number, number], step: readonly [number, number, number],
  cap: number, opts: { seeds?: readonly number[]; levels?: number } = {}): Float32Array {
  const [nx, ny, nz] = dims, N = nx * ny * nz, Q = opts.levels ?? 64;
  const depth = new Float32Array(N).fill(Infinity);
  const buckets: Int32Array[] = Array.from({ length: Q }, () => new Int32Array(1024)), size = new Int32Array(Q);
  const sigma = (v: number) => (v > 30 ? v : Math.log1p(Math.exp(v)));
  const bucketOf = (d: number) => Math.min(Q - 1, Math.floor((d / cap) * Q));
  const push = (p: number, d: number) => {
    if (!(d < cap) || !(d < depth[p])) return;
    const b = bucketOf(d), was = depth[p];
    depth[p] = d;
    if (was !== Infinity && bucketOf(was) === b) return;
    if (size[b] === buckets[b].length) { const grown = new Int32Array(buckets[b].length * 2); grown.set(buckets[b]); buckets[b] = grown; }
    buckets[b][size[b]++] = p;
  };
  const hMin = Math.min(...step);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    // entering from outside the lattice: the border point's own density over one step
    if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1) {
      const p = i + nx * (j + ny * k);
      push(p, sigma(x[p]) * hMin);
    }
  }
  for (const s of opts.seeds ?? []) if (s >= 0 && s < N) push(s, 0);
  for (let b = 0; b < Q; b++) {
    while (size[b] > 0) {
      const p = buckets[b][--size[b]];
      const d = depth[p];
      if (bucketOf(d) !== b) continue; // moved to a cheaper bucket since
      const i = p % nx, j = Math.floor(p / nx) % ny, k = Math.floor(p / (nx * ny));
      if (i > 0) push(p - 1, d + sigma(x[p - 1]) * step[0]);
      if (i < nx - 1) push(p + 1, d + sigma(x[p + 1]) * step[0]);
      if (j > 0) push(p - nx, d + sigma(x[p - nx]) * step[1]);
      if (j < ny - 1) push(p + nx, d + sigma(x[p + nx]) * step[1]);
      if (k > 0) push(p - nx * ny, d + sigma(x[p - nx * ny]) * step[2]);
      if (k < nz - 1) push(p + nx * ny, d + sigma(x[p + nx * ny]) * step[2]);
    }
  }
  for (let p = 0; p < N; p++) if (depth[p] > cap) depth[p] = cap;
  return depth;
}

/**
 * `mulfa export <snapshot> --mesh out.glb|.ply|.obj [--resolution n] [--threshold t] [--points out.ply [--rays n]
 * [--min-weight w]]`: the trained density as a coloured mesh (marching cubes) and/or a point cloud of high-weight
 * samples along the stored training cameras' rays; files written atomically through three.js's exporters.
 */
import { InputError } from '../../core/errors';
import { extractMesh, extractPoints, checkMeshOptions, MESH_DEFAULTS, POINT_DEFAULTS } from '../../core/mesh/extract';
import { encodeMesh, encodePoints, meshFormatOf, MESH_FORMATS } from '../../datasets/mesh';
import { writeFileAtomic, checkWritableFolder } from '../../datasets/node/files';
import { parse, intFlag, numFlag, UsageError } from '../args';
import { loadTrainer, storedCamera, type StoredCamera } from './eval';
import * as path from 'node:path';

/** The options `mulfa export` takes (cli/help.ts documents each). */
export const EXPORT_OPTIONS = { mesh: { type: 'string' }, resolution: { type: 'string' }, threshold: { type: 'string' },
  points: { type: 'string' }, rays: { type: 'string' }, 'min-weight': { type: 'string' }, quiet: { type: 'boolean' } } as const;

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, EXPORT_OPTIONS, 1);
  if (!values.mesh && !values.points) throw new UsageError('give --mesh out.glb|.ply|.obj and/or --points out.ply');
  const format = values.mesh ? meshFormatOf(values.mesh) : null;
  if (values.mesh && !format) throw new UsageError(`--mesh ${values.mesh}: the name must end in ${MESH_FORMATS.map((f) => '.' + f).join(', ')}`);
  if (values.points && !/\.ply$/i.test(values.points)) throw new UsageError(`--points ${values.points}: point clouds are written as .ply`);
  const opts = {
    resolution: intFlag(values.resolution, 'resolution', 16) ?? MESH_DEFAULTS.resolution,
    threshold: numFlag(values.threshold, 'threshold', 0) ?? MESH_DEFAULTS.threshold,
  };
  const bad = checkMeshOptions(opts);
  if (bad) throw new UsageError(`--${bad}`);
  const rays = intFlag(values.rays, 'rays', 1) ?? POINT_DEFAULTS.rays;
  const minWeight = numFlag(values['min-weight'], 'min-weight', 0) ?? POINT_DEFAULTS.minWeight;
  if (!(minWeight > 0 && minWeight <= 1)) throw new UsageError(`--min-weight must be in (0, 1], got ${minWeight}`);
  // fail before the work when an output folder cannot be written
  for (const out of [values.mesh, values.points]) if (out) checkWritableFolder(path.dirname(path.resolve(out)));
  const trainer = await loadTrainer(positionals[0]);
  const cams = ((trainer.meta.cameras ?? []) as StoredCamera[]).map(storedCamera);
  const quiet = { show() {}, done() {} }, say = values.quiet ? quiet : progressLine();
  try {
    if (values.mesh) {
      const t0 = performance.now();
      const viewpoints = cams.map((c) => [c.c2w[12], c.c2w[13], c.c2w[14]]);
      const mesh = extractMesh(trainer.field, { ...opts, viewpoints, onProgress: (f) => say.show('mesh', f) });
      const V = mesh.positions.length / 3, T = mesh.indices.length / 3;
      if (T === 0) throw new InputError(positionals[0], 'density', `no surface at --threshold ${opts.threshold}: nothing in the field is that opaque (try a lower threshold)`);
      const bytes = await encodeMesh(mesh, format!, path.basename(values.mesh, path.extname(values.mesh)));
      writeFileAtomic(values.mesh, bytes);
      say.done();
      process.stderr.write(`wrote ${values.mesh}: ${V} vertices, ${T} triangles (lattice ${opts.resolution}, threshold ${opts.threshold}) ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    if (values.points) {
      if (cams.length === 0) throw new InputError(positionals[0], 'cameras', 'the snapshot stores no cameras to cast rays from');
      const cloud = extractPoints(trainer.field, cams, trainer.data, { rays, minWeight, onProgress: (f) => say.show('points', f) });
      const P = cloud.positions.length / 3;
      if (P === 0) throw new InputError(positionals[0], 'density', `no sample reaches --min-weight ${minWeight} along ${rays} rays`);
      writeFileAtomic(values.points, encodePoints(cloud));
      say.done();
      process.stderr.write(`wrote ${values.points}: ${P} points from ${rays} rays (weight ≥ ${minWeight})\n`);
    }
  } finally {
    trainer.dispose();
  }
  return 0;
}

/** Progress: one rewritten line on a terminal, a line per quarter otherwise; `done()` clears the terminal line. */
function progressLine(): { show(label: string, fraction: number): void; done(): void } {
  const tty = process.stderr.isTTY, quarters = new Map<string, number>();
  let shown = false;
  return {
    show(label, fraction) {
      const pct = Math.floor(fraction * 100);
      if (tty) { process.stderr.write(`\r${label} ${pct}%\x1b[K`); shown = true; return; }
      const q = Math.floor(pct / 25);
      if ((quarters.get(label) ?? -1) < q) { quarters.set(label, q); process.stderr.write(`${label} ${pct}%\n`); }
    },
    done() { if (shown) process.stderr.write('\r\x1b[K'); shown = false; },
  };
}

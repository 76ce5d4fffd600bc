/**
 * A Blender-format object scene from the analytic demo (the engine issue's quality protocol needs a real
 * Blender scene, which this repository cannot ship): 800×800 RGBA PNGs of `views` cameras on the upper
 * hemisphere, transforms_train.json as Blender's exporter writes it (camera_angle_x, OpenGL camera-to-world
 * transform_matrix rows). `npx tsx bench/blenderScene.ts DIR [--size 800] [--views 100]`.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { demoCameras, renderDemoView, DEMO_FOV_X } from '../datasets/demo/DemoScene';

/** Writes the scene; `part` [k, K] renders only the views i with i % K = k (K processes in parallel), the JSON always. */
export function writeDemoBlender(dir: string, size = 800, views = 100, log: (s: string) => void = () => {}, part: [number, number] = [0, 1]): void {
  const { cameras } = demoCameras({ size, train: views, val: 0, test: 0 });
  mkdirSync(path.join(dir, 'train'), { recursive: true });
  const frames = cameras.map((cam, i) => {
    const file = path.join(dir, 'train', `r_${i}.png`);
    if (i % part[1] === part[0] && !existsSync(file)) {
      const img = renderDemoView(cam);
      const px = new Uint8Array(size * size * 4);
      for (let j = 0; j < px.length; j++) px[j] = Math.round(Math.min(1, Math.max(0, img.data[j])) * 255);
      writeFileSync(file, encode({ width: size, height: size, data: px, channels: 4 }));
      if (i % 10 === 9) log(`  rendered ${i + 1}/${views}`);
    }
    const m = cam.c2w; // column-major 4×4
    const rows = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => m[c * 4 + r]));
    return { file_path: `./train/r_${i}`, rotation: 0, transform_matrix: rows };
  });
  if (part[0] === 0) writeFileSync(path.join(dir, 'transforms_train.json'), JSON.stringify({ camera_angle_x: DEMO_FOV_X, frames }, null, 1));
}

if (process.argv[1]?.endsWith('blenderScene.ts')) { // run as a script (not when bundled into another)
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { size: { type: 'string' }, views: { type: 'string' } } });
  if (!positionals[0]) { process.stderr.write('usage: tsx bench/blenderScene.ts DIR [--size 800] [--views 100]\n'); process.exit(2); }
  writeDemoBlender(positionals[0], Number(values.size ?? 800), Number(values.views ?? 100), (s) => process.stderr.write(s + '\n'));
}

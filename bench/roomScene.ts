/**
 * An unbounded capture made on the spot (the repository ships no real 360° capture): the analytic demo object
 * standing in a room — a checkered floor, a patterned cylindrical wall 9 units away, a sky above — photographed
 * by a ring of inward-facing cameras 4 units from the object, as RGB photos with no alpha and no box, in
 * instant-ngp's transforms.json format (what `colmap2nerf` or a phone capture app writes). Everything beyond
 * the object is real content at a distance, which a box around the object cannot hold.
 * `npx tsx bench/roomScene.ts DIR [--size 160] [--views 64]`.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { lookAt, traceDemoRay, DEMO_FOV_X } from '../datasets/demo/DemoScene';
import { type Camera, pixelRay } from '../core/scene/Camera';

type Vec3 = [number, number, number];

/** Floor height, wall radius and height of the room around the demo object. */
export const ROOM = { floor: -1, wall: 9, top: 5 } as const;

/** Colour of the room (floor, wall, sky) along a ray that misses the object, into out. */
export function roomColor(o: readonly number[], d: readonly number[], out: number[]): void {
  // floor: z = ROOM.floor inside the wall, 0.5-unit checker in two warm greys
  if (d[2] < 0) {
    const t = (ROOM.floor - o[2]) / d[2], x = o[0] + t * d[0], y = o[1] + t * d[1];
    if (Math.hypot(x, y) < ROOM.wall) {
      const c = (Math.floor(x * 2) + Math.floor(y * 2)) & 1;
      out[0] = c ? 0.72 : 0.38; out[1] = c ? 0.66 : 0.35; out[2] = c ? 0.58 : 0.33;
      return;
    }
  }
  // wall: the cylinder x² + y² = wall², from the floor up to `top`; 24 coloured panels around, bands up the wall
  const a = d[0] * d[0] + d[1] * d[1], b = o[0] * d[0] + o[1] * d[1], c = o[0] * o[0] + o[1] * o[1] - ROOM.wall ** 2;
  const t = a > 1e-12 ? (-b + Math.sqrt(Math.max(0, b * b - a * c))) / a : Infinity;
  const z = o[2] + t * d[2];
  if (Number.isFinite(t) && z <= ROOM.top) {
    const phi = Math.atan2(o[1] + t * d[1], o[0] + t * d[0]), panel = Math.floor(((phi + Math.PI) / (2 * Math.PI)) * 24);
    const band = Math.floor((z - ROOM.floor) / 0.75) & 1, hue = (panel * 0.37) % 1;
    const shade = band ? 0.85 : 0.55;
    out[0] = shade * (0.5 + 0.5 * Math.cos(2 * Math.PI * hue));
    out[1] = shade * (0.5 + 0.5 * Math.cos(2 * Math.PI * (hue - 1 / 3)));
    out[2] = shade * (0.5 + 0.5 * Math.cos(2 * Math.PI * (hue - 2 / 3)));
    return;
  }
  // sky: a vertical gradient
  const s = Math.max(0, Math.min(1, d[2]));
  out[0] = 0.55 + 0.25 * s; out[1] = 0.7 + 0.2 * s; out[2] = 0.9 + 0.1 * s;
}

/** The ring of inward-facing cameras: radius 4 around the object, elevations 8°…38°, looking just below its centre. */
export function roomCameras(size: number, views: number): Camera[] {
  return Array.from({ length: views }, (_, i) => {
    const az = (2 * Math.PI * i) / views, el = ((8 + 30 * ((i * 7) % 11) / 10) * Math.PI) / 180;
    const eye: Vec3 = [4 * Math.cos(el) * Math.cos(az), 4 * Math.cos(el) * Math.sin(az), 4 * Math.sin(el) - 0.2];
    return lookAt(eye, [0, 0, -0.2], size, size, DEMO_FOV_X * 1.3);
  });
}

/** One photo: 2×2 supersampled, the object over the room, 8-bit RGB. */
export function renderRoomView(cam: Camera): Uint8Array {
  const px = new Uint8Array(cam.width * cam.height * 3), o = [0, 0, 0], d = [0, 0, 0], c = [0, 0, 0];
  for (let y = 0; y < cam.height; y++) for (let x = 0; x < cam.width; x++) {
    const acc = [0, 0, 0];
    for (let sy = 0; sy < 2; sy++) for (let sx = 0; sx < 2; sx++) {
      pixelRay(cam, x + (sx + 0.5) / 2, y + (sy + 0.5) / 2, o, d);
      if (!traceDemoRay(o as Vec3, d as Vec3, c)) roomColor(o, d, c);
      for (let k = 0; k < 3; k++) acc[k] += c[k] / 4;
    }
    for (let k = 0; k < 3; k++) px[(y * cam.width + x) * 3 + k] = Math.round(Math.min(1, Math.max(0, acc[k])) * 255);
  }
  return px;
}

/** Writes DIR/transforms.json (instant-ngp: OpenGL camera-to-world rows, shared intrinsics, no aabb_scale) and DIR/images/*.png. */
export function writeRoomScene(dir: string, size = 160, views = 64, log: (s: string) => void = () => {}): void {
  const cams = roomCameras(size, views);
  mkdirSync(path.join(dir, 'images'), { recursive: true });
  const frames = cams.map((cam, i) => {
    const name = `images/frame_${String(i).padStart(4, '0')}.png`, file = path.join(dir, name);
    if (!existsSync(file)) {
      writeFileSync(file, encode({ width: size, height: size, data: renderRoomView(cam), channels: 3 }));
      if (i % 16 === 15) log(`  rendered ${i + 1}/${views}`);
    }
    const m = cam.c2w; // column-major 4×4
    return { file_path: name, transform_matrix: [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((k) => m[k * 4 + r])) };
  });
  const c = cams[0];
  writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ fl_x: c.fx, fl_y: c.fy, cx: c.cx, cy: c.cy, w: c.width, h: c.height, frames }, null, 1));
}

if (process.argv[1]?.endsWith('roomScene.ts')) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { size: { type: 'string' }, views: { type: 'string' } } });
  if (!positionals[0]) { process.stderr.write('usage: tsx bench/roomScene.ts DIR [--size 160] [--views 64]\n'); process.exit(2); }
  writeRoomScene(positionals[0], Number(values.size ?? 160), Number(values.views ?? 64), (s) => process.stderr.write(s + '\n'));
}

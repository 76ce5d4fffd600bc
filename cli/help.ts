/**
 * `mulfa <command> --help`: each command's usage, options with units and defaults, and an example; and the
 * nearest known option for a mistyped one. The option lists here are checked against what each command
 * parses (test/cli/help.test.ts), so help cannot drift from the code.
 */

const BACKEND_HELP = 'auto | cpu | webgpu: auto runs on a hardware GPU through WebGPU, on the CPU otherwise (no adapter, or only a software one such as SwiftShader), saying why; default auto';

export interface CommandHelp {
  usage: string;
  about: string;
  /** [flag with its argument, what it does (units, default)] */
  options: [string, string][];
  example: string;
}

const DATASET_OPTIONS: [string, string][] = [
  ['--downscale n', 'divide images and intrinsics by the integer n (area average; LLFF images_n/ used when present); default 1'],
  ['--holdout k', 'for a scene with only a training split: every k-th view becomes the test split (views 0, k, 2k, … for LLFF as in its own protocol; k − 1, 2k − 1, … otherwise); default none'],
];

const SCENE_OPTION: [string, string] = ['--scene s', 'bounded | unbounded | forward: the grid spans a box (bounded), a foreground cube with the world beyond contracted around it (unbounded: captures looking all around), or normalized device coordinates of the mean camera out to infinity (forward: captures looking one way); default: bounded for objects on a background (Blender, the demo), forward for LLFF and captures looking one way, unbounded for other captures'];

export const HELP: Record<string, CommandHelp> = {
  info: {
    usage: 'mulfa info <dataset|demo> [options]',
    about: 'Reads a dataset (Blender, instant-ngp/nerfstudio, LLFF, COLMAP) and prints what the loaders found: format, images, splits, size, intrinsics, distortion, box, near/far.',
    options: [...DATASET_OPTIONS, SCENE_OPTION, ['--json', 'print one JSON object instead of a table']],
    example: 'mulfa info ../shared/data/fern --downscale 8 --holdout 8',
  },
  train: {
    usage: 'mulfa train <dataset|demo> [options]',
    about: 'Trains a radiance field with progress, periodic snapshots (<out>/latest.mulfa) and a final one (<out>/final.mulfa), then evaluates the held-out views.',
    options: [
      ['--model m', 'mulfagrid | dense | fouriergrid | hash; default mulfagrid'],
      ...DATASET_OPTIONS,
      SCENE_OPTION,
      ['--exposure on|off|auto', 'learn a per-photo exposure and white balance (an affine colour per training view, used in the loss only; evaluation and renders go without it); auto: on for captured photos (no background), off for synthetic scenes'],
      ['--distortion w', 'weight of the distortion loss (mip-NeRF 360: gathers each ray\'s weight into one surface, against floaters); default 0.01 for unbounded scenes, else 0; also over a resumed snapshot\'s'],
      ['--time-budget sec', 'seconds of training; default 300 (none when --max-steps is given); the learning-rate decay is fitted to the steps it holds at the measured pace'],
      ['--max-steps n', 'stop at step n (absolute, also when resuming); also sets the learning-rate decay length; default none'],
      ['--resolution r', 'final grid resolution, vertices per axis (≥ 8); default 96'],
      ['--seed s', 'random seed; runs with --max-steps are reproducible from it; default 0'],
      ['--batch-rays n', 'rays per step; default 1024 (a GPU takes 8192 or more)'],
      ['--backend b', BACKEND_HELP],
      ['--out dir', 'folder for the snapshots; default mulfa-out'],
      ['--resume file.mulfa', 'continue from a snapshot exactly where it stopped'],
      ['--snapshot-every sec', 'seconds of training between periodic snapshots (≥ 1); default 60'],
      ['--skip-eval', 'no held-out evaluation at the end (mulfa eval can do it later)'],
      ['--json', 'print the result as one JSON line last on stdout'],
      ['--quiet', 'no progress lines'],
    ],
    example: 'mulfa train demo --model dense --time-budget 60 --out runs/demo',
  },
  eval: {
    usage: 'mulfa eval <snapshot.mulfa> <dataset|demo> [options]',
    about: 'PSNR and SSIM of a trained field on the held-out views (the test split, or the views --holdout sets aside), per view and mean.',
    options: [...DATASET_OPTIONS, ['--backend b', BACKEND_HELP], ['--json', 'print {psnr, ssim, views, per_view} as JSON']],
    example: 'mulfa eval runs/demo/final.mulfa demo',
  },
  render: {
    usage: 'mulfa render <snapshot.mulfa> (--view i | --pose json | --orbit | --path file) --out file [options]',
    about: 'Renders an image of a stored camera or a pose with the engine, or a video (MP4/H.264 built in, WebM/VP9 with ffmpeg) of an orbit or a nerfstudio camera path.',
    options: [
      ['--view i', 'render stored training camera i'],
      ['--backend b', BACKEND_HELP],
      ['--pose json|file', '{"transform_matrix": 4×4 OpenGL camera-to-world, "camera_angle_x": radians}'],
      ['--orbit', 'a full turn around the box centre (radius, elevation, field of view from the training cameras)'],
      ['--path camera_path.json', 'a nerfstudio camera path'],
      ['--out file', 'image.png, or video.mp4 / video.webm with --orbit/--path (required)'],
      ['--size WxH', 'output size in pixels; default the training images\' (made even for video)'],
      ['--frames n', 'orbit frames; default 120'],
      ['--fps f', 'frames per second; default 30'],
      ['--elevation deg', 'orbit elevation above its plane, degrees; default the cameras\' mean'],
      ['--radius r', 'orbit radius, scene units; default the cameras\' mean distance'],
      ['--save-path file.json', 'also write the frames\' cameras as a nerfstudio camera path'],
    ],
    example: 'mulfa render runs/demo/final.mulfa --orbit --frames 60 --out orbit.mp4',
  },
  gtk: {
    usage: 'mulfa gtk <snapshot.mulfa> [options]',
    about: 'Grid tangent kernel of the trained density or colour grid on points chosen by rendering weight: eigenvalues, Fourier spectrum along a line, spectral breadth and Δ.',
    options: [
      ['--grid g', 'density | color; default density'],
      ['--points n', 'GTK size n × n (2..4096); default 1024'],
      ['--line m', 'points on the line for the Fourier spectrum (≥ 8); default 256'],
      ['--baseline m', 'also the same for a fixed-kernel model: dense | fouriergrid | hash'],
      ['--seed s', 'point selection seed; default 0'],
      ['--backend b', 'where a learned kernel\'s dense product J Jᵀ runs: auto | cpu (TF.js WebAssembly) | webgpu (TF.js WebGPU); default auto'],
      ['--json', 'print the report as JSON'],
      ['--png file', 'plots: .svg (no dependency) or .png (needs the optional package sharp)'],
    ],
    example: 'mulfa gtk runs/demo/final.mulfa --grid color --points 512 --baseline dense --png gtk.svg',
  },
  export: {
    usage: 'mulfa export <snapshot.mulfa> [--mesh out.glb|.ply|.obj] [--points out.ply] [options]',
    about: 'Geometry of the trained field: a closed, vertex-coloured triangle mesh of the density by marching cubes (glTF binary, PLY or OBJ, through three.js\'s exporters), and a point cloud (PLY) of the samples carrying the most weight along rays of the stored training cameras. Files are written atomically.',
    options: [
      ['--mesh file', 'write the mesh; the format follows the extension: .glb, .ply or .obj'],
      ['--resolution n', 'marching-cubes lattice points along the box\'s longest side (16..512); default 256'],
      ['--threshold t', 'surface level: the opacity light from outside has met there, in (0, 1) (0.5: half the light is gone); default 0.5'],
      ['--points file', 'write a point cloud (.ply)'],
      ['--rays n', 'rays cast through random pixels of the training cameras for the point cloud; default 200000'],
      ['--min-weight w', 'keep samples carrying at least this fraction of their ray\'s colour, in (0, 1]; default 0.1'],
      ['--quiet', 'no progress lines'],
    ],
    example: 'mulfa export runs/demo/final.mulfa --mesh demo.glb --resolution 192 --points demo-points.ply',
  },
  process: {
    usage: 'mulfa process <photos-folder|video> --out <dataset> [options]',
    about: 'Makes a dataset from photos or a video with COLMAP on the CPU (SIFT features, matching, incremental mapping): <out>/images/ and <out>/sparse/0/, which mulfa train reads. Needs the colmap program (Debian/Ubuntu: apt-get install colmap) and, for video, ffmpeg.',
    options: [
      ['--out dir', 'the new dataset folder (must not exist or be empty); required'],
      ['--fps f', 'video input: frames sampled per second of video; default 2'],
      ['--max-frames n', 'video input: at most this many frames; default 300'],
      ['--exhaustive-max n', 'match every pair of photos up to n photos, neighbours in order (sequential matching, for video) beyond; default 150'],
      ['--camera-model m', 'OPENCV | SIMPLE_RADIAL | PINHOLE | OPENCV_FISHEYE, one camera shared by all photos; default OPENCV'],
      ['--min-registered n', 'fail unless COLMAP places at least n photos; default half of them (at least 3)'],
      ['--colmap path', 'the COLMAP program; default colmap on the PATH'],
      ['--json', 'print {dataset, images, registered, not_registered, seconds} as JSON'],
      ['--quiet', 'no progress lines'],
    ],
    example: 'mulfa process ~/photos/plant --out datasets/plant && mulfa train datasets/plant',
  },
};

export function formatHelp(cmd: string): string {
  const h = HELP[cmd];
  const width = Math.max(...h.options.map(([f]) => f.length));
  return [`Usage: ${h.usage}`, '', h.about, '', 'Options:',
    ...h.options.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    `  ${'--debug'.padEnd(width)}  show stack traces of errors`,
    `  ${'--help'.padEnd(width)}  this text`, '', `Example: ${h.example}`].join('\n');
}

/** Edit distance (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/** The known option nearest to a mistyped one (within a third of its length), or null. */
export function nearestOption(typed: string, known: string[]): string | null {
  const t = typed.replace(/^-+/, '');
  let best: string | null = null, bestD = Infinity;
  for (const k of known) {
    const dd = k.startsWith(t) || t.startsWith(k) ? Math.min(1, distance(t, k)) : distance(t, k);
    if (dd < bestD) { bestD = dd; best = k; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(t.length / 3)) ? best : null;
}

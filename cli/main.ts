/** `mulfa <command>`: parses the command line and turns errors into one clear line and an exit code. */
import { isInputError } from '../core/errors';
import { UsageError } from './args';
import { infoCommand } from './commands/info';
import { trainCommand } from './commands/train';
import { evalCommand } from './commands/eval';
import { renderCommand } from './commands/render';
import { gtkCommand } from './commands/gtk';
import { exportCommand } from './commands/export';
import { processCommand } from './commands/process';
import { formatHelp } from './help';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Bad input or usage: the user can fix it. */
export const EXIT_BAD_INPUT = 2;

const USAGE = `mulfa — MulFA Studio on the command line

Usage:
  mulfa info <dataset|demo> [--downscale n] [--holdout k] [--scene s] [--json]
  mulfa train <dataset|demo> [--model mulfagrid|dense|fouriergrid|hash] [--downscale n] [--holdout k] [--scene s]
              [--time-budget sec] [--max-steps n] [--resolution r] [--seed s] [--out dir] [--resume snapshot]
              [--snapshot-every sec] [--batch-rays n] [--backend auto|cpu|webgpu] [--skip-eval] [--json]
  mulfa eval <snapshot> <dataset|demo> [--downscale n] [--holdout k] [--backend b] [--json]
  mulfa render <snapshot> --view i | --pose <json|file> [--size WxH] [--backend b] --out image.png
  mulfa render <snapshot> --orbit | --path camera_path.json [--frames n] [--fps f] [--size WxH] [--elevation deg]
               [--radius r] [--save-path path.json] --out video.mp4|video.webm
  mulfa gtk <snapshot> [--grid density|color] [--points n] [--baseline dense|fouriergrid|hash] [--seed s] [--json] [--png out.png|out.svg]
  mulfa export <snapshot> [--mesh out.glb|out.ply|out.obj] [--resolution n] [--threshold t] [--points out.ply] [--rays n] [--min-weight w]
  mulfa process <photos-folder|video> --out <dataset> [--fps f] [--max-frames n] [--exhaustive-max n] [--camera-model m] [--colmap path] [--json]

<dataset> is a folder (or a file in it) in the NeRF Blender, instant-ngp/nerfstudio, LLFF or COLMAP
format; "demo" is the built-in procedural scene. Add --debug to see stack traces; mulfa <command> --help
for a command's options, defaults and an example.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  info: infoCommand,
  train: trainCommand,
  eval: evalCommand,
  render: renderCommand,
  gtk: gtkCommand,
  export: exportCommand,
  process: processCommand,
};

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd ? EXIT_OK : EXIT_BAD_INPUT;
  }
  const run = COMMANDS[cmd] as (typeof COMMANDS)[string] | undefined;
  if (run && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(formatHelp(cmd) + '\n');
    return EXIT_OK;
  }
  if (!run) {
    process.stderr.write(`mulfa: unknown command "${cmd}" (commands: ${Object.keys(COMMANDS).join(', ')}; see mulfa --help)\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (debug) process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    if (isInputError(e) || e instanceof UsageError) {
      process.stderr.write(`mulfa ${cmd}: ${oneLine((e as Error).message)}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`mulfa ${cmd}: internal error: ${oneLine(e instanceof Error ? e.message : String(e))}` +
      `${debug ? '' : ' (run with --debug for details)'}\n`);
    return EXIT_FAILURE;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** `mulfa info <dataset>`: what a dataset holds, after downscaling and the holdout split. */
import { sceneInfo } from '../../datasets/info';
import { describeSpace } from '../../core/scene/space';
import { parse, intFlag, openScene, sceneFlag } from '../args';

/** The options `mulfa info` takes (cli/help.ts documents each). */
export const INFO_OPTIONS = {
  downscale: { type: 'string' },
  holdout: { type: 'string' },
  scene: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function infoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, INFO_OPTIONS, 1);
  const scene = await openScene(positionals[0], {
    downscale: intFlag(values.downscale, 'downscale', 1),
    holdout: intFlag(values.holdout, 'holdout', 2),
    scene: sceneFlag(values.scene),
  });
  const info = sceneInfo(scene);
  if (values.json) {
    process.stdout.write(JSON.stringify(info) + '\n');
    return 0;
  }
  const r = (x: number) => Number(x.toFixed(4));
  const lines = [
    `${scene.label}: ${info.format}`,
    `images      ${info.images} (train ${info.splits.train}, val ${info.splits.val}, test ${info.splits.test})`,
    `size        ${info.width}×${info.height}${info.downscale > 1 ? ` (downscaled ${info.downscale}×)` : ''}`,
    `intrinsics  fx ${r(info.fx)}  fy ${r(info.fy)}  cx ${r(info.cx)}  cy ${r(info.cy)} (first camera, pixels)`,
    `distortion  ${info.distortion ? `${info.fisheye ? 'fisheye ' : ''}${Object.entries(info.distortion).map(([k, v]) => `${k} ${v}`).join('  ')}` : 'none'}`,
    `aabb        [${info.aabb[0].map(r).join(', ')}] – [${info.aabb[1].map(r).join(', ')}]`,
    `near / far  ${r(info.near)} / ${r(info.far)}`,
    `scene       ${describeSpace(info.space)}`,
    `background  ${info.background ? `rgb(${info.background.join(', ')}) behind alpha` : 'none (pixels kept)'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

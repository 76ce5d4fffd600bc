/**
 * `npm run bench [-- --json] [--only decode,decoder,step,train,psnr,gram] [--reps n] [--models dense,…] [--seconds s]`: runs the benchmarks, prints human lines on stderr and,
 * with --json, one JSON object as the last stdout line. Benchmarks never fail because a machine is slow.
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import { benchDecode } from './decode';
import { benchDecoder } from './decoder';
import { benchStep, benchTrain, benchPsnr } from './step';
import { benchGram } from './gram';
import type { GridKind } from '../core/field/GridModel';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, only: { type: 'string' }, reps: { type: 'string' },
  models: { type: 'string' }, seconds: { type: 'string' } } });
const models = values.models ? (values.models.split(',') as GridKind[]) : undefined;

const BENCHES: Record<string, (log: (s: string) => void) => Promise<unknown>> = {
  decode: benchDecode,
  decoder: (log) => benchDecoder(log, { reps: values.reps ? Number(values.reps) : undefined }),
  step: (log) => benchStep(log, { reps: values.reps ? Number(values.reps) : undefined, models }),
  train: (log) => benchTrain(log, { seconds: values.seconds ? Number(values.seconds) : undefined, models }),
  psnr: (log) => benchPsnr(log, { models }),
  gram: (log) => benchGram(log),
};

const log = (s: string) => process.stderr.write(s + '\n');
const names = values.only ? values.only.split(',') : Object.keys(BENCHES);
const result: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.arch()}` },
};
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) { log(`unknown benchmark "${name}" (have: ${Object.keys(BENCHES).join(', ')})`); process.exit(2); }
  log(`== ${name}`);
  result[name] = await bench(log);
}
if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
else process.stdout.write(JSON.stringify(result, null, 2) + '\n');

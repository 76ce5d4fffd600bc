/**
 * The fuzzer's worker process: builds the valid seed files once, then runs the cases the parent sends,
 * each through the entry points the CLI and the app use, and answers with the outcome and the process's
 * peak resident memory so far (the parent turns a jump in it into a finding).
 */
import { MemoryFS } from '../../datasets/fs';
import { loadScene } from '../../datasets/load';
import { decodeImage, probeImage } from '../../datasets/image/decode';
import { decodeSnapshot } from '../../core/io/snapshot';
import { Trainer } from '../../core/train/Trainer';
import { isInputError } from '../../core/errors';
import type { StoredCamera } from '../../core/train/snapshotHeader';
import { storedCamera } from '../../cli/commands/eval';
import { makeSeeds, mutant, type Mutant } from './mutants';

export interface CaseResult { index: number; kind: string; what: string; file: string; outcome: 'ok' | 'refused' | 'crash'; message: string; maxRssMiB: number; ms: number }

async function runCase(m: Mutant): Promise<void> {
  if (m.target === 'dataset') {
    const scene = await loadScene(new MemoryFS('fuzz', Object.fromEntries(m.files)), {});
    for (let i = 0; i < Math.min(3, scene.views.length); i++) await scene.loadImage(i);
  } else if (m.target === 'snapshot') {
    const t = Trainer.fromSnapshot(decodeSnapshot(m.files.get(m.file)!, m.file), m.file, null);
    try {
      const cams = (t.meta.cameras as StoredCamera[]).map(storedCamera);
      if (cams.length > 0) t.renderView({ ...cams[0], width: 6, height: 4, cx: 3, cy: 2 });
    } finally {
      t.dispose();
    }
  } else {
    const bytes = m.files.get(m.file)!;
    const info = probeImage(bytes, m.file);
    decodeImage(bytes, m.file, 1);
    if (info.width >= 2 && info.height >= 2) decodeImage(bytes, m.file, 2);
  }
}

const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<void> {
  const seeds = await makeSeeds();
  process.send!({ ready: true, maxRssMiB: maxRssMiB() });
  process.on('message', async (msg: { seed: number; index: number }) => {
    const m = mutant(seeds, msg.seed, msg.index);
    const t0 = performance.now();
    let outcome: CaseResult['outcome'] = 'ok', message = '';
    try {
      await runCase(m);
    } catch (e) {
      outcome = isInputError(e) ? 'refused' : 'crash';
      message = e instanceof Error ? (outcome === 'crash' ? `${e.name}: ${e.message} ${e.stack?.split('\n')[1]?.trim() ?? ''}` : e.message) : String(e);
    }
    const r: CaseResult = { index: msg.index, kind: m.kind, what: m.what, file: m.file, outcome, message: message.slice(0, 300), maxRssMiB: maxRssMiB(), ms: performance.now() - t0 };
    process.send!(r);
  });
}

void main();

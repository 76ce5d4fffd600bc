// kill -9 during training: the last periodic snapshot is intact and `--resume` continues from it.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { TempDir } from '../fixtures/datasets';
import { REPO, runProcess } from './run';
import { decodeSnapshot } from '../../core/io/snapshot';
import { Trainer } from '../../core/train/Trainer';

const d = new TempDir();
afterAll(() => d.dispose());

describe('SIGKILL during training', () => {
  it('leaves the last snapshot whole; a resume continues from its step', async () => {
    const out = d.path('run');
    const child = spawn(process.execPath, [path.join(REPO, 'cli/mulfa.js'), 'train', 'demo', '--model', 'dense', '--resolution', '16',
      '--downscale', '8', '--time-budget', '120', '--snapshot-every', '1', '--out', out, '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code, sig) => r(sig ? null : code)));
    // wait for two periodic snapshots (the second replaces the first while training runs)
    const latest = path.join(out, 'latest.mulfa');
    const t0 = Date.now();
    let firstMtime = 0;
    while (Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(latest)) continue;
      const m = (await import('node:fs')).statSync(latest).mtimeMs;
      if (firstMtime === 0) firstMtime = m;
      else if (m !== firstMtime) break;
    }
    await new Promise((r) => setTimeout(r, 300)); // somewhere in the middle of training (maybe of a write)
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
    expect(existsSync(path.join(out, 'final.mulfa'))).toBe(false);
    const bytes = new Uint8Array(readFileSync(latest));
    const step = Trainer.fromSnapshot(decodeSnapshot(bytes, latest), latest, null).step;
    expect(step).toBeGreaterThan(0);
    const r = runProcess(['train', 'demo', '--downscale', '8', '--resume', latest, '--max-steps', String(step + 5), '--out', out, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resumed ${latest} at step ${step}`);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).steps).toBe(step + 5);
    // a temp file of the interrupted write may be left (never a broken latest.mulfa); nothing else is
    expect(readdirSync(out).filter((f) => !f.startsWith('.latest.mulfa.tmp-')).sort()).toEqual(['final.mulfa', 'latest.mulfa']);
  }, 150_000);
});

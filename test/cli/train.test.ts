// mulfa train / eval / render end to end on a small demo, as a user runs them (real processes for exit codes).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { TempDir, writeNgp } from '../fixtures/datasets';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { decodeSnapshot } from '../../core/io/snapshot';
import { runProcess, REPO } from './run';

const dirs: TempDir[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('mulfa train, eval, render', () => {
  const d = new TempDir();
  dirs.push(d);
  const out = d.path('run');

  it('train writes final.mulfa and prints the result JSON last', () => {
    const r = runProcess(['train', 'demo', '--model', 'dense', '--max-steps', '80', '--resolution', '16', '--downscale', '4', '--out', out, '--json', '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect(j).toMatchObject({ steps: 80, holdout_views: 10, model: 'dense' });
    for (const k of ['seconds', 'train_psnr', 'holdout_psnr', 'holdout_ssim']) expect(typeof j[k]).toBe('number');
    // the same run untrained (1 step) scores 10.0 dB held out; 80 steps score 17.3 here (seeded)
    expect(j.holdout_psnr as number).toBeGreaterThan(15);
    expect(existsSync(`${out}/final.mulfa`)).toBe(true);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]); // no temp files left
  }, 180_000);

  it('eval reproduces the held-out PSNR of train', () => {
    const t = lastJson(runProcess(['train', 'demo', '--model', 'dense', '--max-steps', '80', '--resolution', '16', '--downscale', '4', '--out', d.path('run2'), '--json', '--seed', '3']).stdout);
    const r = runProcess(['eval', `${out}/final.mulfa`, 'demo', '--downscale', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const e = lastJson(r.stdout);
    expect(e.views).toBe(10);
    expect(e.psnr as number).toBeCloseTo(t.holdout_psnr as number, 2); // same seed, same steps: same field
  }, 180_000);

  it('render writes a PNG of the requested size that real decoders read', () => {
    const png = d.path('view.png');
    const r = runProcess(['render', `${out}/final.mulfa`, '--view', '65', '--size', '40x30', '--out', png]);
    expect(r.code, r.stderr).toBe(0);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([40, 30]);
    const pose = JSON.stringify({ transform_matrix: [[1, 0, 0, 0], [0, 0, -1, -4], [0, 1, 0, 0.5], [0, 0, 0, 1]], camera_angle_x: 0.7 });
    const r2 = runProcess(['render', `${out}/final.mulfa`, '--pose', pose, '--out', d.path('pose.png')]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(decodePng(readFileSync(d.path('pose.png'))).width).toBe(32);
  }, 120_000);

  it('gtk reports descending eigenvalues, a line spectrum, Δ, and writes a readable PNG', () => {
    const png = d.path('gtk.png');
    const r = runProcess(['gtk', `${out}/final.mulfa`, '--grid', 'color', '--points', '64', '--baseline', 'hash', '--json', '--png', png]);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout) as { eigenvalues: number[]; fourier: number[]; delta: number; points: number; grid: string; model: string;
      baseline: { model: string; eigenvalues: number[] } };
    expect(j).toMatchObject({ points: 64, grid: 'color', model: 'dense' });
    expect(j.eigenvalues).toHaveLength(64);
    for (let i = 1; i < 64; i++) expect(j.eigenvalues[i]).toBeLessThanOrEqual(j.eigenvalues[i - 1]);
    expect(j.eigenvalues[63]).toBeGreaterThan(-1e-9); // a GTK is positive semi-definite
    expect(j.fourier).toHaveLength(129); // 256 line points: frequencies 0..128
    expect(j.delta).toBeGreaterThan(0);
    expect(j.baseline.model).toBe('hash');
    const img = decodePng(readFileSync(png));
    expect(img.width).toBeGreaterThan(600);
    const bad = runProcess(['gtk', `${out}/final.mulfa`, '--grid', 'alpha']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--grid must be density or color');
  }, 120_000);

  it('Ctrl-C stops training cleanly: a final snapshot that resumes, exit 130', async () => {
    const out2 = d.path('interrupted');
    const child = spawn(process.execPath, [path.join(REPO, 'cli/mulfa.js'), 'train', 'demo', '--model', 'dense', '--resolution', '16',
      '--downscale', '4', '--time-budget', '120', '--out', out2, '--json'], { cwd: REPO });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        stderr += String(b);
        if (/step \d+ /.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('stopping after this step');
    const snap = decodeSnapshot(new Uint8Array(readFileSync(`${out2}/final.mulfa`)), 'final.mulfa');
    expect((snap.header as unknown as { step: number }).step).toBeGreaterThan(0);
  }, 180_000);

  it('resume continues from the snapshot step (--distortion over the snapshot\'s weight)', () => {
    const r = runProcess(['train', 'demo', '--resume', `${out}/final.mulfa`, '--max-steps', '100', '--downscale', '4', '--out', d.path('run3'), '--json',
      '--distortion', '0.25']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).steps).toBe(100); // the snapshot stopped at 80
    expect(r.stderr).toContain('resumed');
    const config = (s: string) => (decodeSnapshot(new Uint8Array(readFileSync(s)), s).header as unknown as { config: { distortion: number } }).config;
    expect(config(`${out}/final.mulfa`).distortion).toBe(0); // the demo is bounded: no distortion loss by default
    expect(config(d.path('run3/final.mulfa')).distortion).toBe(0.25);
  }, 180_000);

  it('trains a captured-style dataset with lens distortion and a holdout split', () => {
    const ds = new TempDir();
    dirs.push(ds);
    writeNgp(ds, { n: 9, jpeg: true, distortion: { k1: -0.05, p1: 0.001 } });
    const r = runProcess(['train', ds.path(), '--model', 'mulfagrid', '--max-steps', '3', '--resolution', '12', '--holdout', '3',
      '--out', d.path('ngp'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect(j).toMatchObject({ steps: 3, holdout_views: 3, model: 'mulfagrid' });
    expect(Number.isFinite(j.holdout_psnr)).toBe(true);
  }, 180_000);

  it('a corrupt snapshot or bad flag: one line, exit 2', () => {
    const bad = d.path('bad.mulfa');
    const bytes = readFileSync(`${out}/final.mulfa`);
    writeFileSync(bad, bytes.subarray(0, bytes.length - 1000));
    for (const args of [['eval', bad, 'demo'], ['render', bad, '--view', '0', '--out', d.path('x.png')], ['train', 'demo', '--model', 'nerf'], ['train', 'demo', '--distortion', '-1'],
      ['render', `${out}/final.mulfa`, '--view', '999', '--out', d.path('x.png')], ['eval', d.path('missing.mulfa'), 'demo']]) {
      const r = runProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
    expect(existsSync(d.path('x.png'))).toBe(false);
  }, 120_000);
});

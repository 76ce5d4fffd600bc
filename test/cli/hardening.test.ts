// What a failing disk or encoder may do to a run: nothing is lost, nothing half-written is left, one line
// and exit 2 when the user has something to fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { TempDir } from '../fixtures/datasets';
import { runProcess } from './run';
import { writeFileAtomic } from '../../datasets/node/files';
import { openVideo } from '../../cli/video';
import { decodeSnapshot } from '../../core/io/snapshot';
import { Trainer } from '../../core/train/Trainer';
import { editSnapshot } from '../fixtures/snapshots';

const d = new TempDir();
afterAll(() => d.dispose());
const TINY = ['--model', 'dense', '--resolution', '16', '--downscale', '8', '--quiet'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

function oneLine(stderr: string): string {
  // warnings and --backend auto's choice are not errors
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('warning:') && !l.startsWith('auto → '));
  expect(lines, stderr).toHaveLength(1);
  return lines[0];
}

describe('training survives failed writes', () => {
  it('an output folder that cannot be created fails before training (exit 2, one line)', () => {
    writeFileSync(d.path('afile'), 'x');
    const r = runProcess(['train', 'demo', ...TINY, '--max-steps', '5', '--out', d.path('afile/run')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/afile\/run.*cannot create the folder/);
  });

  it('a periodic snapshot that cannot be written is reported and training goes on', () => {
    const out = d.path('periodic');
    mkdirSync(path.join(out, 'latest.mulfa'), { recursive: true }); // a non-empty folder where the snapshot goes
    writeFileSync(path.join(out, 'latest.mulfa', 'keep'), 'x');
    const r = runProcess(['train', 'demo', ...TINY, '--time-budget', '3', '--snapshot-every', '1', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*latest\.mulfa.*training goes on/);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(res.steps).toBeGreaterThan(5);
    expect(existsSync(path.join(out, 'final.mulfa'))).toBe(true);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('a final snapshot that cannot be written is retried, then rescued to the temp folder (exit 2 naming it)', () => {
    const out = d.path('final');
    mkdirSync(path.join(out, 'final.mulfa'), { recursive: true });
    writeFileSync(path.join(out, 'final.mulfa', 'keep'), 'x');
    const r = runProcess(['train', 'demo', ...TINY, '--max-steps', '4', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/warning: /g)).toHaveLength(3);
    const line = oneLine(r.stderr);
    const rescue = /saved to (\S+) instead/.exec(line)![1];
    const t = Trainer.fromSnapshot(decodeSnapshot(new Uint8Array(readFileSync(rescue)), rescue), rescue, null);
    expect(t.step).toBe(4);
    rmSync(rescue);
  }, 60_000);

  it('atomic writes replace a symlink at the target instead of writing through it', () => {
    const victim = d.path('victim.txt');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, d.path('out.bin'));
    writeFileAtomic(d.path('out.bin'), new Uint8Array([1, 2, 3]));
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(lstatSync(d.path('out.bin')).isSymbolicLink()).toBe(false);
    expect([...readFileSync(d.path('out.bin'))]).toEqual([1, 2, 3]);
  });
});

describe('video export failures', () => {
  beforeAll(() => {
    const r = runProcess(['train', 'demo', ...TINY, '--max-steps', '3', '--out', d.path('run')]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('a crafted snapshot is refused by every command that reads one: one line, exit 2, in well under 30 s', () => {
    const good = new Uint8Array(readFileSync(d.path('run/final.mulfa')));
    writeFileSync(d.path('bad.mulfa'), editSnapshot(good, (h) => { h.config.field.occupancyRes = 1625; }));
    for (const args of [['eval', d.path('bad.mulfa'), 'demo', '--downscale', '8'], ['render', d.path('bad.mulfa'), '--view', '0', '--out', d.path('x.png')],
      ['gtk', d.path('bad.mulfa'), '--points', '16'], ['train', 'demo', '--resume', d.path('bad.mulfa'), '--max-steps', '5', '--out', d.path('r2')]]) {
      const t0 = Date.now();
      const r = runProcess(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/bad\.mulfa, config\.field\.occupancyRes: must be between 1 and 512, found 1625/);
      expect(Date.now() - t0).toBeLessThan(30_000);
    }
    expect(existsSync(d.path('x.png'))).toBe(false);
    expect(existsSync(d.path('r2/final.mulfa'))).toBe(false);
  }, 120_000);

  it('importing the H.264 encoder leaves no process-wide exception handlers behind', async () => {
    const n = () => process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
    const before = n();
    const v = await openVideo(d.path('v.mp4'), 16, 16, 10);
    v.abort();
    expect(n()).toBe(before);
    expect(existsSync(d.path('v.mp4'))).toBe(false);
  });

  it.skipIf(!hasFfmpeg)('WebM into a folder that cannot exist: exit 2, one line, nothing left', () => {
    writeFileSync(d.path('afile2'), 'a file where the folder should be');
    const r = runProcess(['render', d.path('run/final.mulfa'), '--orbit', '--frames', '4', '--size', '16x16', '--out', d.path('afile2/v.webm')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/afile2\/v\.webm: cannot create the folder/);
  });

  it.skipIf(!hasFfmpeg)('ffmpeg dying mid-stream (EPIPE): exit 2 with its message, no partial or temp file', () => {
    const bin = d.path('fakebin');
    mkdirSync(bin, { recursive: true });
    // answers -version like ffmpeg, then fails at once when asked to encode
    writeFileSync(path.join(bin, 'ffmpeg'), '#!/bin/sh\n[ "$1" = -version ] && exit 0\necho "Unknown encoder libvpx-vp9" >&2\nexit 1\n');
    chmodSync(path.join(bin, 'ffmpeg'), 0o755);
    const out = d.path('vids');
    mkdirSync(out, { recursive: true });
    const r = spawnSync(process.execPath, [path.resolve('cli/mulfa.js'), 'render', d.path('run/final.mulfa'), '--orbit', '--frames', '30', '--size', '64x64',
      '--out', path.join(out, 'v.webm')], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(oneLine(r.stderr.split('\n').filter((l) => !/frame|ETA|\r/.test(l)).join('\n'))).toMatch(/v\.webm: video encoding failed \(ffmpeg: Unknown encoder libvpx-vp9\)/);
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);
});

// `mulfa train --backend webgpu` in Node (Dawn through the npm webgpu package) on SwiftShader, Debian
// Chromium's software Vulkan driver: the same 60-step demo run as on the CPU lands within 0.5 dB of it, a run
// hops CPU → WebGPU → CPU through snapshots and ends where the CPU-only run does, `auto` never picks the
// software adapter, and a missing adapter or an over-size configuration is one line and exit 2.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { decodeSnapshot } from '../../core/io/snapshot';
import { Trainer } from '../../core/train/Trainer';
import { TempDir, writeForwardDemo } from '../fixtures/datasets';
import { runProcess, type CliResult } from './run';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const d = new TempDir();
afterAll(() => d.dispose());

// small enough for SwiftShader (a CPU emulating a GPU: ~2 s per 128-ray step here)
const RUN = ['demo', '--model', 'dense', '--batch-rays', '128', '--downscale', '2', '--seed', '3', '--quiet', '--json'];
function mulfa(args: string[], env: Record<string, string> = { VK_ICD_FILENAMES: ICD }): CliResult & { json: Record<string, unknown> } {
  const r = runProcess(args, undefined, { env, timeoutMs: 500_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { ...r, json: r.code === 0 && last.startsWith('{') ? JSON.parse(last) : {} };
}
// WebGPU runs skip the final evaluation (SwiftShader renders ~10k samples/s); their snapshots are evaluated on the CPU
function train(out: string, args: string[], env?: Record<string, string>) {
  return mulfa(['train', ...RUN, '--out', d.path(out), ...args, ...(args.includes('webgpu') ? ['--skip-eval'] : [])], env);
}
function holdout(out: string): number {
  const r = mulfa(['eval', d.path(`${out}/final.mulfa`), 'demo', '--downscale', '2', '--backend', 'cpu', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.json.psnr as number;
}

describe.skipIf(!existsSync(ICD))('mulfa train --backend webgpu (Node, SwiftShader)', () => {
  let cpu60 = 0;

  it('trains the demo within 0.5 dB of the CPU run', () => {
    const cpu = train('cpu60', ['--max-steps', '60', '--backend', 'cpu']);
    expect(cpu.code, cpu.stderr).toBe(0);
    cpu60 = cpu.json.holdout_psnr as number;
    const gpu = train('gpu60', ['--max-steps', '60', '--backend', 'webgpu', '--snapshot-every', '100000']); // no periodic copies in the counts
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(gpu.stderr).toMatch(/on WebGPU \(google swiftshader\)/);
    expect(gpu.json.backend).toBe('webgpu');
    expect(gpu.json.steps).toBe(60);
    expect(cpu60).toBeGreaterThan(14); // it learned (after one step: 10.5 dB)
    expect(Math.abs(holdout('gpu60') - cpu60)).toBeLessThan(0.5);
    // evaluation on the device renders what the CPU renders (16×16 views: SwiftShader is slow)
    const small = (backend: string) => mulfa(['eval', d.path('gpu60/final.mulfa'), 'demo', '--downscale', '8', '--backend', backend, '--json']);
    const onGpu = small('webgpu'), onCpu = small('cpu');
    expect(onGpu.code, onGpu.stderr).toBe(0);
    expect(Math.abs((onGpu.json.psnr as number) - (onCpu.json.psnr as number))).toBeLessThan(0.01);
    // the whole step on the device, its per-sample buffers sized by a sample budget (a new field's first
    // step, at the start and after each upsampling, reads its count; occupancy refreshes read theirs, every 16 steps);
    // read back per step only, a step late, the loss partial sums and the counts (8 + 12 bytes here). The decoder's
    // GEMMs run on TF.js's WebGPU backend: the engine submits before each of its two blocks (forward, backward), TF.js
    // submits at their ends, and the engine submits the rest: 5 a step
    const per = gpu.json.gpu_per_step as Record<string, number>;
    expect(gpu.json.decoder_gemms).toBe('tfjs');
    expect(gpu.stderr).toMatch(/the decoder's GEMMs on TF\.js/);
    expect(per.submits).toBeLessThan(5.2);
    expect(per.bytes_read).toBeLessThan(32);
    expect(per.bytes_uploaded).toBeLessThan(128 * 40 + 1024); // rays, jitter, targets: 40 bytes a ray
  }, 600_000);

  it('resumes across backends: a CPU snapshot trains on WebGPU, and its snapshot on the CPU, as the CPU alone would', () => {
    const run = (out: string, to: number, backend: string, from?: string) => {
      const r = train(out, ['--max-steps', String(to), '--backend', backend, ...(from ? ['--resume', d.path(`${from}/final.mulfa`)] : [])]);
      expect(r.code, r.stderr).toBe(0);
      if (from) expect(r.stderr).toMatch(new RegExp(`resumed .* at step ${to === 60 ? 30 : 60}`));
      expect(r.json.steps).toBe(to);
      return holdout(out);
    };
    // a snapshot keeps its schedule (the first run's --max-steps set the decay), so the reference hops too
    const a = run('a', 30, 'cpu');
    const viaGpu = run('b-gpu', 60, 'webgpu', 'a'), viaCpu = run('b-cpu', 60, 'cpu', 'a');
    expect(viaGpu).toBeGreaterThan(a + 0.2); // the GPU's steps reached the snapshot (measured: +0.35 dB)
    expect(Math.abs(viaGpu - viaCpu)).toBeLessThan(0.15); // measured: 0.013 dB
    const c1 = run('c-gpu', 75, 'cpu', 'b-gpu'), c2 = run('c-cpu', 75, 'cpu', 'b-cpu');
    expect(Math.abs(c1 - c2)).toBeLessThan(0.15);
  }, 600_000);

  it('a forward-facing capture trains in NDC on the device as on the CPU (rays mapped, world view directions)', () => {
    const fwd = new TempDir();
    try {
      writeForwardDemo(fwd, 12);
      const run = (backend: string) => {
        const r = mulfa(['train', fwd.path(''), '--model', 'dense', '--batch-rays', '128', '--downscale', '2', '--resolution', '32', '--seed', '2',
          '--max-steps', '40', '--holdout', '4', '--quiet', '--json', '--skip-eval', '--backend', backend, '--out', fwd.path(backend)]);
        expect(r.code, r.stderr).toBe(0);
        return fwd.path(`${backend}/final.mulfa`);
      };
      const ev = (snap: string, backend: string) => {
        const r = mulfa(['eval', snap, fwd.path(''), '--downscale', '2', '--holdout', '4', '--backend', backend, '--json']);
        expect(r.code, r.stderr).toBe(0);
        return r.json.psnr as number;
      };
      const gpu = run('webgpu'), cpu = run('cpu');
      const onCpu = ev(gpu, 'cpu');
      expect(Math.abs(onCpu - ev(cpu, 'cpu'))).toBeLessThan(0.5);
      expect(Math.abs(ev(gpu, 'webgpu') - onCpu)).toBeLessThan(0.01);
    } finally {
      fwd.dispose();
    }
  }, 600_000);

  it('MulFA kernels and per-photo exposures learn on the device: per step only the loss and its counts come back', () => {
    const fwd = new TempDir();
    try {
      writeForwardDemo(fwd, 12);
      const run = (backend: string) => {
        const r = mulfa(['train', fwd.path(''), '--model', 'mulfagrid', '--batch-rays', '128', '--downscale', '2', '--resolution', '24', '--seed', '4',
          '--max-steps', '24', '--holdout', '4', '--exposure', 'on', '--quiet', '--json', '--skip-eval', '--snapshot-every', '100000',
          '--backend', backend, '--out', fwd.path(backend)]);
        expect(r.code, r.stderr).toBe(0);
        return r;
      };
      const gpu = run('webgpu'), cpu = run('cpu');
      const per = gpu.json.gpu_per_step as Record<string, number>;
      expect(per.submits).toBeLessThan(5.3); // 5 a step (the decoder on TF.js); the first after each of two upsamplings reads its count
      expect(per.bytes_read).toBeLessThan(40); // before: + 4.6 KB of kernel gradients and 48 bytes a ray of exposure terms
      const state = (backend: string) => Trainer.fromSnapshot(decodeSnapshot(new Uint8Array(readFileSync(fwd.path(`${backend}/final.mulfa`))), backend), backend, null);
      const g = state('webgpu'), c = state('cpu');
      // what the device learned came back into the snapshot, and it learned what the CPU did
      const a = (t: Trainer) => Array.from(t.field.kernels[0].a.data);
      const moved = (x: number[]) => Math.max(...x.map(Math.abs));
      expect(moved(a(g))).toBeGreaterThan(2e-5); // a starts at 0 (trilinear); an Adam step moves it by ≤ 1e-5 (rate 1e-3 × 0.01)
      expect(moved(Array.from(g.exposure!.data))).toBeGreaterThan(1e-3); // the affines start at the identity
      const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i])));
      // (Adam's early steps are ±lr wherever a gradient is not zero: compare the kernel's movement by its size)
      const mean = (x: number[]) => x.reduce((s, v) => s + Math.abs(v), 0) / x.length;
      expect(Math.abs(mean(a(g)) - mean(a(c)))).toBeLessThan(0.3 * mean(a(c)));
      expect(diff(g.exposure!.data, c.exposure!.data)).toBeLessThan(0.3 * moved(Array.from(c.exposure!.data)));
    } finally {
      fwd.dispose();
    }
  }, 600_000);

  it('an unbounded scene samples its contracted rays on the device as on the CPU', () => {
    const cpu = train('unb-cpu', ['--max-steps', '40', '--backend', 'cpu', '--scene', 'unbounded', '--resolution', '32', '--skip-eval']);
    const gpu = train('unb-gpu', ['--max-steps', '40', '--backend', 'webgpu', '--scene', 'unbounded', '--resolution', '32']);
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(gpu.code, gpu.stderr).toBe(0);
    const ev = (out: string, backend: string, down = '2') => {
      const r = mulfa(['eval', d.path(`${out}/final.mulfa`), 'demo', '--downscale', down, '--backend', backend, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return r.json.psnr as number;
    };
    const onCpu = ev('unb-gpu', 'cpu');
    expect(onCpu).toBeGreaterThan(12);
    expect(Math.abs(onCpu - ev('unb-cpu', 'cpu'))).toBeLessThan(0.5);
    expect(Math.abs(ev('unb-gpu', 'webgpu', '8') - ev('unb-gpu', 'cpu', '8'))).toBeLessThan(0.01);
  }, 600_000);

  it('an uncaught GPU error reaches the host like a lost device (its results cannot be trusted)', async () => {
    process.env.VK_ICD_FILENAMES = ICD; // before Dawn enumerates adapters (in this process)
    const { nodeGpu } = await import('../../cli/gpu');
    const { openDevice } = await import('../../core/gpu/adapter');
    const heard: string[] = [];
    const { device } = await openDevice(await nodeGpu(), (m) => heard.push(m));
    device.createShaderModule({ code: 'fn main( {' });
    await device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([expect.stringMatching(/^GPU error: .*WGSL/)]);
    device.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toHaveLength(1); // destroy() is not a loss
  });

  it('mulfa gtk --backend webgpu: the learned kernel\'s dense product on TF.js\'s WebGPU backend gives the CPU\'s GTK', () => {
    const t = mulfa(['train', 'demo', '--model', 'mulfagrid', '--downscale', '8', '--max-steps', '3', '--backend', 'cpu', '--skip-eval', '--quiet',
      '--out', d.path('gtk')], {});
    expect(t.code, t.stderr).toBe(0);
    const gtk = (backend: string) => mulfa(['gtk', d.path('gtk/final.mulfa'), '--grid', 'color', '--points', '96', '--line', '16', '--backend', backend, '--json']);
    const gpu = gtk('webgpu'), cpu = gtk('cpu');
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(gpu.stderr).toMatch(/J Jᵀ: TF\.js webgpu/);
    expect(gpu.json.product_on).toBe('TF.js webgpu');
    expect(cpu.json.product_on).not.toBe('TF.js webgpu');
    expect(gpu.json.kernel_params).toBeGreaterThan(1000);
    const eg = gpu.json.eigenvalues as number[], ec = cpu.json.eigenvalues as number[];
    expect(Math.abs(eg[0] - ec[0]) / ec[0]).toBeLessThan(1e-4);
    expect(Math.abs((gpu.json.delta as number) - (cpu.json.delta as number)) / (cpu.json.delta as number)).toBeLessThan(1e-3);
    // auto never takes the software adapter for it either
    const auto = gtk('auto');
    expect(auto.json.product_on).toBe(cpu.json.product_on);
  }, 300_000);

  it('auto never picks the software adapter; a missing adapter or an over-size grid is one line, exit 2', () => {
    const auto = train('auto', ['--max-steps', '1', '--backend', 'auto']);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/auto → CPU: the only WebGPU adapter is a software renderer \(google swiftshader\)/);
    expect(auto.json.backend).toBe('cpu');

    const none = train('none', ['--max-steps', '1', '--backend', 'webgpu'], { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n').filter((l) => l.startsWith('mulfa train:'))).toEqual([expect.stringMatching(/no WebGPU adapter/)]);

    const big = train('big', ['--max-steps', '1', '--backend', 'webgpu', '--resolution', '700']);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/mulfa train: resolution 700 .* MiB buffer; this GPU allows 1024 MiB/);
    expect(existsSync(d.path('big/final.mulfa'))).toBe(false);
  }, 120_000);
});

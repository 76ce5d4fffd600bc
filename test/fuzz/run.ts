/**
 * The fuzzer: mutants of every input file kind (mutants.ts) through the loaders, the image decoders and
 * the snapshot reader, in a worker process. Each case must end in a result or an InputError (the CLI's
 * exit 2), within a time limit, without the worker's peak memory growing past a bound. A hang kills and
 * restarts the worker; so does a memory finding (the peak is a high-water mark).
 *
 *   npm run fuzz -- [--cases N] [--seed S] [--case-timeout ms] [--memory MiB] [--json]
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { CaseResult } from './worker';

export interface FuzzOptions { seed: number; cases: number; caseTimeoutMs: number; memoryBoundMiB: number; budgetMs: number; onCase?: (r: CaseResult) => void }
export interface Finding { index: number; kind: string; what: string; problem: 'crash' | 'hang' | 'memory'; detail: string }
export interface FuzzReport { seed: number; cases: number; ok: number; refused: number; findings: Finding[]; seconds: number; maxCaseMs: number; peakGrowthMiB: number; byKind: Record<string, number> }

export const FUZZ_DEFAULTS: FuzzOptions = { seed: 1, cases: 500, caseTimeoutMs: 20_000, memoryBoundMiB: 512, budgetMs: Infinity };

const WORKER = path.join(import.meta.dirname, 'worker.ts');

class Worker {
  child: ChildProcess;
  baseline = 0;
  ready: Promise<void>;
  private pending: ((r: CaseResult) => void) | null = null;
  constructor() {
    this.child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.resume();
    this.ready = new Promise((resolve, reject) => {
      this.child.once('message', (m: { ready: boolean; maxRssMiB: number }) => { this.baseline = m.maxRssMiB; resolve(); });
      this.child.once('exit', (code) => reject(new Error(`fuzz worker exited (${code}) before it was ready`)));
    });
    this.child.on('message', (m: CaseResult) => { if ('index' in m && this.pending) { const p = this.pending; this.pending = null; p(m); } });
  }
  run(seed: number, index: number, timeoutMs: number): Promise<CaseResult | 'hang' | 'died'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pending = null; resolve('hang'); }, timeoutMs);
      const onExit = () => { clearTimeout(timer); this.pending = null; resolve('died'); };
      this.child.once('exit', onExit);
      this.pending = (r) => { clearTimeout(timer); this.child.off('exit', onExit); resolve(r); };
      this.child.send({ seed, index });
    });
  }
  kill(): void { this.child.kill('SIGKILL'); }
}

export async function runFuzz(options: Partial<FuzzOptions> = {}): Promise<FuzzReport> {
  const o = { ...FUZZ_DEFAULTS, ...options };
  const t0 = performance.now();
  const report: FuzzReport = { seed: o.seed, cases: 0, ok: 0, refused: 0, findings: [], seconds: 0, maxCaseMs: 0, peakGrowthMiB: 0, byKind: {} };
  let w = new Worker();
  await w.ready;
  try {
    for (let i = 0; i < o.cases && performance.now() - t0 < o.budgetMs; i++) {
      const r = await w.run(o.seed, i, o.caseTimeoutMs);
      report.cases++;
      if (r === 'hang' || r === 'died') {
        report.findings.push({ index: i, kind: '?', what: '', problem: r === 'hang' ? 'hang' : 'crash', detail: r === 'hang' ? `no answer in ${o.caseTimeoutMs} ms` : 'the worker process died' });
        w.kill();
        w = new Worker();
        await w.ready;
        continue;
      }
      o.onCase?.(r);
      report.byKind[r.kind] = (report.byKind[r.kind] ?? 0) + 1;
      report.maxCaseMs = Math.max(report.maxCaseMs, r.ms);
      const growth = r.maxRssMiB - w.baseline;
      report.peakGrowthMiB = Math.max(report.peakGrowthMiB, growth);
      if (r.outcome === 'crash') report.findings.push({ index: i, kind: r.kind, what: r.what, problem: 'crash', detail: `${r.file}: ${r.message}` });
      else if (r.outcome === 'ok') report.ok++;
      else report.refused++;
      if (growth > o.memoryBoundMiB) {
        report.findings.push({ index: i, kind: r.kind, what: r.what, problem: 'memory', detail: `peak resident memory grew by ${growth.toFixed(0)} MiB` });
        w.kill();
        w = new Worker();
        await w.ready;
      }
    }
  } finally {
    w.kill();
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) { process.stderr.write(`fuzz: --${name} must be a positive number\n`); process.exit(2); }
  return v;
}

if (process.argv[1] && /fuzz[\\/]run\.ts$/.test(process.argv[1])) {
  const args = process.argv.slice(2);
  const opts: Partial<FuzzOptions> = {
    cases: flag(args, 'cases', FUZZ_DEFAULTS.cases), seed: flag(args, 'seed', FUZZ_DEFAULTS.seed),
    caseTimeoutMs: flag(args, 'case-timeout', FUZZ_DEFAULTS.caseTimeoutMs), memoryBoundMiB: flag(args, 'memory', FUZZ_DEFAULTS.memoryBoundMiB),
  };
  let last = 0;
  const r = await runFuzz({ ...opts, onCase: (c) => {
    if (process.stderr.isTTY && performance.now() - last > 500) { process.stderr.write(`\rcase ${c.index + 1}/${opts.cases}`); last = performance.now(); }
  } });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stderr.write(`fuzz: seed ${r.seed}, ${r.cases} cases in ${r.seconds.toFixed(1)} s: ${r.ok} loaded, ${r.refused} refused with a clear error, ` +
    `${r.findings.length} findings; slowest case ${r.maxCaseMs.toFixed(0)} ms, peak memory growth ${r.peakGrowthMiB.toFixed(0)} MiB\n`);
  for (const f of r.findings) process.stderr.write(`  case ${f.index} (${f.kind}, ${f.what}): ${f.problem}: ${f.detail}\n`);
  if (args.includes('--json')) process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(r.findings.length > 0 ? 1 : 0);
}

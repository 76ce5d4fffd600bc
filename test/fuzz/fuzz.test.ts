// The seeded fuzzer over every entry point that reads a file (README, "Reliability"): each mutant ends in a
// result or a clear InputError, within the per-case time limit, without the worker's peak memory growing by
// more than the bound. Bounded for CI: at most 600 cases or 45 s. `npm run fuzz -- --cases N` runs longer.
import { describe, expect, it } from 'vitest';
import { runFuzz } from './run';

describe('fuzzer', () => {
  it('no crash, hang or runaway allocation over structure-aware mutants of every input kind', async () => {
    const r = await runFuzz({ seed: 20261130, cases: 600, budgetMs: 45_000, caseTimeoutMs: 20_000, memoryBoundMiB: 512 });
    console.log(`fuzz: ${r.cases} cases in ${r.seconds.toFixed(1)} s: ${r.ok} loaded, ${r.refused} refused; by kind ${JSON.stringify(r.byKind)}; ` +
      `slowest ${r.maxCaseMs.toFixed(0)} ms; peak memory growth ${r.peakGrowthMiB.toFixed(0)} MiB`);
    expect(r.findings, JSON.stringify(r.findings, null, 1)).toEqual([]);
    expect(r.cases).toBeGreaterThanOrEqual(200);
    expect(r.refused).toBeGreaterThan(r.cases / 4); // the mutants reach the checks (not all trivially valid)
    expect(Object.keys(r.byKind).sort()).toEqual(['blender', 'colmap-bin', 'colmap-txt', 'jpeg', 'llff', 'ngp', 'ngp-jpeg', 'png', 'snapshot']);
  }, 120_000);
});

// The committed kernels (core/wasm/kernelsBinary.ts) are what kernels.c builds to: rebuilt here with the
// pinned compiler (.ci/run installs clang-16 and lld-16) and compared byte for byte.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hasClang = (() => {
  try { execFileSync('clang-16', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

describe('WebAssembly kernels binary', () => {
  it.runIf(hasClang || process.env.CI)('is up to date with kernels.c', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mulfa-wasm-'));
    try {
      execFileSync('sh', ['core/wasm/build.sh', dir], { stdio: 'pipe' });
      expect(readFileSync(join(dir, 'kernelsBinary.ts'), 'utf8'), 'run core/wasm/build.sh and commit kernelsBinary.ts')
        .toBe(readFileSync('core/wasm/kernelsBinary.ts', 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

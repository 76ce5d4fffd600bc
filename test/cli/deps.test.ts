// `npm ci --omit=dev && npx mulfa …` must work: nothing the CLI loads at start may be a devDependency
// (those load lazily, with a message when missing, like sharp for PNG plots).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Static imports only (`import … from`, `export … from`, bare `import '…'`), not `import()` or `import type`. */
function staticImports(src: string): string[] {
  const out: string[] = [];
  const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue;
    out.push(m[3] ?? m[4]);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(c) && !c.endsWith('/')) try { readFileSync(c); return c; } catch { /* a folder */ }
  return null;
}

/** Packages loaded when `cli/main.ts` is imported, with the file that imports each. */
function packagesAtLoad(entry: string): Map<string, string> {
  const seen = new Set<string>(), pkgs = new Map<string, string>(), todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const spec of staticImports(readFileSync(f, 'utf8'))) {
      if (spec.startsWith('.')) {
        const r = resolveLocal(f, spec);
        if (r && /\.ts$/.test(r)) todo.push(r);
      } else if (!NODE.has(spec)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!pkgs.has(name)) pkgs.set(name, path.relative(ROOT, f));
      }
    }
  }
  return pkgs;
}

describe('CLI dependencies', () => {
  it('every package the CLI loads at start is a runtime dependency', () => {
    const pkgs = packagesAtLoad(path.join(ROOT, 'cli/main.ts'));
    expect(pkgs.size).toBeGreaterThan(2); // the scan sees the imports (fast-png, jpeg-js, fflate, …)
    const dev = [...pkgs].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(dev).toEqual([]);
  });
  it('the scan catches a static import and ignores lazy and type-only ones', () => {
    expect(staticImports("import sharp from 'sharp';\nimport type { X } from 'electron';\nconst m = await import('h264-mp4-encoder');\nexport { a } from './b';"))
      .toEqual(['sharp', './b']);
  });
});

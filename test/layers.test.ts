// DESIGN.md: core/ imports nothing platform-specific (no DOM, no Node built-ins, no Electron) and nothing
// from the other layers; datasets/ never imports from renderer/, electron/ or cli/. This scans imports.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|js|mjs)$/.test(n)) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, dynamic imports, re-exports and require() calls. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]|require\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const PLATFORM_GLOBALS = /\b(window|document|navigator|localStorage|HTMLElement|HTMLCanvasElement|OffscreenCanvas|process\.|Buffer\.|require\()/;

function violations(layer: string, allowedLayers: string[]): string[] {
  const bad: string[] = [];
  for (const f of files(path.join(ROOT, layer))) {
    const src = readFileSync(f, 'utf8');
    for (const spec of importsOf(src)) {
      const rel = path.relative(ROOT, f);
      if (NODE.has(spec) || spec.startsWith('node:')) { bad.push(`${rel}: imports Node built-in ${spec}`); continue; }
      if (spec === 'electron' || spec.startsWith('electron/')) { bad.push(`${rel}: imports electron`); continue; }
      if (spec.startsWith('.')) {
        const target = path.relative(ROOT, path.resolve(path.dirname(f), spec)).split(path.sep)[0];
        if (target !== layer && !allowedLayers.includes(target)) bad.push(`${rel}: imports from ${target}/ (${spec})`);
      }
    }
    if (layer === 'core') {
      const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      const m = PLATFORM_GLOBALS.exec(code);
      if (m) bad.push(`${path.relative(ROOT, f)}: uses platform global ${m[1]}`);
    }
  }
  return bad;
}

describe('layers', () => {
  it('core imports no DOM, Node built-ins, Electron or other layers', () => {
    expect(violations('core', ['shaders'])).toEqual([]);
  });
  it('datasets imports only core (and shaders); Node-only code lives in datasets/node', () => {
    const bad = violations('datasets', ['core', 'shaders']).filter((v) => !v.startsWith(`datasets${path.sep}node${path.sep}`));
    expect(bad).toEqual([]);
  });
  it('the scanner catches what it must', () => {
    expect(importsOf(`import fs from 'node:fs';\nimport { x } from "../renderer/a";\nconst m = await import('electron');\nexport * from './b';`))
      .toEqual(['node:fs', '../renderer/a', 'electron', './b']);
  });
});

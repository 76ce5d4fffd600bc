/** Runs `mulfa` in-process (fast) or as a real process (exit codes, nothing else printed). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../cli/main';

export interface CliResult { code: number; stdout: string; stderr: string }

export async function runMain(args: string[]): Promise<CliResult> {
  let stdout = '', stderr = '';
  const out = process.stdout.write, err = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => { stdout += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { stderr += String(s); return true; }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

export const REPO = path.resolve(import.meta.dirname, '../..');

export function runProcess(args: string[], cwd = REPO, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(REPO, 'cli/mulfa.js'), ...args], { cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000,
    env: opts.env ? { ...process.env, ...opts.env } : process.env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Command-line flags: node's parseArgs plus the checks and messages our commands share. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { statSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Scene } from '../core/scene/Scene';
import { loadScene, loadDemo, isDemoName, type LoadOptions } from '../datasets/load';
import { NodeFS } from '../datasets/node/NodeFS';
import { InputError } from '../core/errors';
import { nearestOption } from './help';
import { SPACE_KINDS, type SpaceKind } from '../core/scene/space';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    let msg = (e as Error).message.replace(/\. To specify a positional argument.*$/, '');
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) {
      const near = nearestOption(unknown[1], Object.keys(options));
      msg = `unknown option ${unknown[1]}${near ? ` (did you mean --${near}?)` : ''}; see --help`;
    }
    throw new UsageError(msg);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} argument${positionals === 1 ? '' : 's'}, got ${parsed.positionals.length} (see mulfa --help)`);
  }
  return parsed;
}

export function intFlag(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

export function numFlag(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got "${value}"`);
  return n;
}

/** `--scene bounded|unbounded|forward`: the scene parameterisation (core/scene/space.ts); undefined keeps the format's own. */
export function sceneFlag(value: string | undefined): SpaceKind | undefined {
  if (value === undefined) return undefined;
  if (!(SPACE_KINDS as readonly string[]).includes(value)) throw new UsageError(`--scene must be one of ${SPACE_KINDS.join(', ')}, got "${value}"`);
  return value as SpaceKind;
}

/** Opens the dataset at `path` (a folder, a file inside one, or "demo"). */
export async function openScene(path: string, opts: LoadOptions): Promise<Scene> {
  if (isDemoName(path)) return loadDemo(opts);
  const abs = nodePath.resolve(path);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new InputError(path, '', 'not found');
  }
  if (st.isDirectory()) return loadScene(new NodeFS(abs), opts);
  return loadScene(new NodeFS(nodePath.dirname(abs)), { ...opts, file: nodePath.basename(abs) });
}

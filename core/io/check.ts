/**
 * Checks for values read from files (datasets, snapshots, camera paths); each failure is an InputError
 * naming the file and the field. Validate at the edge, then trust the typed value inside.
 */
import { InputError } from '../errors';

export type Json = Record<string, unknown>;

/** How non-finite numbers arrive after a relaxed JSON parse (Python writes them bare). */
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

export function isNonFiniteToken(v: unknown): v is string {
  return typeof v === 'string' && NON_FINITE.has(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (isNonFiniteToken(v)) return v;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"` : typeof v;
}

export function asObject(v: unknown, file: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InputError(file, field, `must be a JSON object, found ${describe(v)}`);
  }
  return v as Json;
}

export function asArray(v: unknown, file: string, field: string, maxLength = Infinity): unknown[] {
  if (!Array.isArray(v)) throw new InputError(file, field, `must be an array, found ${describe(v)}`);
  if (v.length > maxLength) throw new InputError(file, field, `has ${v.length} entries, at most ${maxLength} allowed`);
  return v;
}

/** A finite number (JSON has no NaN/Inf, but strings like "NaN" and nulls show up in broken exports). */
export function finite(v: unknown, file: string, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(file, field, `must be a finite number, found ${describe(v)}`);
  return v;
}

export function positive(v: unknown, file: string, field: string): number {
  const x = finite(v, file, field);
  if (x <= 0) throw new InputError(file, field, `must be positive, found ${x}`);
  return x;
}

/** A finite number in [min, max]. */
export function inRange(v: unknown, file: string, field: string, min: number, max: number): number {
  const x = finite(v, file, field);
  if (x < min || x > max) throw new InputError(file, field, `must be between ${min} and ${max}, found ${x}`);
  return x;
}

/** A whole number in [min, max]. */
export function integer(v: unknown, file: string, field: string, min: number, max: number): number {
  const x = finite(v, file, field);
  if (!Number.isInteger(x)) throw new InputError(file, field, `must be a whole number, found ${x}`);
  if (x < min || x > max) throw new InputError(file, field, `must be between ${min} and ${max}, found ${x}`);
  return x;
}

export function optionalFinite(o: Json, key: string, file: string, prefix = ''): number | undefined {
  return o[key] === undefined ? undefined : finite(o[key], file, prefix + key);
}

export function asString(v: unknown, file: string, field: string, maxLength = 4096): string {
  if (typeof v !== 'string' || v.length === 0) throw new InputError(file, field, `must be a non-empty string, found ${describe(v)}`);
  if (v.length > maxLength) throw new InputError(file, field, `is ${v.length} characters long, at most ${maxLength} allowed`);
  return v;
}

export function asBoolean(v: unknown, file: string, field: string): boolean {
  if (typeof v !== 'boolean') throw new InputError(file, field, `must be true or false, found ${describe(v)}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, file: string, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new InputError(file, field, `must be one of ${allowed.join(', ')}, found ${describe(v)}`);
  return v as T;
}

/** An array of exactly n finite numbers. */
export function numbers(v: unknown, file: string, field: string, n: number): number[] {
  const a = asArray(v, file, field);
  if (a.length !== n) throw new InputError(file, field, `must hold ${n} numbers, found ${a.length}`);
  return a.map((x, i) => finite(x, file, `${field}[${i}]`));
}

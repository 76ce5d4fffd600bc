/** Checks for values read from dataset files; each failure is an InputError naming the file and field. */
import { InputError } from '../core/errors';
import { type Mat4, mat4FromRows } from '../core/math/mat4';
import { isNonFiniteToken } from '../core/io/check';

export { type Json, describe, asObject, asArray, finite, positive, inRange, integer, optionalFinite, asString, oneOf, numbers } from '../core/io/check';


/**
 * A 4×4 rigid camera-to-world matrix given as rows of numbers. Checks the shape, finiteness, the
 * bottom row and that the rotation part is not degenerate (rows of a rotation have unit-ish length).
 */
export function matrix4(v: unknown, file: string, field: string): Mat4 {
  const bad = () => new InputError(file, field, 'must be 4×4 numbers (4 rows of 4)');
  if (!Array.isArray(v) || v.length !== 4) throw bad();
  for (const row of v) if (!Array.isArray(row) || row.length !== 4) throw bad();
  const rows = v as unknown[][];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const x = rows[r][c];
      if (isNonFiniteToken(x)) throw new InputError(file, `${field}[${r}][${c}]`, `must be a finite number, found ${x}`);
      if (typeof x !== 'number') throw bad();
      if (!Number.isFinite(x)) throw new InputError(file, `${field}[${r}][${c}]`, `must be a finite number, found ${x}`);
    }
  }
  const m = mat4FromRows(rows as number[][]);
  checkPose(m, file, field);
  return m;
}

/** A camera pose must have bottom row 0 0 0 1 and a proper rotation (det ≈ +1, scale allowed within 1%… 100×). */
export function checkPose(m: Mat4, file: string, field: string): void {
  if (Math.abs(m[3]) > 1e-5 || Math.abs(m[7]) > 1e-5 || Math.abs(m[11]) > 1e-5 || Math.abs(m[15] - 1) > 1e-5) {
    throw new InputError(file, field, 'bottom row must be 0 0 0 1');
  }
  const det = m[0] * (m[5] * m[10] - m[9] * m[6]) - m[4] * (m[1] * m[10] - m[9] * m[2]) + m[8] * (m[1] * m[6] - m[5] * m[2]);
  if (!(Math.abs(det) > 1e-6)) throw new InputError(file, field, 'rotation part is degenerate (determinant 0)');
}

/**
 * Errors a user can act on. Every input problem names the file (relative to the dataset root
 * where there is one) and the field, so the CLI can print one line and the app one message:
 *   `transforms.json, frames[12].transform_matrix: must be 4×4 numbers`
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    /** File the problem is in (relative path where possible), or '' when it is not about a file. */
    readonly file: string,
    /** Field or part of the file, e.g. `frames[3].transform_matrix`; '' when the whole file is wrong. */
    readonly field: string,
    /** What is wrong, phrased for the user. */
    readonly problem: string,
  ) {
    super(formatInputError(file, field, problem));
  }
}

export function formatInputError(file: string, field: string, problem: string): string {
  const where = [file, field].filter((s) => s.length > 0).join(', ');
  return where ? `${where}: ${problem}` : problem;
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === 'InputError' && 'file' in e && 'field' in e;
}

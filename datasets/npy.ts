/** NumPy `.npy` (format 1.0–3.0), enough for float arrays such as LLFF's poses_bounds.npy. */
import { InputError } from '../core/errors';

export interface NpyArray {
  shape: number[];
  data: Float64Array;
}

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new InputError(file, '', 'not a NumPy .npy file (bad magic bytes)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) { headerLen = dv.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new InputError(file, 'header', 'file is truncated');
    headerLen = dv.getUint32(8, true); start = 12;
  } else throw new InputError(file, 'version', `unsupported .npy version ${major}`);
  if (start + headerLen > bytes.length) throw new InputError(file, 'header', 'file is truncated');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new InputError(file, 'header', 'malformed .npy header');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new InputError(file, 'shape', `malformed shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const sizes: Record<string, number> = { '<f8': 8, '<f4': 4, '>f8': 8, '>f4': 4 };
  const size = sizes[descr];
  if (!size) throw new InputError(file, 'dtype', `unsupported dtype ${descr} (expected float32 or float64)`);
  const off = start + headerLen;
  if (off + count * size > bytes.length) {
    throw new InputError(file, 'data', `file is truncated: shape (${shape.join(', ')}) needs ${count * size} bytes of data, found ${bytes.length - off}`);
  }
  const little = descr[0] === '<';
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = size === 8 ? dv.getFloat64(off + i * 8, little) : dv.getFloat32(off + i * 4, little);
  if (fortran === 'True' && shape.length === 2) {
    const [r, c] = shape, t = new Float64Array(count);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[i * c + j] = data[j * r + i];
    return { shape, data: t };
  }
  return { shape, data };
}

/** Writes a C-order float64 .npy (tests and tools). */
export function writeNpy(shape: number[], values: ArrayLike<number>): Uint8Array {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * 8);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const dv = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
  return out;
}

/**
 * UTF-8 encoding without TextEncoder/TextDecoder, which are platform APIs (DOM, Node) that core does not
 * assume (tsconfig.core.json has no such types).
 */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export function utf8Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length;) {
    const x = b[i];
    let c: number, n: number;
    if (x < 0x80) { c = x; n = 1; }
    else if (x >> 5 === 6) { c = ((x & 31) << 6) | (b[i + 1] & 63); n = 2; }
    else if (x >> 4 === 14) { c = ((x & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63); n = 3; }
    else { c = ((x & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63); n = 4; }
    s += String.fromCodePoint(c);
    i += n;
  }
  return s;
}

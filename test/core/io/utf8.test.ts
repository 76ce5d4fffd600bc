import { describe, expect, it } from 'vitest';
import { utf8Encode, utf8Decode } from '../../../core/io/utf8';

describe('utf8', () => {
  it('matches the platform codec on ASCII, accents, CJK and astral characters', () => {
    for (const s of ['plain', 'Café ×4 — München', '数据集/场景', 'emoji 🎥📷', '']) {
      expect(Array.from(utf8Encode(s))).toEqual(Array.from(new TextEncoder().encode(s)));
      expect(utf8Decode(new TextEncoder().encode(s))).toBe(s);
    }
  });
});

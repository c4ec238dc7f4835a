import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { displayWidth, truncate } from '../../src/render/text.js';

const ranges: Array<[number, number]> = [
  [0x20, 0x7e],
  [0xa0, 0xac],
  [0xae, 0xff],
  [0x2010, 0x2027],
  [0x2500, 0x259f],
  [0x2800, 0x28ff],
];

describe('display width fast path', () => {
  it('agrees with string-width for every character it counts as one column', () => {
    for (const [from, to] of ranges) {
      for (let code = from; code <= to; code++) {
        const ch = String.fromCharCode(code);
        expect(stringWidth(ch), `U+${code.toString(16)}`).toBe(1);
        expect(displayWidth(ch.repeat(3))).toBe(3);
      }
    }
  });

  it('leaves everything else to string-width', () => {
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('a\u00ADb')).toBe(stringWidth('a\u00ADb'));
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🦊 ok')).toBe(5);
    expect(displayWidth('\u001B[31mred\u001B[39m')).toBe(3);
  });

  it('truncates single-column text by length, other text by grapheme width', () => {
    expect(truncate('█████░░░░░ 3/6', 8)).toBe('█████░░…');
    expect(truncate('─ Coder ─', 20)).toBe('─ Coder ─');
    expect(truncate('日本語テキスト', 7)).toBe('日本語…');
  });
});

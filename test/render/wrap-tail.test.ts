import { describe, expect, it } from 'vitest';
import { wrapLines, wrapTail } from '../../src/render/text.js';

/** What the live pane showed before wrapTail: wrap everything, drop trailing blank lines, keep the tail. */
function wrapAllThenTail(text: string, width: number, maxLines: number): string[] {
  const wrapped = wrapLines(text, width);
  while (wrapped.length > 0 && wrapped.at(-1) === '') wrapped.pop();
  return maxLines <= 0 ? [] : wrapped.slice(-maxLines);
}

describe('wrapTail', () => {
  it('equals wrapping the whole text and keeping its tail, for any line endings and widths', () => {
    const pieces = ['word ', 'longerwordthanthewidth', '\n', '\r\n', '\r', '\n\r', '  ', '\t', '日本語', '🦊', 'x', '\u001B[31m', '\n\n', ' '];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      let text = '';
      const parts = rand(60);
      for (let i = 0; i < parts; i++) text += pieces[rand(pieces.length)];
      const width = 2 + rand(30);
      const maxLines = rand(12);
      expect(wrapTail(text, width, maxLines), JSON.stringify({ text, width, maxLines })).toEqual(wrapAllThenTail(text, width, maxLines));
    }
  });

  it('only wraps the lines it returns: a long text costs what its tail costs', () => {
    const text = 'a line of streamed model output\n'.repeat(5000);
    expect(wrapTail(text, 20, 3)).toEqual(['model output', 'a line of streamed', 'model output']);
  });
});

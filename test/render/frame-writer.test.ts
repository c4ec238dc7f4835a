import { describe, expect, it } from 'vitest';
import { createFrameWriter } from '../../src/render/frame-writer.js';
import { capture } from './capture.js';

/**
 * A minimal terminal screen for what the frame writer emits: text, `\n`, `\r`, cursor up (`ESC[nA`), erase
 * to end of line (`ESC[K`) and of screen (`ESC[J`); other private modes (synchronized output) are ignored.
 */
function screenOf(output: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => {
    while (rows.length <= row) rows.push([]);
    return rows[row] ?? [];
  };
  for (let i = 0; i < output.length; i++) {
    const ch = output[i] ?? '';
    if (ch === '\u001B') {
      const match = /^\u001B\[(\??)(\d*)([A-Za-z])/.exec(output.slice(i));
      if (!match) throw new Error(`unexpected escape at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      i += match[0].length - 1;
      const [, priv, n, cmd] = match;
      if (priv === '?') continue;
      if (cmd === 'A') row = Math.max(0, row - Number(n || 1));
      else if (cmd === 'K') line().length = col;
      else if (cmd === 'J') {
        line().length = col;
        rows.length = row + 1;
      } else throw new Error(`unexpected command ${cmd}`);
    } else if (ch === '\n') {
      row += 1;
      col = 0;
      line();
    } else if (ch === '\r') col = 0;
    else {
      const cells = line();
      while (cells.length < col) cells.push(' ');
      cells[col] = ch;
      col += 1;
    }
  }
  return rows.map((cells) => cells.join('').trimEnd());
}

describe('frame writer', () => {
  it('redraws in place: the screen always shows the last frame, whatever the previous one was', () => {
    const out = capture({ isTTY: false });
    const draw = createFrameWriter(out);
    const frames = ['a\nb\nc', 'a\nB\nc\nd', 'a\nB', 'x', 'x\ny\nz\nlonger line than before', 'x\ny\nz\nshort'];
    for (const frame of frames) {
      draw(frame);
      expect(screenOf(out.text())).toEqual([...frame.split('\n'), '']);
    }
  });

  it('writes only from the first changed line, and nothing for an unchanged frame', () => {
    const out = capture({ isTTY: false });
    const draw = createFrameWriter(out);
    draw('header\nrow 1\nrow 2');
    draw('header\nrow 1\nrow 2!');
    expect(out.chunks.at(-1)).toBe('\u001B[1A\rrow 2!\u001B[K\n');
    const count = out.chunks.length;
    draw('header\nrow 1\nrow 2!');
    expect(out.chunks).toHaveLength(count);
  });

  it('clear erases the frame; done leaves it and draws the next one below', () => {
    const out = capture({ isTTY: false });
    const draw = createFrameWriter(out);
    draw('one\ntwo');
    draw.clear();
    expect(screenOf(out.text())).toEqual(['']);
    draw('kept\nframe');
    draw.done();
    draw('next');
    expect(screenOf(out.text())).toEqual(['kept', 'frame', 'next', '']);
  });

  it('wraps each update in synchronized output on a terminal', () => {
    const out = capture({ isTTY: true });
    createFrameWriter(out)('a');
    expect(out.text()).toBe('\u001B[?2026h\ra\u001B[K\n\u001B[?2026l');
  });
});

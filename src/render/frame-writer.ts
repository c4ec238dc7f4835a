import type { OutputStreamLike } from './types.js';

const ESC = '\u001B[';
/** Terminals that support it show the whole update at once (no tearing); others ignore it. */
const SYNC_START = `${ESC}?2026h`;
const SYNC_END = `${ESC}?2026l`;
const ERASE_TO_END_OF_LINE = `${ESC}K`;
const ERASE_TO_END_OF_SCREEN = `${ESC}J`;

/** Draws a frame in place of the previous one. */
export interface FrameWriter {
  /** Replaces the frame on screen with `frame` (lines joined by `\n`, no trailing newline). */
  (frame: string): void;
  /** Erases the frame from the screen (before a redraw at another terminal width). */
  clear(): void;
  /** Leaves the current frame on screen for good; the next draw starts below it. */
  done(): void;
}

/**
 * Redraws a frame in place, rewriting only the lines from the first one that changed. The cursor rests at
 * the start of the line under the frame.
 *
 * It does not wrap or clip: every frame comes from `renderDashboard`, whose lines already fit the width and
 * whose height fits the terminal. log-update, which drew the dashboard before, re-wraps the whole frame with
 * wrap-ansi on every draw: measured at 500 tokens/s, the dashboard used 5.3% of a core through log-update
 * and 2.6% through this writer (`npm run bench:client`).
 */
export function createFrameWriter(out: OutputStreamLike): FrameWriter {
  let previous: string[] = [];
  const sync = out.isTTY === true;

  const write = (text: string) => {
    if (text !== '') out.write(sync ? SYNC_START + text + SYNC_END : text);
  };
  const up = (lines: number) => (lines > 0 ? `${ESC}${lines}A\r` : '\r');

  const draw = ((frame: string) => {
    const lines = frame.split('\n');
    let start = 0;
    while (start < lines.length && start < previous.length && lines[start] === previous[start]) start += 1;
    if (start === lines.length && start === previous.length) return;
    let patch = up(previous.length - start);
    for (let i = start; i < lines.length; i++) patch += `${lines[i]}${ERASE_TO_END_OF_LINE}\n`;
    // A shorter frame leaves old lines below it.
    if (lines.length < previous.length) patch += ERASE_TO_END_OF_SCREEN;
    write(patch);
    previous = lines;
  }) as FrameWriter;

  draw.clear = () => {
    if (previous.length > 0) write(up(previous.length) + ERASE_TO_END_OF_SCREEN);
    previous = [];
  };
  draw.done = () => {
    previous = [];
  };
  return draw;
}

import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import wrapAnsi from 'wrap-ansi';

/** Tabs become this many spaces: terminals disagree on tab stops, so widths stay predictable. */
const TAB = '  ';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Display width in terminal columns (East Asian wide characters and emoji count 2; ANSI counts 0). */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * Text from the server made safe to print: escape sequences and control characters a model might emit are
 * removed (they could move the cursor or retitle the terminal), line endings become `\n`, tabs spaces.
 */
export function sanitize(text: string): string {
  return stripAnsi(text)
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, TAB)
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '');
}

/** Cuts plain text to `width` columns, ending with `…` when something was cut. Never splits a grapheme. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** Pads plain text with spaces to `width` columns (truncating first when it is wider). */
export function padEnd(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - stringWidth(cut)));
}

/** Wraps text to `width` columns: words where possible, hard breaks for longer runs; keeps indentation. */
export function wrapLines(text: string, width: number): string[] {
  const safeWidth = Math.max(2, width);
  const out: string[] = [];
  for (const line of sanitize(text).split('\n')) {
    if (line === '') {
      out.push('');
      continue;
    }
    const wrapped = wrapAnsi(line, safeWidth, { hard: true, trim: false, wordWrap: true });
    // trim:false can leave a trailing space that pushes a line one column over; cut to be sure.
    for (const part of wrapped.split('\n')) out.push(truncate(part.trimEnd(), safeWidth));
  }
  return out;
}

/** The first line of a text, for one-line displays. */
export function firstLine(text: string): string {
  const line = sanitize(text).split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim();
}

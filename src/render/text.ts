import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import wrapAnsi from 'wrap-ansi';

/** Tabs become this many spaces: terminals disagree on tab stops, so widths stay predictable. */
const TAB = '  ';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Text made only of characters one column wide and one code unit long: printable ASCII, Latin-1 (but the
 * soft hyphen), dashes and ellipsis, box drawing, block elements and braille — what the dashboard is drawn
 * with. string-width's own fast path covers ASCII only, and a frame's bars, rules and `·` separators sent
 * every line through grapheme segmentation; test/render/text-width.test.ts checks each of these characters
 * against string-width.
 */
const SINGLE_COLUMN = /^[\u0020-\u007E\u00A0-\u00AC\u00AE-\u00FF\u2010-\u2027\u2500-\u259F\u2800-\u28FF]*$/;

/** Display width in terminal columns (East Asian wide characters and emoji count 2; ANSI counts 0). */
export function displayWidth(text: string): number {
  return SINGLE_COLUMN.test(text) ? text.length : stringWidth(text);
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
  if (SINGLE_COLUMN.test(text)) return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
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
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
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

/** Wrapped lines kept for re-use by {@link wrapTail}; cleared when full, so memory stays bounded. */
const WRAP_CACHE_MAX_ENTRIES = 512;
const wrapCache = new Map<string, string[]>();

/** {@link wrapLines} of one line (no line break in it), memoised: the live pane re-wraps the same lines every frame. */
function wrapOneLine(line: string, width: number): string[] {
  const key = `${width}\u0000${line}`;
  const cached = wrapCache.get(key);
  if (cached) return cached;
  const wrapped = wrapLines(line, width);
  if (wrapCache.size >= WRAP_CACHE_MAX_ENTRIES) wrapCache.clear();
  wrapCache.set(key, wrapped);
  return wrapped;
}

/**
 * The last `maxLines` lines of `wrapLines(text, width)` with trailing blank lines dropped, computed from the
 * end: only the lines that are shown are sanitised and wrapped, so a frame costs the same whether the text
 * is 200 or 16 000 characters long.
 */
export function wrapTail(text: string, width: number, maxLines: number): string[] {
  if (maxLines <= 0) return [];
  const chunks: string[][] = [];
  let count = 0;
  let end = text.length;
  let trailing = true;
  while (count < maxLines) {
    let start = end;
    // A line ends at \n, \r\n or a lone \r, as sanitize() reads them.
    while (start > 0) {
      const code = text.charCodeAt(start - 1);
      if (code === 10 || code === 13) break;
      start -= 1;
    }
    let wrapped = wrapOneLine(text.slice(start, end), width);
    if (trailing) {
      // Blank lines at the very end are not shown (the cache's arrays are shared: copy, don't pop).
      let keep = wrapped.length;
      while (keep > 0 && wrapped[keep - 1] === '') keep -= 1;
      wrapped = wrapped.slice(0, keep);
      trailing = keep === 0;
    }
    chunks.push(wrapped);
    count += wrapped.length;
    if (start === 0) break;
    end = start - 1;
    if (end > 0 && text.charCodeAt(end) === 10 && text.charCodeAt(end - 1) === 13) end -= 1;
  }
  const lines: string[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) lines.push(...(chunks[i] ?? []));
  return lines.slice(-maxLines);
}

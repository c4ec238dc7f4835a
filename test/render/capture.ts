import type { OutputStreamLike } from '../../src/render/index.js';

/** A stream that keeps what is written; `isTTY`, `columns` and `rows` as a test wants them. */
export function capture(options: { isTTY?: boolean; columns?: number; rows?: number } = {}): OutputStreamLike & {
  text: () => string;
  chunks: string[];
} {
  const chunks: string[] = [];
  return {
    ...options,
    chunks,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(''),
  };
}

// Built from char codes so the pattern carries no control characters in its source.
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, 'g');

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function hasEscape(text: string): boolean {
  return text.includes(ESC);
}

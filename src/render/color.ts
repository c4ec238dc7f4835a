import type { OutputStreamLike } from './types.js';

/**
 * Colour level (0 none, 1 basic, 2 256, 3 truecolor) for `stream`: `FORCE_COLOR` wins (0/false turns colour off),
 * then `NO_COLOR` (any non-empty value) turns it off, then colour only on a TTY.
 */
export function colorLevel(stream: OutputStreamLike, env: Record<string, string | undefined>): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (stream.isTTY !== true || env.TERM === 'dumb') return 0;
  return 1;
}

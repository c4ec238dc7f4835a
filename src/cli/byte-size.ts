import { usageError } from './cli-error.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * A size flag such as `--max-stream-bytes`: a whole number of bytes, or one with a binary unit
 * (`64MiB`, `512k`, `1G`; K, M and G mean KiB, MiB and GiB). Undefined when the flag was not given.
 */
export function byteSizeFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text);
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw usageError(`\`${flag}\` must be a size such as 64MiB, 512KiB or 1048576 (bytes), got ${JSON.stringify(value)}`);
  }
  return bytes;
}

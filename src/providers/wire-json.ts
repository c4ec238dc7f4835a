import { CorchError } from '../protocol/errors.js';
import type { ErrorContext } from './http-errors.js';

/** Wire JSON is untrusted: these narrow it without casts. */
export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative integer count, or undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

const MAX_QUOTED_CHUNK_CHARS = 120;

/** Parses one SSE `data` payload; anything but a JSON object fails the stage as a malformed chunk. */
export function parseChunk(data: string, ctx: ErrorContext, receivedChars: number): JsonRecord {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    value = undefined;
  }
  if (!isRecord(value)) {
    const quoted = data.length > MAX_QUOTED_CHUNK_CHARS ? `${data.slice(0, MAX_QUOTED_CHUNK_CHARS)}…` : data;
    throw new CorchError(
      'E_PROVIDER_STREAM',
      `${ctx.label} at ${ctx.url} sent a malformed chunk after ${receivedChars} characters (not a JSON object): ${quoted}`,
      { details: { url: ctx.url, received_chars: receivedChars } },
    );
  }
  return value;
}

/** Thrown when the body ended before the vendor's end marker or finish reason. */
export function endedEarly(ctx: ErrorContext, receivedChars: number): CorchError {
  return new CorchError(
    'E_PROVIDER_STREAM',
    `${ctx.label} at ${ctx.url} ended the stream before finishing, after ${receivedChars} characters`,
    { retryable: true, details: { url: ctx.url, received_chars: receivedChars } },
  );
}

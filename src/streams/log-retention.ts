import { CorchError } from '../protocol/errors.js';

/** Bytes of one stream's log before its run is stopped with `E_LOG_TOO_LARGE` (`serve --max-stream-bytes`). */
export const DEFAULT_MAX_STREAM_BYTES = 32 * 1024 * 1024;
/** Bytes of every log this server keeps (`serve --max-total-bytes`). */
export const DEFAULT_MAX_TOTAL_BYTES = 256 * 1024 * 1024;
/** Finished streams kept for their TTL before the oldest finished is dropped (`serve --max-finished`). */
export const DEFAULT_MAX_FINISHED = 1000;

export interface RetentionLimits {
  maxStreamBytes: number;
  maxTotalBytes: number;
  maxFinished: number;
}

interface Kept {
  bytes: number;
  /** When the stream finished (clock ms); undefined while it runs. */
  finishedAt: number | undefined;
}

/**
 * How much of the logs a server keeps, in one place above any store (so the memory store and the Redis
 * store are bounded alike): bytes per stream, bytes of all streams, and finished streams kept. Counts the
 * streams this server wrote. When a bound is hit, finished streams go first, oldest finished first; a running
 * stream is never dropped, but one that grows past its own bound, or past the total once nothing finished
 * is left to drop, is stopped (its terminal event is always stored). The caller deletes what {@link drop}
 * names from the store.
 */
export class LogRetention {
  readonly limits: RetentionLimits;
  readonly #ttlMs: number;
  /** Insertion order is creation order for running streams; finished ones are moved to the end. */
  readonly #kept = new Map<string, Kept>();
  /** Finished stream ids, oldest finished first. */
  readonly #finished = new Set<string>();
  #totalBytes = 0;

  constructor(limits: RetentionLimits, ttlMs: number) {
    this.limits = limits;
    this.#ttlMs = ttlMs;
  }

  /** Bytes of every log kept now. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Finished streams kept now. */
  get finishedCount(): number {
    return this.#finished.size;
  }

  /** A new stream (running). */
  started(streamId: string): void {
    if (!this.#kept.has(streamId)) this.#kept.set(streamId, { bytes: 0, finishedAt: undefined });
  }

  /** `bytes` more were appended to `streamId`'s log. */
  grew(streamId: string, bytes: number): void {
    const kept = this.#kept.get(streamId);
    if (!kept) return;
    kept.bytes += bytes;
    this.#totalBytes += bytes;
  }

  /**
   * Whether a running stream may append more: undefined when it may, else the error that stops it. May first
   * name finished streams to drop (through `drop`) to make room in the total.
   */
  refusal(streamId: string, now: number, drop: (streamId: string) => void): CorchError | undefined {
    const kept = this.#kept.get(streamId);
    if (!kept) return undefined;
    const { maxStreamBytes, maxTotalBytes } = this.limits;
    if (kept.bytes >= maxStreamBytes) {
      return new CorchError(
        'E_LOG_TOO_LARGE',
        `the run's event log reached ${formatBytes(maxStreamBytes)}, this server's bound per stream (serve --max-stream-bytes); it was stopped`,
      );
    }
    if (this.#totalBytes >= maxTotalBytes) this.#makeRoom(now, drop);
    if (this.#totalBytes >= maxTotalBytes) {
      return new CorchError(
        'E_STORE_FULL',
        `the server's event logs reached ${formatBytes(maxTotalBytes)} (serve --max-total-bytes) with only running streams left to keep; this run was stopped`,
        { retryable: true },
      );
    }
    return undefined;
  }

  /** Throws `E_STORE_FULL` (503) when a new stream could not be kept even after dropping finished ones. */
  assertRoom(now: number, drop: (streamId: string) => void): void {
    if (this.#totalBytes < this.limits.maxTotalBytes) return;
    this.#makeRoom(now, drop);
    if (this.#totalBytes < this.limits.maxTotalBytes) return;
    throw new CorchError(
      'E_STORE_FULL',
      `the server's event logs already hold ${formatBytes(this.limits.maxTotalBytes)} (serve --max-total-bytes), all of running streams; try again when one finishes`,
      { status: 503, retryable: true },
    );
  }

  /** `streamId` ended at `now`: it becomes the newest finished stream, and the oldest go past the cap. */
  finished(streamId: string, now: number, drop: (streamId: string) => void): void {
    const kept = this.#kept.get(streamId);
    if (!kept || kept.finishedAt !== undefined) return;
    kept.finishedAt = now;
    this.#finished.add(streamId);
    this.#prune(now);
    while (this.#finished.size > this.limits.maxFinished) this.#dropOldest(drop);
  }

  /** Forgets a stream the store removed by itself (deleted or expired). */
  forget(streamId: string): void {
    const kept = this.#kept.get(streamId);
    if (!kept) return;
    this.#kept.delete(streamId);
    this.#finished.delete(streamId);
    this.#totalBytes -= kept.bytes;
  }

  /** Drops finished streams, oldest finished first, until the total is under its bound or none is left. */
  #makeRoom(now: number, drop: (streamId: string) => void): void {
    this.#prune(now);
    while (this.#totalBytes >= this.limits.maxTotalBytes && this.#finished.size > 0) this.#dropOldest(drop);
  }

  #dropOldest(drop: (streamId: string) => void): void {
    const oldest = this.#finished.values().next();
    if (oldest.done) return;
    this.forget(oldest.value);
    drop(oldest.value);
  }

  /** Forgets finished streams whose TTL has passed: the store has expired them. */
  #prune(now: number): void {
    for (const id of this.#finished) {
      const kept = this.#kept.get(id);
      if (kept?.finishedAt === undefined || kept.finishedAt + this.#ttlMs > now) break;
      this.forget(id);
    }
  }
}

/** `33554432` → `32 MiB`. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

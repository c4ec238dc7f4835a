import { isTerminalEvent } from '../protocol/events.js';
import type { EntryBatch, StoredEntry } from './stream-store.js';

/**
 * An {@link EntryBatch} over entries a store has just appended (or received from a blocking read). The
 * joined SSE frames are built the first time a listener asks and then shared by all of them.
 */
export class LogBatch implements EntryBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly entries: readonly StoredEntry[] | undefined;
  readonly terminal: boolean;
  #frames: string | undefined;
  #wsFrames: Buffer | undefined;

  /** A batch handing over `entries`, which must be non-empty and contiguous. */
  static of(entries: readonly StoredEntry[]): LogBatch {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) throw new Error('a batch needs at least one entry');
    return new LogBatch(first.seq, last, entries);
  }

  /** A batch too large to hand over: listeners learn the range and read it from their cursors. */
  static range(firstSeq: number, last: StoredEntry): LogBatch {
    return new LogBatch(firstSeq, last, undefined);
  }

  private constructor(firstSeq: number, last: StoredEntry, entries: readonly StoredEntry[] | undefined) {
    this.firstSeq = firstSeq;
    this.lastSeq = last.seq;
    this.entries = entries;
    this.terminal = isTerminalEvent(last.name);
    this.#frames = undefined;
    this.#wsFrames = undefined;
  }

  get frames(): string | undefined {
    const entries = this.entries;
    if (entries === undefined) return undefined;
    if (this.#frames === undefined) {
      if (entries.length === 1) this.#frames = entries[0]?.frame ?? '';
      else {
        let frames = '';
        for (const entry of entries) frames += entry.frame;
        this.#frames = frames;
      }
    }
    return this.#frames;
  }

  get wsFrames(): Buffer | undefined {
    const entries = this.entries;
    if (entries === undefined) return undefined;
    this.#wsFrames ??= joinWsFrames(entries, entries.length);
    return this.#wsFrames;
  }
}

/** The WebSocket frames of the first `count` entries, as one buffer (the frame itself when there is one). */
export function joinWsFrames(entries: readonly StoredEntry[], count: number): Buffer {
  if (count === 1 && entries[0] !== undefined) return entries[0].wsFrame;
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const entry = entries[i];
    if (entry !== undefined) frames.push(entry.wsFrame);
  }
  return Buffer.concat(frames);
}

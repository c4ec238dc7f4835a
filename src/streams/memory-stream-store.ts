import type { StreamState } from '../protocol/stream-state.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import type { StoredEntry, StreamStore, WaitOutcome } from './stream-store.js';

interface Waiter {
  readonly afterSeq: number;
  settle(outcome: WaitOutcome): void;
}

interface MemoryStream {
  state: StreamState;
  /** `entries[i].seq === i + 1`, so reading after a cursor is a slice, not a search. */
  readonly entries: StoredEntry[];
  readonly waiters: Set<Waiter>;
  wakeScheduled: boolean;
  expiresAt: number | undefined;
  expiryTimer: TimerHandle | undefined;
}

export interface MemoryStreamStoreOptions {
  clock?: Clock;
}

/**
 * A {@link StreamStore} in this process's memory: what a single `corch serve` or an embedded server uses.
 * Expiry is checked both by a timer and on every access, so a stream past its TTL is never served even if
 * the timer has not fired yet (and tests can move an injected clock forward without firing timers).
 */
export class MemoryStreamStore implements StreamStore {
  readonly #streams = new Map<string, MemoryStream>();
  readonly #clock: Clock;

  constructor(options: MemoryStreamStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async create(state: StreamState): Promise<void> {
    if (this.#find(state.stream_id)) throw new Error(`stream ${state.stream_id} already exists`);
    this.#streams.set(state.stream_id, {
      state: { ...state },
      entries: [],
      waiters: new Set(),
      wakeScheduled: false,
      expiresAt: undefined,
      expiryTimer: undefined,
    });
  }

  async append(streamId: string, entry: StoredEntry): Promise<void> {
    const stream = this.#find(streamId);
    if (!stream) throw new Error(`stream ${streamId} does not exist`);
    const expected = stream.entries.length + 1;
    if (entry.seq !== expected) throw new Error(`stream ${streamId}: expected seq ${expected}, got ${entry.seq}`);
    stream.entries.push(entry);
    this.#scheduleWake(stream);
  }

  async read(streamId: string, afterSeq: number, limit: number): Promise<StoredEntry[]> {
    const stream = this.#find(streamId);
    if (!stream) return [];
    const from = Math.max(0, Math.floor(afterSeq));
    return stream.entries.slice(from, from + Math.max(0, limit));
  }

  waitForEntries(streamId: string, afterSeq: number, signal: AbortSignal): Promise<WaitOutcome> {
    const stream = this.#find(streamId);
    if (!stream) return Promise.resolve('gone');
    if (stream.entries.length > afterSeq) return Promise.resolve('entries');
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise<WaitOutcome>((resolve) => {
      const onAbort = () => waiter.settle('aborted');
      const waiter: Waiter = {
        afterSeq,
        settle(outcome) {
          stream.waiters.delete(waiter);
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      stream.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async getState(streamId: string): Promise<StreamState | undefined> {
    const stream = this.#find(streamId);
    return stream ? { ...stream.state } : undefined;
  }

  async patchState(streamId: string, patch: Partial<StreamState>): Promise<StreamState | undefined> {
    const stream = this.#find(streamId);
    if (!stream) return undefined;
    stream.state = { ...stream.state, ...patch, stream_id: stream.state.stream_id };
    return { ...stream.state };
  }

  async list(): Promise<StreamState[]> {
    const states: StreamState[] = [];
    // A Map iterates in insertion (= creation) order; newest first is that order reversed.
    for (const id of [...this.#streams.keys()].reverse()) {
      const stream = this.#find(id);
      if (stream) states.push({ ...stream.state });
    }
    return states;
  }

  async delete(streamId: string): Promise<boolean> {
    return this.#remove(streamId);
  }

  async expire(streamId: string, ttlMs: number): Promise<void> {
    const stream = this.#find(streamId);
    if (!stream) return;
    stream.expiresAt = this.#clock.now() + Math.max(0, ttlMs);
    this.#armExpiry(streamId, stream);
  }

  async close(): Promise<void> {
    for (const id of [...this.#streams.keys()]) this.#remove(id);
  }

  /** The stream, unless it is missing or past its expiry (in which case it is removed now). */
  #find(streamId: string): MemoryStream | undefined {
    const stream = this.#streams.get(streamId);
    if (!stream) return undefined;
    if (stream.expiresAt !== undefined && stream.expiresAt <= this.#clock.now()) {
      this.#remove(streamId);
      return undefined;
    }
    return stream;
  }

  #armExpiry(streamId: string, stream: MemoryStream): void {
    if (stream.expiryTimer) this.#clock.clearTimeout(stream.expiryTimer);
    stream.expiryTimer = undefined;
    if (stream.expiresAt === undefined) return;
    const remaining = Math.max(0, stream.expiresAt - this.#clock.now());
    stream.expiryTimer = this.#clock.setTimeout(() => {
      stream.expiryTimer = undefined;
      // #find removes the stream when it is due; if the timer fired a little early, wait the rest.
      const live = this.#find(streamId);
      if (live === stream) this.#armExpiry(streamId, stream);
    }, remaining);
  }

  #remove(streamId: string): boolean {
    const stream = this.#streams.get(streamId);
    if (!stream) return false;
    this.#streams.delete(streamId);
    if (stream.expiryTimer) this.#clock.clearTimeout(stream.expiryTimer);
    for (const waiter of [...stream.waiters]) waiter.settle('gone');
    return true;
  }

  /**
   * Waiters are woken once per event-loop turn, after every append of that turn: a subscriber then reads
   * all of them in one batch and writes them to its socket in one write, instead of one write per event.
   */
  #scheduleWake(stream: MemoryStream): void {
    if (stream.wakeScheduled) return;
    stream.wakeScheduled = true;
    setImmediate(() => {
      stream.wakeScheduled = false;
      for (const waiter of [...stream.waiters]) {
        if (stream.entries.length > waiter.afterSeq) waiter.settle('entries');
      }
    });
  }
}

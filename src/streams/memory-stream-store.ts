import type { StreamState } from '../protocol/stream-state.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { LogBatch } from './log-batch.js';
import type { StoredEntry, StreamListener, StreamStore } from './stream-store.js';

/**
 * Most entries joined into one shared batch. Larger batches (a run emitting thousands of events in one
 * turn) are left for each listener to read from its cursor, in bounded reads, so a caught-up subscriber
 * is never handed more than one read's worth at a time.
 */
export const SHARED_BATCH_LIMIT = 256;

interface MemoryStream {
  readonly id: string;
  state: StreamState;
  /** `entries[i].seq === i + 1`, so reading after a cursor is a slice, not a search. */
  entries: StoredEntry[];
  /** An array, not a Set: a stream has one listener or a few most of the time, and a Set costs ~4× more. */
  readonly listeners: StreamListener[];
  /** Entries up to this seq have been handed to listeners. */
  notified: number;
  /** Queued for the next wake-up. */
  dirty: boolean;
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
  /** Streams with entries not yet handed to their listeners; all are woken by one setImmediate. */
  #dirty: MemoryStream[] = [];
  readonly #wake = () => this.#wakeAll();

  constructor(options: MemoryStreamStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async create(state: StreamState): Promise<void> {
    if (this.#find(state.stream_id)) throw new Error(`stream ${state.stream_id} already exists`);
    this.#streams.set(state.stream_id, {
      id: state.stream_id,
      state: { ...state },
      entries: NO_ENTRIES,
      listeners: [],
      notified: 0,
      dirty: false,
      expiresAt: undefined,
      expiryTimer: undefined,
    });
  }

  async append(streamId: string, entries: readonly StoredEntry[], patch: Partial<StreamState>): Promise<void> {
    const stream = this.#writable(streamId);
    const log = stream.entries;
    for (let i = 0; i < entries.length; i += 1) {
      const expected = log.length + 1 + i;
      const seq = entries[i]?.seq;
      if (seq !== expected) throw new Error(`stream ${streamId}: expected seq ${expected}, got ${seq}`);
    }
    if (log.length === 0) stream.entries = entries.slice();
    else for (const entry of entries) log.push(entry);
    this.#appended(stream, patch, entries.length);
  }

  /** {@link StreamStore.appendNow}: one entry, stored before it returns. */
  appendNow(streamId: string, entry: StoredEntry, patch: Partial<StreamState>): void {
    const stream = this.#writable(streamId);
    const expected = stream.entries.length + 1;
    if (entry.seq !== expected) throw new Error(`stream ${streamId}: expected seq ${expected}, got ${entry.seq}`);
    // The first entry gets an array of its own, of exactly one slot: pushing onto an empty array would
    // reserve 17, and most idle streams hold one entry (task_started) for as long as they live.
    if (expected === 1) stream.entries = [entry];
    else stream.entries.push(entry);
    this.#appended(stream, patch, 1);
  }

  async read(streamId: string, afterSeq: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredEntry[]> {
    const stream = this.#find(streamId);
    if (!stream) return [];
    const from = Math.max(0, Math.floor(afterSeq));
    const to = Math.min(stream.entries.length, from + Math.max(0, limit));
    if (maxBytes === Number.POSITIVE_INFINITY) return stream.entries.slice(from, to);
    // Bounded by bytes as well: a reader catching up on a log of large events holds one read's worth of
    // them, not `limit` events of any size (each reader's read is joined into one write of its own).
    let end = from;
    let bytes = 0;
    while (end < to) {
      bytes += stream.entries[end]?.size ?? 0;
      if (bytes > maxBytes && end > from) break;
      end += 1;
    }
    return stream.entries.slice(from, end);
  }

  subscribe(streamId: string, listener: StreamListener): boolean {
    const stream = this.#find(streamId);
    if (!stream) return false;
    stream.listeners.push(listener);
    return true;
  }

  unsubscribe(streamId: string, listener: StreamListener): void {
    const listeners = this.#streams.get(streamId)?.listeners;
    const index = listeners?.indexOf(listener) ?? -1;
    if (index >= 0) listeners?.splice(index, 1);
  }

  async getState(streamId: string): Promise<StreamState | undefined> {
    const stream = this.#find(streamId);
    return stream ? { ...stream.state } : undefined;
  }

  async patchState(streamId: string, patch: Partial<StreamState>): Promise<boolean> {
    const stream = this.#find(streamId);
    if (!stream) return false;
    this.#patch(stream, patch);
    return true;
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

  #writable(streamId: string): MemoryStream {
    const stream = this.#find(streamId);
    if (!stream) throw new Error(`stream ${streamId} does not exist`);
    return stream;
  }

  /** After entries were added: the state patch, and listeners told on the next wake-up. */
  #appended(stream: MemoryStream, patch: Partial<StreamState>, count: number): void {
    this.#patch(stream, patch);
    if (stream.dirty || count === 0) return;
    stream.dirty = true;
    if (this.#dirty.length === 0) setImmediate(this.#wake);
    this.#dirty.push(stream);
  }

  #patch(stream: MemoryStream, patch: Partial<StreamState>): void {
    // In place: the state is private to the store (getState and list hand out copies).
    Object.assign(stream.state, patch);
    stream.state.stream_id = stream.id;
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
    const listeners = stream.listeners.splice(0);
    for (const listener of listeners) listener.onGone();
    return true;
  }

  /**
   * Listeners are told once per event-loop turn, after every append of that turn: a caught-up subscriber
   * then writes all of them in one socket write, instead of one write per event.
   */
  #wakeAll(): void {
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const stream of dirty) {
      stream.dirty = false;
      if (this.#streams.get(stream.id) === stream) this.#notify(stream);
    }
  }

  #notify(stream: MemoryStream): void {
    const { entries } = stream;
    const from = stream.notified;
    const to = entries.length;
    stream.notified = to;
    const last = entries[to - 1];
    if (to <= from || last === undefined || stream.listeners.length === 0) return;
    // Built once; each listener that is caught up writes the same joined frames (built on first use).
    const batch =
      to - from <= SHARED_BATCH_LIMIT ? LogBatch.of(entries.slice(from, to)) : LogBatch.range(from + 1, last);
    // A listener may unsubscribe (its response ended) while being told: several are told from a copy.
    const listeners = stream.listeners.length === 1 ? stream.listeners : stream.listeners.slice();
    for (const listener of listeners) {
      try {
        listener.onEntries(batch);
      } catch {
        // Listeners must not throw; one that does must not cost the others their batch.
      }
    }
  }
}

/** Shared by every stream that has no entry yet (never pushed onto: the first append replaces it). */
const NO_ENTRIES: StoredEntry[] = [];

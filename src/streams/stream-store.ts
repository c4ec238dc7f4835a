import type { StoredEvent } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';

/**
 * One entry of a stream's append-only log. The SSE frame is encoded once, when the event is appended, and
 * every subscriber writes that same string: serialising per subscriber would cost CPU per watcher.
 */
export interface StoredEntry {
  /** Equals `event.data.seq` and the frame's `id:`; 1, 2, 3 … with no gaps. */
  readonly seq: number;
  readonly event: StoredEvent;
  /** `id: <seq>\nevent: <name>\ndata: <json>\n\n`, ready to write to a socket. */
  readonly frame: string;
}

/** How a wait for new entries ended. */
export type WaitOutcome =
  /** Entries after the cursor exist now. */
  | 'entries'
  /** The stream is gone (expired or deleted): nothing more will come. */
  | 'gone'
  /** The caller's signal was aborted (its client disconnected). */
  | 'aborted';

/**
 * Where streams live: the log of each stream plus its state. Every method is asynchronous so that a store
 * backed by Redis Streams (XADD with explicit ids, XRANGE, XREAD BLOCK, a hash for the state, PEXPIRE) is
 * a new file and not a rewrite. The StreamManager is the only writer of a stream; any number of readers
 * (SSE subscribers, possibly on other servers) read from their own cursors.
 */
export interface StreamStore {
  /** Creates a stream with its initial state and an empty log. Throws if the id exists. */
  create(state: StreamState): Promise<void>;
  /**
   * Appends one entry. `entry.seq` must be the stream's last seq + 1 (the writer numbers its events, so the
   * store only checks): a gap or a repeat throws. Wakes every waiter of the stream.
   */
  append(streamId: string, entry: StoredEntry): Promise<void>;
  /** Up to `limit` entries with seq > `afterSeq`, in order; empty when there are none or no such stream. */
  read(streamId: string, afterSeq: number, limit: number): Promise<StoredEntry[]>;
  /**
   * Resolves once the stream has an entry with seq > `afterSeq` (at once if it already has), once the
   * stream is gone, or once `signal` is aborted; never rejects. Stores may batch the wake-ups so that
   * entries appended during one event-loop turn are read together.
   */
  waitForEntries(streamId: string, afterSeq: number, signal: AbortSignal): Promise<WaitOutcome>;
  getState(streamId: string): Promise<StreamState | undefined>;
  /** Merges `patch` into the state and returns the result; undefined when there is no such stream. */
  patchState(streamId: string, patch: Partial<StreamState>): Promise<StreamState | undefined>;
  /** Every stream's state, newest (by `created_at`) first. */
  list(): Promise<StreamState[]>;
  /** Removes the stream's log and state; waiters see `gone`. Returns whether it existed. */
  delete(streamId: string): Promise<boolean>;
  /** Removes the stream `ttlMs` from now (replacing an earlier expiry). */
  expire(streamId: string, ttlMs: number): Promise<void>;
  /** Releases timers and connections. The store is not used afterwards. */
  close(): Promise<void>;
}

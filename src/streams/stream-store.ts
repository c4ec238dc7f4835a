import type { StoredEvent, StoredEventName } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';

/**
 * One entry of a stream's append-only log. The SSE frame is encoded once, when the event is appended, and
 * every subscriber writes that same string: serialising per subscriber would cost CPU per watcher. Only
 * what readers need is kept (seq, name for terminal detection, the frame); the event object is decoded
 * from the frame on demand, so an idle stream does not hold its events twice.
 */
export interface StoredEntry {
  /** Equals `event.data.seq` and the frame's `id:`; 1, 2, 3 … with no gaps. */
  readonly seq: number;
  /** The event's name (`task_started`, …). */
  readonly name: StoredEventName;
  /** `id: <seq>\nevent: <name>\ndata: <json>\n\n`, ready to write to a socket. */
  readonly frame: string;
  /** The event, decoded from `frame` each time it is read (for tests and tools, not the hot path). */
  readonly event: StoredEvent;
}

/**
 * The entries appended to one stream since the previous batch, handed to every listener of the stream.
 * Stores batch the entries appended during one event-loop turn (the memory store) or returned by one
 * blocking read (a Redis store), so a subscriber that is caught up writes them in one socket write.
 */
export interface EntryBatch {
  /** Seq of the first entry of the batch. */
  readonly firstSeq: number;
  /** Seq of the last entry of the batch. */
  readonly lastSeq: number;
  /**
   * The frames of `firstSeq`…`lastSeq` joined, built once per batch and shared by every listener. Undefined
   * when the batch is too large to send in one write: listeners then read it from their own cursor.
   */
  readonly frames: string | undefined;
  /** The batch ends with the terminal event (`task_completed` or `task_error`): nothing follows it. */
  readonly terminal: boolean;
}

/**
 * Told about new entries of one stream. Called synchronously by the store; must not throw. A listener that
 * is behind (its cursor is before `batch.firstSeq - 1`) or busy reads the log from its own cursor instead.
 */
export interface StreamListener {
  onEntries(batch: EntryBatch): void;
  /** The stream is gone (expired or deleted): nothing more will come, and the listener is dropped. */
  onGone(): void;
}

/**
 * Where streams live: the log of each stream plus its state. Every method that a remote store would answer
 * over the network is asynchronous, so that a store backed by Redis Streams (XADD with explicit ids, XRANGE,
 * one XREAD BLOCK per stream with local listeners, a hash for the state, PEXPIRE) is a new file and not a
 * rewrite. The StreamManager is the only writer of a stream; any number of readers (SSE subscribers,
 * possibly on other servers) read from their own cursors.
 */
export interface StreamStore {
  /** Creates a stream with its initial state and an empty log. Throws if the id exists. */
  create(state: StreamState): Promise<void>;
  /**
   * Appends one entry. `entry.seq` must be the stream's last seq + 1 (the writer numbers its events, so the
   * store only checks): a gap or a repeat throws. Listeners of the stream are told (batched).
   */
  append(streamId: string, entry: StoredEntry): Promise<void>;
  /** Up to `limit` entries with seq > `afterSeq`, in order; empty when there are none or no such stream. */
  read(streamId: string, afterSeq: number, limit: number): Promise<StoredEntry[]>;
  /**
   * Registers `listener` for every batch appended after this call, until {@link StreamStore.unsubscribe}
   * or the stream is gone. Entries appended before it are read with {@link StreamStore.read} (subscribe
   * first, then read, and nothing falls between the two). Returns false, registering nothing, when there
   * is no such stream. Synchronous: it is local bookkeeping even for a remote store (which shares one
   * blocking read per stream between its local listeners).
   */
  subscribe(streamId: string, listener: StreamListener): boolean;
  /** Drops `listener`; harmless if it was not registered. */
  unsubscribe(streamId: string, listener: StreamListener): void;
  getState(streamId: string): Promise<StreamState | undefined>;
  /** Merges `patch` into the state; false when there is no such stream. `stream_id` is never changed. */
  patchState(streamId: string, patch: Partial<StreamState>): Promise<boolean>;
  /** Every stream's state, newest (by `created_at`) first. */
  list(): Promise<StreamState[]>;
  /** Removes the stream's log and state; listeners are told it is gone. Returns whether it existed. */
  delete(streamId: string): Promise<boolean>;
  /** Removes the stream `ttlMs` from now (replacing an earlier expiry). */
  expire(streamId: string, ttlMs: number): Promise<void>;
  /** Releases timers and connections. The store is not used afterwards. */
  close(): Promise<void>;
}

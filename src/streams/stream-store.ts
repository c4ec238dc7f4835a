import type { StoredEvent, StoredEventName } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';

/**
 * One entry of a stream's append-only log: the event's JSON, plus its SSE frame and WebSocket frame, each
 * built at most once per entry object and shared by every reader (encoding per subscriber would cost CPU
 * per watcher). {@link LogEntry} is the implementation every store uses: a store keeps the JSON (or, in
 * memory, the frame) and hands out LogEntry objects.
 */
export interface StoredEntry {
  /** Equals `event.data.seq`, the frame's `id:` and the message's `id`; 1, 2, 3 … with no gaps. */
  readonly seq: number;
  /** The event's name (`task_started`, …). */
  readonly name: StoredEventName;
  /** The event's `data` as one line of JSON: what a remote store writes. */
  readonly json: string;
  /** The SSE frame `id: <seq>\nevent: <name>\ndata: <json>\n\n`, ready to write to a response. */
  readonly frame: string;
  /**
   * The message `{"id":<seq>,"event":"<name>","data":<json>}` as a complete, unmasked WebSocket text frame
   * (RFC 6455 §5.2, as a server sends it): every WebSocket subscriber writes these same bytes.
   */
  readonly wsFrame: Buffer;
  /** About how many bytes the entry is (its JSON's length): what a catch-up read's byte bound counts. */
  readonly size: number;
  /** The event, decoded from the JSON each time it is read (for tests and tools, not the hot path). */
  readonly event: StoredEvent;
}

/**
 * The entries appended to one stream since the previous batch, handed to every listener of the stream.
 * Stores batch the entries appended during one event-loop turn (the memory store) or returned by one
 * blocking read (a Redis store), so a subscriber that is caught up writes them in one socket write.
 * {@link LogBatch} builds one from entries.
 */
export interface EntryBatch {
  /** Seq of the first entry of the batch. */
  readonly firstSeq: number;
  /** Seq of the last entry of the batch. */
  readonly lastSeq: number;
  /**
   * The entries `firstSeq`…`lastSeq`, or undefined when the batch is too large to hand over in one piece:
   * listeners then read it from their own cursor, in bounded reads.
   */
  readonly entries: readonly StoredEntry[] | undefined;
  /** The SSE frames of `entries` joined, built on first use and shared by every listener. */
  readonly frames: string | undefined;
  /** The WebSocket frames of `entries` joined, built on first use and shared by every listener. */
  readonly wsFrames: Buffer | undefined;
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
  /**
   * The store cannot deliver for now (Redis is unreachable) and has dropped the listener; the reader should
   * end and come back later from its cursor. Without it, the store calls {@link StreamListener.onGone}.
   */
  onInterrupted?(): void;
}

/** What `/healthz` and `corch serve` say about a store. */
export interface StoreHealth {
  readonly kind: 'memory' | 'redis';
  /** How to name the store to a user: `memory`, or the Redis URL without its password. */
  readonly label: string;
  /** Whether the store answers now. */
  readonly available: boolean;
}

/**
 * Where streams live: the log of each stream plus its state. Every method that a remote store would answer
 * over the network is asynchronous, so that a store backed by Redis Streams (XADD with explicit ids, XRANGE,
 * one XREAD BLOCK per stream with local listeners, a hash for the state, PEXPIRE) is a new file and not a
 * rewrite. The StreamManager is the only writer of a stream; any number of readers (SSE and WebSocket
 * subscribers, possibly on other servers) read from their own cursors.
 *
 * What a store keeps per entry is its seq, name and JSON; it hands entries out as {@link LogEntry} objects,
 * whose frames are built lazily. The memory store keeps the LogEntry objects themselves.
 */
export interface StreamStore {
  /** Creates a stream with its initial state and an empty log. Throws if the id exists. */
  create(state: StreamState): Promise<void>;
  /**
   * Appends `entries` (in seq order) and merges `patch` into the state, as one step: one round trip for a
   * remote store (XADD… and HSET in one pipeline). The first entry's seq must be the stream's last seq + 1
   * and the rest contiguous (the writer numbers its events, so the store only checks): a gap or a repeat
   * throws, storing nothing. Listeners of the stream are told (batched). The writer calls it at most once at
   * a time per stream, and with every event appended during one event-loop turn.
   */
  append(streamId: string, entries: readonly StoredEntry[], patch: Partial<StreamState>): Promise<void>;
  /**
   * Optional, for a store in this process's memory: {@link StreamStore.append} of one entry, done before it
   * returns (throwing what `append` would reject with). When a store has it, the StreamManager stores each
   * event as it is emitted and answers the emit with an already-settled promise, so a run that awaits
   * every emit pays no promise chain per event. A remote store leaves it out.
   */
  appendNow?(streamId: string, entry: StoredEntry, patch: Partial<StreamState>): void;
  /**
   * Entries with seq > `afterSeq`, in order: at most `limit` of them, and, when `maxBytes` is given, no
   * more than fit in it by {@link StoredEntry.size} (but always at least one, however large). Empty when
   * there are none or no such stream.
   */
  read(streamId: string, afterSeq: number, limit: number, maxBytes?: number): Promise<StoredEntry[]>;
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
  /** What the store is and whether it answers (a store that has no way to fail may leave it out). */
  health?(): StoreHealth;
}

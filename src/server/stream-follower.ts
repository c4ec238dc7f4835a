import { isTerminalEvent } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';
import type { Clock, TimerHandle } from '../streams/clock.js';
import type { EntryBatch, StoredEntry, StreamListener, StreamStore } from '../streams/stream-store.js';
import type { HeartbeatTarget } from './heartbeat-wheel.js';

/**
 * Entries read (and written in one socket write) per read from the cursor. Bounds what one connection can
 * have in flight beyond the socket's own buffer, whatever the size of the log.
 */
export const READ_BATCH_LIMIT = 256;
/**
 * Bytes (of event JSON) read per read from the cursor, whatever the count: each connection joins one
 * read into one write of its own, so a read of 256 large events per reader is what let 40 readers
 * resuming an 11 MiB log hold 611 MiB. At least one event is read, however large.
 */
export const READ_BATCH_BYTES = 128 * 1024;

/** What every follower of one server shares: one object, referenced by each connection. */
export interface FollowerShared {
  readonly store: StreamStore;
  readonly clock: Clock;
  /** Called once per follower, when its transport has closed (ended by us or gone from the peer's side). */
  readonly release: (follower: StreamFollower) => void;
}

/** Why a follower stopped sending: the transport says so in its own way (SSE ends, WebSocket close codes). */
export type FollowEnd =
  /** The terminal event was sent: the stream is over for this subscriber. */
  | 'terminal'
  /** The stream does not exist (any more): expired or deleted. */
  | 'gone'
  /** The server ended it (shutdown). */
  | 'server'
  /** The store failed under a read: the client resumes from its cursor. */
  | 'failed'
  /** The store cannot be reached for now (Redis is away): the client comes back later from its cursor. */
  | 'unavailable';

/**
 * One subscriber of one stream, whatever the transport: it owns the cursor, subscribes once and reads the log
 * from the cursor, waits for 'drain', holds events for the batching window, sends heartbeats and ends after
 * the terminal event. A transport (SSE, WebSocket) is a subclass that only frames and writes what it is
 * handed, and closes its connection in its own way. There is no queue per subscriber: the log is the buffer.
 *
 * The follower subscribes to its stream once, for its whole life (no promise, waiter or abort listener per
 * wait). When the store hands it a batch that follows its cursor, the transport writes the batch's shared
 * frames, joined once for every subscriber. Otherwise (it is replaying, waiting for 'drain', or holding
 * events for its batching window) it reads from its cursor when it can write again. So a slow client costs
 * the server a cursor, not memory, and an idle one costs this object and a place in the listener list.
 */
export abstract class StreamFollower implements HeartbeatTarget, StreamListener {
  readonly streamId: string;
  heartbeatSlot: number | undefined;
  readonly #shared: FollowerShared;
  readonly #batchMs: number;
  #cursor: number;
  /** A read from the cursor is in flight; batches arriving meanwhile only set {@link #missed}. */
  #reading = false;
  #missed = false;
  #needDrain = false;
  /** When events were last written (batching only; undefined before the first). */
  #lastWriteAt: number | undefined;
  #flushTimer: TimerHandle | undefined;
  /** Nothing more is sent (after the terminal event, or ended by the server or the peer). */
  #ended = false;
  #released = false;
  // Created on first use: most followers never wait for 'drain' or batch.
  #onDrain: (() => void) | undefined;
  #onFlush: (() => void) | undefined;

  /**
   * `streamId` as the store holds it (not a slice of the request URL, which it would keep alive); sends
   * entries with seq > `cursor`; `batchMs` is the batching window (0: write as soon as possible; otherwise
   * a write goes out at once if the previous write of events was more than this long ago, and new events
   * wait until that write + this window).
   */
  protected constructor(shared: FollowerShared, streamId: string, cursor: number, batchMs: number) {
    this.streamId = streamId;
    this.heartbeatSlot = undefined;
    this.#shared = shared;
    this.#batchMs = batchMs;
    this.#cursor = cursor;
  }

  /** Writes a batch of new entries, the store's shared frames (`batch.entries` is defined). False: full. */
  protected abstract writeBatch(batch: EntryBatch): boolean;
  /** Writes the first `count` of `entries`, read from the cursor, in one write. False: the socket is full. */
  protected abstract writeEntries(entries: readonly StoredEntry[], count: number): boolean;
  /** Writes a live-only heartbeat (no id, not stored) with the stream's state. */
  protected abstract writeHeartbeat(state: StreamState, now: number): void;
  /** The catch-up found nothing to replay (SSE sends its `retry:` then). */
  protected abstract caughtUpEmpty(): void;
  /** Calls `onDrain` once, when the transport can take writes again. */
  protected abstract awaitDrain(onDrain: () => void): void;
  /** Closes the transport politely, saying why; nothing is written after it. */
  protected abstract finish(end: FollowEnd): void;
  /** Drops the transport at once. */
  protected abstract abort(): void;

  /** The seq of the last event written to this client. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Nothing more will be sent. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Subscribes to the stream and replays the log after the cursor; live batches follow as they come. The
   * follower then lives on callbacks until the terminal event or a disconnect: nothing awaits it.
   */
  start(): void {
    // Subscribed before the first read, so nothing appended in between is missed.
    if (!this.#shared.store.subscribe(this.streamId, this)) {
      this.#end('gone');
      return;
    }
    void this.#catchUp();
  }

  /** New entries of the stream (called by the store, once per batch). */
  onEntries(batch: EntryBatch): void {
    if (this.#ended || batch.lastSeq <= this.#cursor) return;
    if (this.#reading) {
      this.#missed = true;
      return;
    }
    // Waiting for 'drain' or for the batching window: that wake-up reads on from the cursor.
    if (this.#needDrain || this.#flushTimer !== undefined) return;
    if (this.#batchMs > 0 && this.#lastWriteAt !== undefined) {
      const now = this.#shared.clock.now();
      const due = this.#lastWriteAt + this.#batchMs;
      if (now <= due) {
        this.#onFlush ??= () => this.#flush();
        this.#flushTimer = this.#shared.clock.setTimeout(this.#onFlush, due - now);
        return;
      }
    }
    if (batch.entries !== undefined && batch.firstSeq === this.#cursor + 1) {
      // Caught up: the batch's frames, joined once by the store, go out as they are.
      this.#cursor = batch.lastSeq;
      this.#wrote(this.writeBatch(batch));
      if (batch.terminal) this.#end('terminal');
      return;
    }
    void this.#catchUp();
  }

  onGone(): void {
    this.#end('gone');
  }

  /** The store cannot deliver for now (Redis went away): the client is told to come back later. */
  onInterrupted(): void {
    this.#end('unavailable');
  }

  /** Sends a heartbeat with the stream's state (called by the heartbeat wheel). */
  heartbeat(): void {
    // A full socket already proves nothing is idle-timing out; adding to it would grow memory.
    if (this.#ended || this.#needDrain) return;
    // The state is read now rather than tracked per connection: heartbeats are rare, events are not.
    this.#shared.store.getState(this.streamId).then(
      (state) => {
        // Gone from a shared store (deleted or expired by another server): nothing will tell this one.
        if (state === undefined) this.#end('gone');
        else if (!this.#ended && !this.#needDrain) this.writeHeartbeat(state, this.#shared.clock.now());
      },
      () => undefined,
    );
  }

  /** Ends the connection politely (e.g. on shutdown, once the terminal event had its chance to go out). */
  end(): void {
    this.#end('server');
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#stop();
    this.abort();
  }

  /**
   * For the transport, once its connection has closed (from either side): stops listening, and tells the
   * server once.
   */
  protected closed(): void {
    if (this.#released) return;
    this.#released = true;
    this.#stop();
    this.#shared.release(this);
  }

  #end(why: FollowEnd): void {
    if (this.#ended) return;
    this.#stop();
    this.finish(why);
  }

  /** Reads from the cursor and writes, until caught up, ended, or the socket is full. */
  async #catchUp(): Promise<void> {
    this.#reading = true;
    try {
      while (!this.#ended && !this.#needDrain) {
        this.#missed = false;
        const entries = await this.#shared.store.read(this.streamId, this.#cursor, READ_BATCH_LIMIT, READ_BATCH_BYTES);
        if (this.#ended) return;
        if (entries.length === 0) {
          // A batch announced during the read may not be in what it returned: read once more.
          if (this.#missed) continue;
          break;
        }
        let count = 0;
        let terminal = false;
        for (const entry of entries) {
          count += 1;
          this.#cursor = entry.seq;
          if (isTerminalEvent(entry.name)) {
            terminal = true;
            break;
          }
        }
        // One write per read: a replay, or everything held during a batching window, leaves in one packet.
        this.#wrote(this.writeEntries(entries, count));
        if (terminal) {
          this.#end('terminal');
          return;
        }
      }
      if (!this.#ended) this.caughtUpEmpty();
    } catch {
      // The store failed under us: end the connection; the client resumes from its cursor.
      this.#end('failed');
    } finally {
      this.#reading = false;
    }
  }

  /** After a write of events: notes the time for the batching window, and waits for 'drain' if full. */
  #wrote(writable: boolean): void {
    if (this.#batchMs > 0) this.#lastWriteAt = this.#shared.clock.now();
    if (writable || this.#needDrain || this.#ended) return;
    // Full socket: stop writing; once it drains, read on from the cursor (the log is the buffer).
    this.#needDrain = true;
    this.#onDrain ??= () => this.#drained();
    this.awaitDrain(this.#onDrain);
  }

  /** For a transport whose own write (a heartbeat, a prefix) filled the socket. */
  protected full(): void {
    if (this.#needDrain || this.#ended) return;
    this.#needDrain = true;
    this.#onDrain ??= () => this.#drained();
    this.awaitDrain(this.#onDrain);
  }

  /** End of the batching window: read on from the cursor, unless the socket is full ('drain' will). */
  #flush(): void {
    this.#flushTimer = undefined;
    if (!this.#ended && !this.#needDrain && !this.#reading) void this.#catchUp();
  }

  /** The socket drained: read on from the cursor, unless a batching window is open (its end will). */
  #drained(): void {
    this.#needDrain = false;
    if (!this.#ended && !this.#reading && this.#flushTimer === undefined) void this.#catchUp();
  }

  /** Stops listening: no more batches, no pending flush. */
  #stop(): void {
    this.#ended = true;
    this.#shared.store.unsubscribe(this.streamId, this);
    if (this.#flushTimer !== undefined) this.#shared.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }
}

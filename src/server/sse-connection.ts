import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTerminalEvent } from '../protocol/events.js';
import { encodeComment, encodeEvent, encodeRetry } from '../protocol/sse.js';
import type { StreamState } from '../protocol/stream-state.js';
import { type Clock, isoTimestamp, type TimerHandle } from '../streams/clock.js';
import type { EntryBatch, StreamListener, StreamStore } from '../streams/stream-store.js';
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
/** TCP keep-alive probes on idle SSE sockets, so a peer that vanished is noticed. */
const SSE_TCP_KEEPALIVE_MS = 30_000;
const KEEP_ALIVE_COMMENT = encodeComment('keep-alive');

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** What every connection of one server shares: one object, referenced by each connection. */
export interface SseShared {
  readonly store: StreamStore;
  readonly clock: Clock;
  /** Called once per connection, when its response has ended or the client went away. */
  readonly release: (connection: SseConnection) => void;
}

export interface SseConnectionOptions {
  req: IncomingMessage;
  res: ServerResponse;
  shared: SseShared;
  /** The stream's id as the store holds it (not a slice of the request URL, which it would keep alive). */
  streamId: string;
  /** Send entries with seq > cursor. */
  cursor: number;
  retryMs: number;
  headers: Record<string, string>;
  /**
   * Batching window in ms (0: write as soon as possible). A write goes out at once if the previous write of
   * events was more than this long ago; otherwise new events wait until that write + this window.
   */
  batchMs: number;
}

/**
 * One subscriber: writes the stream's log from its own cursor to one response. There is no queue per
 * subscriber: the log is the buffer.
 *
 * The connection subscribes to its stream once, for its whole life (no promise, waiter or abort listener
 * per wait). When the store hands it a batch that follows its cursor, it writes the batch's shared string,
 * joined once for every subscriber. Otherwise (it is replaying, waiting for 'drain', or holding events for
 * its batching window) it reads from its cursor when it can write again. So a slow client costs the server
 * a cursor, not memory, and an idle one costs this object and a place in the listener set.
 */
export class SseConnection implements HeartbeatTarget, StreamListener {
  readonly streamId: string;
  heartbeatSlot: number | undefined;
  readonly #res: ServerResponse;
  readonly #shared: SseShared;
  readonly #batchMs: number;
  #cursor: number;
  /** Sent before the first event: `retry:` (then empty). */
  #prefix: string;
  /** A read from the cursor is in flight; batches arriving meanwhile only set {@link #missed}. */
  #reading = false;
  #missed = false;
  #needDrain = false;
  /** When events were last written (batching only; undefined before the first). */
  #lastWriteAt: number | undefined;
  #flushTimer: TimerHandle | undefined;
  /** The response has been ended (after the terminal event, or by the server). */
  #ended = false;
  #closed = false;
  // Created on first use: most connections never wait for 'drain' or batch.
  #onDrain: (() => void) | undefined;
  #onFlush: (() => void) | undefined;

  /** Sends the headers; {@link SseConnection.start} then sends the events. */
  constructor(options: SseConnectionOptions) {
    const { res, req } = options;
    this.streamId = options.streamId;
    this.heartbeatSlot = undefined;
    this.#res = res;
    this.#shared = options.shared;
    this.#batchMs = options.batchMs;
    this.#cursor = options.cursor;
    this.#prefix = encodeRetry(options.retryMs);
    // 'on', not 'once': a response closes once, and once() would add a wrapper and its state per connection.
    res.on('close', () => this.#closedByPeer());
    // SSE responses live as long as the run; only the server's own heartbeats and shutdown end them.
    req.socket.setTimeout(0);
    req.socket.setKeepAlive(true, SSE_TCP_KEEPALIVE_MS);
    req.socket.setNoDelay(true);
    res.writeHead(200, { ...SSE_HEADERS, ...options.headers });
  }

  /** The seq of the last event written to this client. */
  get cursor(): number {
    return this.#cursor;
  }

  /**
   * Subscribes to the stream and replays the log after the cursor; live batches follow as they come. The
   * connection then lives on callbacks until the terminal event or a disconnect: nothing awaits it.
   */
  start(): void {
    // Subscribed before the first read, so nothing appended in between is missed.
    if (!this.#shared.store.subscribe(this.streamId, this)) {
      this.end();
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
    if (batch.frames !== undefined && batch.firstSeq === this.#cursor + 1) {
      // Caught up: the batch's string, joined once by the store, goes out as it is.
      this.#cursor = batch.lastSeq;
      this.#sendEvents(batch.frames);
      if (batch.terminal) this.end();
      return;
    }
    void this.#catchUp();
  }

  onGone(): void {
    this.end();
  }

  /** Writes an SSE comment plus a live-only `heartbeat` event (no id, not stored) with the stream's state. */
  heartbeat(): void {
    // A full socket already proves nothing is idle-timing out; adding to it would grow memory.
    if (this.#ended || this.#needDrain) return;
    // The state is read now rather than tracked per connection: heartbeats are rare, events are not.
    this.#shared.store.getState(this.streamId).then(
      (state) => this.#beat(state),
      () => undefined,
    );
  }

  /** Ends the response politely (e.g. on shutdown, once the terminal event had its chance to go out). */
  end(): void {
    if (this.#ended) return;
    this.#release();
    if (this.#prefix !== '') this.#res.write(this.#prefix);
    this.#res.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#release();
    this.#res.destroy();
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
        let chunk = '';
        let terminal = false;
        for (const entry of entries) {
          chunk += entry.frame;
          this.#cursor = entry.seq;
          if (isTerminalEvent(entry.name)) {
            terminal = true;
            break;
          }
        }
        // One write per read: a replay, or everything held during a batching window, leaves in one packet.
        this.#sendEvents(chunk);
        if (terminal) {
          this.end();
          return;
        }
      }
      // Nothing to replay: `retry:` goes out on its own, so the client sees the stream has started.
      if (!this.#ended && this.#prefix !== '') this.#write('');
    } catch {
      // The store failed under us: end the response; the client resumes from its Last-Event-ID.
      this.end();
    } finally {
      this.#reading = false;
    }
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

  #beat(state: StreamState | undefined): void {
    if (state === undefined || this.#ended || this.#needDrain) return;
    const now = this.#shared.clock.now();
    const frame = encodeEvent('heartbeat', {
      stream_id: state.stream_id,
      seq: state.last_event_id,
      timestamp: isoTimestamp(now),
      status: state.status,
      current_agent: state.current_agent,
      idle_ms: Math.max(0, now - Date.parse(state.updated_at)),
    });
    this.#write(KEEP_ALIVE_COMMENT + frame);
  }

  #sendEvents(frames: string): void {
    if (this.#batchMs > 0) this.#lastWriteAt = this.#shared.clock.now();
    this.#write(frames);
  }

  #write(chunk: string): void {
    if (this.#ended) return;
    let text = chunk;
    if (this.#prefix !== '') {
      text = this.#prefix + chunk;
      this.#prefix = '';
    }
    if (this.#res.write(text) || this.#needDrain) return;
    // Full socket: stop writing; once it drains, read on from the cursor (the log is the buffer).
    this.#needDrain = true;
    this.#onDrain ??= () => this.#drained();
    this.#res.once('drain', this.#onDrain);
  }

  /** Stops listening: no more batches, no pending flush. */
  #release(): void {
    this.#ended = true;
    this.#shared.store.unsubscribe(this.streamId, this);
    if (this.#flushTimer !== undefined) this.#shared.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }

  #closedByPeer(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    this.#shared.release(this);
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeComment, encodeEvent, encodeRetry } from '../protocol/sse.js';
import type { StreamState } from '../protocol/stream-state.js';
import { isoTimestamp } from '../streams/clock.js';
import type { EntryBatch, StoredEntry } from '../streams/stream-store.js';
import { type FollowEnd, type FollowerShared, StreamFollower } from './stream-follower.js';

export { READ_BATCH_BYTES, READ_BATCH_LIMIT } from './stream-follower.js';

/** TCP keep-alive probes on idle SSE sockets, so a peer that vanished is noticed. */
const SSE_TCP_KEEPALIVE_MS = 30_000;
const KEEP_ALIVE_COMMENT = encodeComment('keep-alive');
/** What a subscriber is told to wait before reconnecting when the store went away under its stream. */
export const STORE_OUTAGE_RETRY_MS = 5000;
const STORE_OUTAGE_TEXT =
  encodeRetry(STORE_OUTAGE_RETRY_MS) +
  encodeComment('the stream store is unreachable; reconnect with Last-Event-ID to resume');

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** What every SSE connection of one server shares (the same object as every other follower's). */
export type SseShared = FollowerShared;

export interface SseConnectionOptions {
  req: IncomingMessage;
  res: ServerResponse;
  shared: FollowerShared;
  /** The stream's id as the store holds it (not a slice of the request URL, which it would keep alive). */
  streamId: string;
  /** Send entries with seq > cursor. */
  cursor: number;
  retryMs: number;
  headers: Record<string, string>;
  /** Batching window in ms (0: write as soon as possible); see {@link StreamFollower}. */
  batchMs: number;
}

/**
 * The SSE transport of a {@link StreamFollower}: frames are the log's cached SSE frames, written to one
 * `text/event-stream` response, which starts with `retry:` and ends after the terminal event.
 */
export class SseConnection extends StreamFollower {
  readonly #res: ServerResponse;
  /** Sent before the first event: `retry:` (then empty). */
  #prefix: string;

  /** Sends the headers; {@link StreamFollower.start} then sends the events. */
  constructor(options: SseConnectionOptions) {
    super(options.shared, options.streamId, options.cursor, options.batchMs);
    const { res, req } = options;
    this.#res = res;
    this.#prefix = encodeRetry(options.retryMs);
    // 'on', not 'once': a response closes once, and once() would add a wrapper and its state per connection.
    res.on('close', () => this.closed());
    // SSE responses live as long as the run; only the server's own heartbeats and shutdown end them.
    req.socket.setTimeout(0);
    req.socket.setKeepAlive(true, SSE_TCP_KEEPALIVE_MS);
    req.socket.setNoDelay(true);
    res.writeHead(200, { ...SSE_HEADERS, ...options.headers });
  }

  protected writeBatch(batch: EntryBatch): boolean {
    return this.#write(batch.frames ?? '');
  }

  protected writeEntries(entries: readonly StoredEntry[], count: number): boolean {
    let chunk = '';
    for (let i = 0; i < count; i += 1) chunk += entries[i]?.frame ?? '';
    return this.#write(chunk);
  }

  /** An SSE comment plus a live-only `heartbeat` event (no id, not stored) with the stream's state. */
  protected writeHeartbeat(state: StreamState, now: number): void {
    const frame = encodeEvent('heartbeat', {
      stream_id: state.stream_id,
      seq: state.last_event_id,
      timestamp: isoTimestamp(now),
      status: state.status,
      current_agent: state.current_agent,
      idle_ms: Math.max(0, now - Date.parse(state.updated_at)),
    });
    if (!this.#write(KEEP_ALIVE_COMMENT + frame)) this.full();
  }

  /** Nothing to replay: `retry:` goes out on its own, so the client sees the stream has started. */
  protected caughtUpEmpty(): void {
    if (this.#prefix !== '' && !this.#write('')) this.full();
  }

  protected awaitDrain(onDrain: () => void): void {
    this.#res.once('drain', onDrain);
  }

  protected finish(end: FollowEnd): void {
    // A store outage: a longer `retry:`, so clients wait for Redis to come back before reconnecting.
    const text = this.#prefix + (end === 'unavailable' ? STORE_OUTAGE_TEXT : '');
    this.#prefix = '';
    if (text !== '') this.#res.write(text);
    this.#res.end();
  }

  protected abort(): void {
    this.#res.destroy();
  }

  #write(chunk: string): boolean {
    let text = chunk;
    if (this.#prefix !== '') {
      text = this.#prefix + chunk;
      this.#prefix = '';
    }
    return this.#res.write(text);
  }
}

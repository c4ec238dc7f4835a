import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTerminalEvent } from '../protocol/events.js';
import { encodeComment, encodeEvent, encodeRetry } from '../protocol/sse.js';
import type { StreamState } from '../protocol/stream-state.js';
import { type Clock, isoTimestamp } from '../streams/clock.js';
import { reduceStreamState } from '../streams/stream-state-reducer.js';
import type { StreamStore } from '../streams/stream-store.js';
import type { HeartbeatTarget } from './heartbeat-wheel.js';

/**
 * Entries read (and written in one socket write) per batch. Bounds what one connection can have in
 * flight beyond the socket's own buffer, whatever the size of the log.
 */
export const READ_BATCH_LIMIT = 256;
/** TCP keep-alive probes on idle SSE sockets, so a peer that vanished is noticed. */
const SSE_TCP_KEEPALIVE_MS = 30_000;

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

export interface SseConnectionOptions {
  req: IncomingMessage;
  res: ServerResponse;
  store: StreamStore;
  clock: Clock;
  /** The stream's state when the client connected. */
  state: StreamState;
  /** Send entries with seq > cursor. */
  cursor: number;
  retryMs: number;
  headers: Record<string, string>;
  /** Called once, when the response has ended or the client went away. */
  onClose: (connection: SseConnection) => void;
}

/**
 * One subscriber: reads the stream's log from its own cursor and writes it to one response. There is no
 * queue per subscriber: the log is the buffer. When the socket is full the connection waits for `drain`
 * and then reads on from its cursor, so a slow client costs the server a cursor, not memory.
 */
export class SseConnection implements HeartbeatTarget {
  readonly streamId: string;
  readonly #options: SseConnectionOptions;
  readonly #abort = new AbortController();
  #cursor: number;
  #state: StreamState;
  #needDrain = false;
  /** The response has been ended (after the terminal event, or by the server). */
  #ended = false;
  #closed = false;

  constructor(options: SseConnectionOptions) {
    this.#options = options;
    this.streamId = options.state.stream_id;
    this.#cursor = options.cursor;
    this.#state = options.state;
  }

  /** The seq of the last event written to this client. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Sends the headers and `retry:`, then pumps the log until the terminal event or a disconnect. */
  async run(): Promise<void> {
    const { req, res } = this.#options;
    res.once('close', () => this.#onClosed());
    // SSE responses live as long as the run; only the server's own heartbeats and shutdown end them.
    req.socket.setTimeout(0);
    req.socket.setKeepAlive(true, SSE_TCP_KEEPALIVE_MS);
    req.socket.setNoDelay(true);
    res.writeHead(200, { ...SSE_HEADERS, ...this.#options.headers });
    try {
      await this.#pump(encodeRetry(this.#options.retryMs));
    } catch {
      // The store failed under us: end the response; the client resumes from its Last-Event-ID.
      this.end();
    }
  }

  /** Writes an SSE comment plus a live-only `heartbeat` event (no id, not stored). */
  heartbeat(): void {
    // A full socket already proves nothing is idle-timing out; adding to it would grow memory.
    if (this.#ended || this.#needDrain) return;
    const now = this.#options.clock.now();
    const state = this.#state;
    const frame = encodeEvent('heartbeat', {
      stream_id: state.stream_id,
      seq: state.last_event_id,
      timestamp: isoTimestamp(now),
      status: state.status,
      current_agent: state.current_agent,
      idle_ms: Math.max(0, now - Date.parse(state.updated_at)),
    });
    this.#write(encodeComment('keep-alive') + frame);
  }

  /** Ends the response politely (e.g. on shutdown, once the terminal event had its chance to go out). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort();
    this.#options.res.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#ended = true;
    this.#abort.abort();
    this.#options.res.destroy();
  }

  async #pump(retryFrame: string): Promise<void> {
    const { store } = this.#options;
    let prefix = retryFrame;
    while (!this.#ended) {
      if (this.#needDrain) {
        await this.#drained();
        continue;
      }
      const entries = await store.read(this.streamId, this.#cursor, READ_BATCH_LIMIT);
      if (this.#ended) return;
      if (entries.length === 0) {
        if (prefix !== '') this.#write(prefix);
        prefix = '';
        const outcome = await store.waitForEntries(this.streamId, this.#cursor, this.#abort.signal);
        if (outcome !== 'entries') {
          this.end();
          return;
        }
        continue;
      }
      const frames: string[] = [prefix];
      prefix = '';
      let terminal = false;
      for (const entry of entries) {
        frames.push(entry.frame);
        this.#cursor = entry.seq;
        // Replayed entries the state already reflects must not move it backwards.
        if (entry.seq > this.#state.last_event_id) this.#state = reduceStreamState(this.#state, entry.event);
        if (isTerminalEvent(entry.event.event)) {
          terminal = true;
          break;
        }
      }
      // One write per batch: everything appended during one event-loop turn leaves in one packet.
      this.#write(frames.join(''));
      if (terminal) {
        this.end();
        return;
      }
    }
  }

  #write(chunk: string): void {
    if (this.#ended || chunk === '') return;
    if (!this.#options.res.write(chunk)) this.#needDrain = true;
  }

  #drained(): Promise<void> {
    const { res } = this.#options;
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        this.#needDrain = false;
        resolve();
      };
      if (this.#closed) {
        done();
        return;
      }
      res.on('drain', done);
      res.on('close', done);
    });
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ended = true;
    this.#abort.abort();
    this.#options.onClose(this);
  }
}

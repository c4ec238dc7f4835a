import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { StreamState } from '../protocol/stream-state.js';
import { WS_CLOSE, wsCloseReason } from '../protocol/ws.js';
import { isoTimestamp } from '../streams/clock.js';
import { joinWsFrames } from '../streams/log-batch.js';
import type { EntryBatch, StoredEntry } from '../streams/stream-store.js';
import { type FollowEnd, type FollowerShared, StreamFollower } from './stream-follower.js';

/**
 * Heartbeats without a pong before the peer is taken for dead and its socket dropped. Two, not one: a
 * pong waits behind whatever the peer has not read yet, and a reader that paused for a moment is not dead.
 */
export const MAX_MISSED_PONGS = 2;
/** TCP keep-alive probes on idle WebSocket sockets, as for SSE. */
const WS_TCP_KEEPALIVE_MS = 30_000;

const CLOSE_FOR: Readonly<Record<FollowEnd, readonly [number, string]>> = {
  terminal: [WS_CLOSE.ENDED, 'stream ended'],
  gone: [WS_CLOSE.NOT_FOUND, wsCloseReason('E_NOT_FOUND', 'the stream no longer exists (deleted or expired)')],
  server: [WS_CLOSE.GOING_AWAY, wsCloseReason('E_SHUTDOWN', 'the server is shutting down; resume with last_event_id')],
  failed: [WS_CLOSE.INTERNAL, wsCloseReason('E_INTERNAL', 'reading the stream failed; resume with last_event_id')],
  unavailable: [
    WS_CLOSE.TRY_AGAIN_LATER,
    wsCloseReason('E_STORE_UNAVAILABLE', 'the stream store is unreachable; reconnect later with last_event_id'),
  ],
};

export interface WsConnectionOptions {
  ws: WebSocket;
  /** The upgraded socket under `ws`: events are written to it as pre-built frames. */
  socket: Socket;
  shared: FollowerShared;
  streamId: string;
  cursor: number;
  batchMs: number;
}

/**
 * The WebSocket transport of a {@link StreamFollower}. Events go out as the log's cached WebSocket frames,
 * written straight to the socket: the frame bytes of an event (or the joined frames of a batch) are built
 * once and written to every subscriber as they are, with no framing or encoding per subscriber. That is
 * safe beside `ws`'s own writes (pings, heartbeats, the close frame) because corch negotiates no extension,
 * so `ws` never holds a frame back, and every write is a whole frame. The `ws` object does the handshake,
 * reads the peer's frames (pongs, close) and closes.
 */
export class WsConnection extends StreamFollower {
  readonly #ws: WebSocket;
  readonly #socket: Socket;
  #missedPongs = 0;
  /** The peer stopped answering pings: drop it without a word. */
  #dead = false;

  constructor(options: WsConnectionOptions) {
    super(options.shared, options.streamId, options.cursor, options.batchMs);
    this.#ws = options.ws;
    this.#socket = options.socket;
    this.#socket.setTimeout(0);
    this.#socket.setKeepAlive(true, WS_TCP_KEEPALIVE_MS);
    this.#socket.setNoDelay(true);
    options.ws.on('close', () => this.closed());
    options.ws.on('pong', () => {
      this.#missedPongs = 0;
    });
    // Errors (a bad frame from the peer, a reset) end in 'close'; what the peer sends is otherwise ignored.
    options.ws.on('error', () => undefined);
  }

  /** Pings the peer, drops it after {@link MAX_MISSED_PONGS} unanswered pings, and sends the heartbeat event. */
  override heartbeat(): void {
    if (this.ended) return;
    if (this.#missedPongs >= MAX_MISSED_PONGS) {
      this.#dead = true;
      this.destroy();
      return;
    }
    this.#missedPongs += 1;
    this.#ws.ping();
    super.heartbeat();
  }

  protected writeBatch(batch: EntryBatch): boolean {
    const frames = batch.wsFrames;
    return frames === undefined ? true : this.#socket.write(frames);
  }

  protected writeEntries(entries: readonly StoredEntry[], count: number): boolean {
    return this.#socket.write(joinWsFrames(entries, count));
  }

  protected writeHeartbeat(state: StreamState, now: number): void {
    const data = {
      stream_id: state.stream_id,
      seq: state.last_event_id,
      timestamp: isoTimestamp(now),
      status: state.status,
      current_agent: state.current_agent,
      idle_ms: Math.max(0, now - Date.parse(state.updated_at)),
    };
    this.#ws.send(JSON.stringify({ event: 'heartbeat', data }));
    if (this.#socket.writableNeedDrain) this.full();
  }

  protected caughtUpEmpty(): void {}

  protected awaitDrain(onDrain: () => void): void {
    this.#socket.once('drain', onDrain);
  }

  protected finish(end: FollowEnd): void {
    const [code, reason] = CLOSE_FOR[end];
    this.#ws.close(code, reason);
  }

  /** Drops the socket; on shutdown, a close frame saying why goes first when there is room for it. */
  protected abort(): void {
    if (!this.#dead && this.#ws.readyState === this.#ws.OPEN && !this.#socket.writableNeedDrain) {
      const [code, reason] = CLOSE_FOR.server;
      this.#ws.close(code, reason);
    }
    this.#ws.terminate();
  }
}

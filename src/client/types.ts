import type { CreatedStream, StreamState, TaskCompletedData, TaskErrorData, TaskRequest } from '../protocol/index.js';
import type { CorchEvent } from '../protocol/index.js';

/** A `fetch` compatible with the global one; injected so tests and proxies can replace it. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Waits `ms` milliseconds; rejects (or resolves early) when `signal` aborts. Injected so tests need no real waiting. */
export type SleepLike = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface CorchClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8000` (a trailing slash is fine). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /**
   * Used for every request when given. Without it, JSON requests use the global `fetch` and event streams
   * node:http(s), which reads SSE chunks at about half the CPU.
   */
  fetch?: FetchLike;
  /** Defaults to an unref'd `setTimeout`. */
  sleep?: SleepLike;
  /** How long a JSON request (create, status, cancel, list) may wait for its answer's headers (default 15 s). */
  responseTimeoutMs?: number;
}

/** The event that ends a stream. */
export type TerminalEvent =
  | { event: 'task_completed'; data: TaskCompletedData }
  | { event: 'task_error'; data: TaskErrorData };

/**
 * What the client tells its user about the connection, apart from the events themselves.
 * `lost` counts events the server no longer had (the first seq after (re)connecting skipped ahead).
 */
export type ClientNotice =
  | { type: 'connecting'; url: string }
  | { type: 'connected'; url: string; lost: number }
  | { type: 'reconnecting'; attempt: number; maxAttempts: number; delayMs: number; reason: string }
  | { type: 'reconnected'; attempt: number; lost: number; lastSeq: number }
  | { type: 'gave_up'; attempts: number; reason: string }
  | { type: 'invalid_frame'; reason: string };

export interface SubscribeOptions {
  /**
   * First seq to deliver (inclusive): `fromSeq: 1` (the default) replays the whole stream, `fromSeq: 10` starts at
   * event 10 (sent as `Last-Event-ID: 9`).
   */
  fromSeq?: number;
  /** Aborting stops the subscription; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Every event received, in order, once each (stored events de-duplicated by seq; heartbeats included). */
  onEvent: (event: CorchEvent) => void;
  onNotice?: (notice: ClientNotice) => void;
  /** Consecutive failed reconnect attempts before giving up (default {@link DEFAULT_MAX_RECONNECTS}). */
  maxReconnects?: number;
  /** Delay before the first reconnect when the server sent no `retry:` (default {@link DEFAULT_RECONNECT_DELAY_MS}). */
  retryMs?: number;
  /** Upper bound for the backed-off delay (default {@link MAX_RETRY_DELAY_MS}). */
  maxRetryDelayMs?: number;
  /**
   * A connection silent for this long is treated as dropped (default {@link DEFAULT_IDLE_TIMEOUT_MS}, three
   * heartbeats). 0 disables the check.
   */
  idleTimeoutMs?: number;
  /**
   * How long the server may take to answer with its status and headers before the attempt fails (default
   * 15 s): a server that accepts connections and never answers is reported instead of waited for.
   */
  responseTimeoutMs?: number;
  /**
   * Asks the server to gather events for up to this many ms before writing them (`?batch_ms=`, 0–1000;
   * leading-edge, so an event after a quiet spell is not held). 0 or unset: every event as soon as it is
   * stored.
   */
  batchMs?: number;
  /**
   * `sse` (the default): `GET /api/stream/events/{id}`. `ws`: the WebSocket route `GET /api/stream/ws/{id}`
   * (DESIGN.md §7), the same events with the same resume and reconnect behaviour, for proxies and stacks
   * that handle WebSockets better than long-lived HTTP responses.
   */
  transport?: StreamTransport;
}

/** How a subscription reads the stream. */
export type StreamTransport = 'sse' | 'ws';

export interface SubscribeResult {
  /** `task_completed` or `task_error`; null when the server answered 204 (the stream had already ended). */
  terminal: TerminalEvent | null;
  /** The last seq delivered (or `fromSeq - 1` when none was). */
  lastSeq: number;
  /** Successful reconnects during this subscription. */
  reconnects: number;
  /** Events the server no longer had when we (re)connected. */
  lost: number;
}

/** The HTTP/SSE client for a corch server (DESIGN.md §1). Every failure is a `CorchError`. */
export interface CorchClient {
  readonly baseUrl: string;
  /** `POST /api/stream/task`. */
  createTask(request: TaskRequest, init?: { signal?: AbortSignal }): Promise<CreatedStream>;
  /** `GET /api/stream/status/{id}`. */
  status(streamId: string, init?: { signal?: AbortSignal }): Promise<StreamState>;
  /** `POST /api/stream/{id}/cancel`; resolves with the state when the server sends one. */
  cancel(streamId: string, init?: { signal?: AbortSignal }): Promise<StreamState | undefined>;
  /** `GET /api/streams`, newest first. */
  list(init?: { signal?: AbortSignal }): Promise<StreamState[]>;
  /** `GET /healthz`: the server's JSON as-is. */
  health(init?: { signal?: AbortSignal }): Promise<Record<string, unknown>>;
  /** Follows a stream until its terminal event, reconnecting with `Last-Event-ID` when the connection drops. */
  subscribe(streamId: string, options: SubscribeOptions): Promise<SubscribeResult>;
}

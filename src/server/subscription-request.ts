import type { IncomingMessage } from 'node:http';
import { CorchError } from '../protocol/errors.js';
import { MAX_BATCH_MS } from '../protocol/sse.js';
import { FINISHED_STATUSES, type StreamState } from '../protocol/stream-state.js';
import type { ServerContext } from './server-context.js';
import type { StreamFollower } from './stream-follower.js';
import { notFound } from './stream-handlers.js';

/** What a subscribe request asks for, checked the same way for every transport (SSE and WebSocket). */
export type SubscriptionRequest =
  /** The stream has ended and the client has seen its last event: SSE answers 204, WebSocket closes 1000. */
  | { readonly ended: true }
  | { readonly ended: false; readonly state: StreamState; readonly cursor: number; readonly batchMs: number };

/**
 * Checks a subscribe request before any connection is made: the connection cap (first, so a flood of
 * subscribers is refused while file descriptors remain for /healthz), the cursor, the batch window, the
 * stream's existence, and a cursor past the stream's end. `cursorName` is how the error names the cursor
 * to this transport's clients.
 */
export async function checkSubscription(
  ctx: ServerContext,
  streamId: string,
  req: IncomingMessage,
  url: URL,
  cursorName: string,
): Promise<SubscriptionRequest> {
  if (ctx.connections.size >= ctx.maxConnections) {
    throw new CorchError(
      'E_TOO_MANY_CONNECTIONS',
      `the server already holds ${ctx.maxConnections} event streams open; try again shortly`,
      { status: 503, retryable: true },
    );
  }
  const cursor = lastEventId(req, url);
  const batchMs = batchWindow(url);
  const state = await ctx.manager.get(streamId);
  if (!state) throw notFound(streamId);
  if (FINISHED_STATUSES.includes(state.status) && cursor >= state.last_event_id) return { ended: true };
  if (cursor > state.last_event_id) {
    throw new CorchError(
      'E_INVALID_REQUEST',
      `${cursorName} ${cursor} is past the stream's last event (${state.last_event_id})`,
      { status: 400 },
    );
  }
  return { ended: false, state, cursor, batchMs };
}

/** Registers a new follower (caps, on_disconnect watchers, heartbeats) and starts it reading. */
export function startFollowing(ctx: ServerContext, connection: StreamFollower, streamId: string): void {
  ctx.connections.add(connection);
  // Counted for on_disconnect: "cancel"; the release hook of startServer calls unwatch.
  ctx.manager.watch(streamId);
  ctx.wheel.add(connection);
  connection.start();
}

/**
 * The client's cursor: the `Last-Event-ID` header (what an EventSource sends when it reconnects) wins over
 * the `?last_event_id=` query (what a user writes to resume by hand), since it is the more recent.
 */
export function lastEventId(req: IncomingMessage, url: URL): number {
  const header = req.headers['last-event-id'];
  const fromHeader = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
  const fromQuery = url.searchParams.get('last_event_id') ?? undefined;
  const raw = fromHeader ?? (fromQuery === '' ? undefined : fromQuery);
  if (raw === undefined) return 0;
  if (!/^\d{1,15}$/.test(raw)) {
    const source = fromHeader === undefined ? '`last_event_id`' : '`Last-Event-ID`';
    throw new CorchError('E_INVALID_REQUEST', `${source} must be a non-negative integer, got "${raw}"`, {
      status: 400,
    });
  }
  return Number(raw);
}

/** `?batch_ms=`: an integer 0–{@link MAX_BATCH_MS}, given at most once; 0 (the default) writes at once. */
export function batchWindow(url: URL): number {
  const values = url.searchParams.getAll('batch_ms');
  if (values.length === 0) return 0;
  const raw = values[0] ?? '';
  const invalid = (got: string) =>
    new CorchError('E_INVALID_REQUEST', `\`batch_ms\` must be an integer 0–${MAX_BATCH_MS} (milliseconds), got ${got}`, {
      status: 400,
    });
  if (values.length > 1) throw invalid(`${values.length} values`);
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > MAX_BATCH_MS) throw invalid(`"${raw}"`);
  return Number(raw);
}

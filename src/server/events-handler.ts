import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorchError } from '../protocol/errors.js';
import { FINISHED_STATUSES } from '../protocol/stream-state.js';
import type { ServerContext } from './server-context.js';
import { SseConnection } from './sse-connection.js';
import { notFound } from './stream-handlers.js';

/** Largest `batch_ms` a client may ask for: beyond a second, a live view stops looking live. */
import { MAX_BATCH_MS } from '../protocol/sse.js';

/**
 * `GET /api/stream/events/{id}[?last_event_id=k][&batch_ms=t]`: replays the log after the client's cursor,
 * then streams live events until the terminal one. 204 when the stream has ended and the client has already
 * seen its last event. Resolves once the connection is set up; the connection then runs on its own.
 */
export async function handleEvents(
  ctx: ServerContext,
  streamId: string,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  // Checked before any work, so a flood of subscribers is refused while fds remain for /healthz.
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
  const finished = FINISHED_STATUSES.includes(state.status);
  if (finished && cursor >= state.last_event_id) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  if (cursor > state.last_event_id) {
    throw new CorchError(
      'E_INVALID_REQUEST',
      `Last-Event-ID ${cursor} is past the stream's last event (${state.last_event_id})`,
      { status: 400 },
    );
  }
  // The client may have gone while the state was read; its 'close' has then fired already, and a
  // connection created now would never be unregistered.
  if (req.socket.destroyed) return;
  const connection = new SseConnection({
    req,
    res,
    shared: ctx.sse,
    streamId: state.stream_id,
    cursor,
    retryMs: ctx.retryMs,
    // Which server answered: behind a load balancer, what a reconnect moved between.
    headers: { ...headers, 'X-Corch-Instance': ctx.instanceId },
    batchMs,
  });
  ctx.connections.add(connection);
  // Counted for on_disconnect: "cancel"; the release hook of startServer calls unwatch.
  ctx.manager.watch(state.stream_id);
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

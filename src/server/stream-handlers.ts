import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorchError } from '../protocol/errors.js';
import type { CreatedStream } from '../protocol/task-request.js';
import { validateTaskRequest } from '../protocol/validate-task-request.js';
import { readJsonBody } from './read-json-body.js';
import { sendJson } from './respond.js';
import type { ServerContext } from './server-context.js';
import type { StreamFollower } from './stream-follower.js';
import { WsConnection } from './ws-connection.js';

/** Streams listed by `GET /api/streams` when no `?limit=` is given, and the most it may ask for. */
const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

/** Path of a stream's SSE endpoint, as given in `events_url`. */
export function eventsPath(streamId: string): string {
  return `/api/stream/events/${streamId}`;
}

/** Path of a stream's status endpoint, as given in `status_url`. */
export function statusPath(streamId: string): string {
  return `/api/stream/status/${streamId}`;
}

/** `POST /api/stream/task` → 201 {@link CreatedStream}; the run starts in the background. */
export async function handleCreate(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const request = validateTaskRequest(await readJsonBody(req));
  const state = await ctx.manager.create(request);
  const created: CreatedStream = {
    stream_id: state.stream_id,
    task: state.task,
    status: state.status,
    created_at: state.created_at,
    events_url: eventsPath(state.stream_id),
    status_url: statusPath(state.stream_id),
  };
  sendJson(res, 201, created, { ...headers, Location: created.status_url });
}

/** `GET /api/stream/status/{id}` → the stream's state. */
export async function handleStatus(
  ctx: ServerContext,
  streamId: string,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const state = await ctx.manager.get(streamId);
  if (!state) throw notFound(streamId);
  sendJson(res, 200, state, headers);
}

/** `POST /api/stream/{id}/cancel` and `DELETE /api/stream/{id}` → the state after cancelling. */
export async function handleCancel(
  ctx: ServerContext,
  streamId: string,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const state = await ctx.manager.cancel(streamId);
  if (!state) throw notFound(streamId);
  sendJson(res, 200, state, headers);
}

/**
 * `GET /api/streams[?limit=N][&before=T]` → `{"streams": [state, …], "next_before"?: T}`, newest first: at
 * most `limit` (default 100, at most 1000) streams created before `T` (an ISO time; `next_before` of the
 * previous page), so a client pages through a long list instead of receiving it in one answer.
 */
export async function handleList(
  ctx: ServerContext,
  url: URL,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const raw = url.searchParams.get('limit');
  let limit = DEFAULT_LIST_LIMIT;
  if (raw !== null) {
    limit = Number(raw);
    if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new CorchError('E_INVALID_REQUEST', `\`limit\` must be an integer 1–${MAX_LIST_LIMIT}, got "${raw.slice(0, 40)}"`);
    }
  }
  const before = url.searchParams.get('before');
  let beforeMs = Number.POSITIVE_INFINITY;
  if (before !== null) {
    beforeMs = Date.parse(before);
    if (!/^\d{4}-\d\d-\d\dT/.test(before) || Number.isNaN(beforeMs)) {
      throw new CorchError(
        'E_INVALID_REQUEST',
        `\`before\` must be an ISO 8601 time such as 2025-01-01T00:00:00.000Z (the previous page's next_before), got "${before.slice(0, 40)}"`,
      );
    }
  }
  const all = await ctx.manager.list();
  const older = before === null ? all : all.filter((state) => Date.parse(state.created_at) < beforeMs);
  // Streams created in the same millisecond as the page's last one join the page: `before` is a time, and
  // the next page must not skip them.
  let end = Math.min(limit, older.length);
  while (end < older.length && older[end]?.created_at === older[end - 1]?.created_at) end += 1;
  const page = older.slice(0, end);
  const last = page.at(-1);
  const more = older.length > end && last !== undefined;
  sendJson(res, 200, { streams: page, ...(more ? { next_before: last.created_at } : {}) }, headers);
}

/** `GET /api/providers` → what this server can run (no keys), for a page's provider and model choices. */
export function handleProviders(ctx: ServerContext, res: ServerResponse, headers: Record<string, string>): void {
  sendJson(res, 200, ctx.providers ?? { default_provider: null, providers: [] }, headers);
}

/**
 * `GET /healthz` → liveness and counters, naming this instance and its store. 503 while the store cannot
 * be reached (a load balancer then sends clients elsewhere). Open without an API key so probes reach it.
 */
export function handleHealth(ctx: ServerContext, res: ServerResponse, headers: Record<string, string>): void {
  const { live, total } = ctx.manager.counts();
  const store = ctx.manager.store.health?.() ?? { kind: 'memory', label: 'memory', available: true };
  sendJson(
    res,
    store.available ? 200 : 503,
    {
      status: store.available ? 'ok' : 'store_unavailable',
      instance: ctx.instanceId,
      store: { kind: store.kind, url: store.label, available: store.available },
      uptime_seconds: Math.round((ctx.clock.now() - ctx.startedAt) / 1000),
      streams: { live, total, max: ctx.manager.maxStreams },
      connections: { ...countByTransport(ctx.connections), max: ctx.maxConnections },
      sockets: { open: ctx.sockets.open, max: ctx.sockets.limits.maxSockets, max_per_peer: ctx.sockets.limits.maxPerPeer },
      logs: {
        bytes: ctx.manager.retention.totalBytes,
        max_bytes: ctx.manager.retention.limits.maxTotalBytes,
        finished: ctx.manager.retention.finishedCount,
        max_finished: ctx.manager.retention.limits.maxFinished,
      },
    },
    headers,
  );
}

export function notFound(streamId: string): CorchError {
  return new CorchError(
    'E_NOT_FOUND',
    `this server does not know stream "${streamId}": the server restarted since (streams live in its memory unless it uses --store redis://…), the stream's TTL passed, or the id is wrong`,
    { status: 404 },
  );
}

/** Open event streams by transport (one cap covers both). */
function countByTransport(connections: Iterable<StreamFollower>): { sse: number; ws: number } {
  let ws = 0;
  let all = 0;
  for (const connection of connections) {
    all += 1;
    if (connection instanceof WsConnection) ws += 1;
  }
  return { sse: all - ws, ws };
}

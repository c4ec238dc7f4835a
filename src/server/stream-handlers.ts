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

/** `GET /api/streams[?limit=N]` → `{"streams": [state, …]}`, newest first. */
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
      throw new CorchError('E_INVALID_REQUEST', `\`limit\` must be an integer 1–${MAX_LIST_LIMIT}, got "${raw}"`);
    }
  }
  const streams = await ctx.manager.list();
  sendJson(res, 200, { streams: streams.slice(0, limit) }, headers);
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
    },
    headers,
  );
}

export function notFound(streamId: string): CorchError {
  return new CorchError('E_NOT_FOUND', `no stream "${streamId}" (it may have expired)`, { status: 404 });
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

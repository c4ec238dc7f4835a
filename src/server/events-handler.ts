import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './server-context.js';
import { SseConnection } from './sse-connection.js';
import { checkSubscription, startFollowing } from './subscription-request.js';

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
  const request = await checkSubscription(ctx, streamId, req, url, 'Last-Event-ID');
  if (request.ended) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  // The client may have gone while the state was read; its 'close' has then fired already, and a
  // connection created now would never be unregistered.
  if (req.socket.destroyed) return;
  const { state, cursor, batchMs } = request;
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
  startFollowing(ctx, connection, state.stream_id);
}

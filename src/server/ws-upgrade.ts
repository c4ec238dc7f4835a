import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { CorchError, errorBody, isCorchError } from '../protocol/errors.js';
import { FINISHED_STATUSES } from '../protocol/stream-state.js';
import { keysFromProtocols, WS_CLOSE, WS_PROTOCOL, wsCloseCodeFor, wsCloseReason } from '../protocol/ws.js';
import { isAuthorized } from './auth.js';
import { batchWindow, lastEventId } from './events-handler.js';
import { checkHost, checkOrigin, requestTarget } from './request-guard.js';
import { RETRY_AFTER_SECONDS, statusOf } from './respond.js';
import { matchRoute } from './routes.js';
import type { ServerContext } from './server-context.js';
import { notFound } from './stream-handlers.js';
import { WsConnection } from './ws-connection.js';

/**
 * Largest message a client may send (it has nothing to say; `ws` closes with 1009 past this), so a peer
 * cannot make the server buffer its frames.
 */
const MAX_CLIENT_MESSAGE_BYTES = 4096;

/**
 * The server's `upgrade` listener: `GET /api/stream/ws/{id}[?last_event_id=k][&batch_ms=t]` (DESIGN.md §7).
 * The same refusals as every HTTP route (route, Origin, API key) are answered before the upgrade, as HTTP
 * errors with the JSON error shape, so a refused peer never gets a WebSocket. Once upgraded, problems with
 * the request itself (unknown stream, bad cursor, the connection cap) close it with the documented codes of
 * {@link WS_CLOSE}, which a browser's WebSocket can see (it cannot see an HTTP status).
 */
export function createUpgradeHandler(ctx: ServerContext): {
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close: () => void;
} {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    // Select `corch` when offered; never a key protocol (the key must not be echoed back).
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    let streamId: string;
    let url: URL;
    try {
      url = requestTarget(req).url;
      streamId = admit(ctx, req);
    } catch (error) {
      if (!isCorchError(error)) ctx.onError(error);
      refuse(socket, error);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      follow(ctx, ws, socket as Socket, streamId, req, url).catch((error: unknown) => {
        if (!isCorchError(error)) ctx.onError(error);
        closeWith(ws, error);
      });
    });
  };
  return { onUpgrade, close: () => wss.close() };
}

/** The checks every route makes, in the same order; returns the stream id. */
function admit(ctx: ServerContext, req: IncomingMessage): string {
  // Host and Origin first, by the same rules as every HTTP route (request-guard.ts).
  const { url, authority } = requestTarget(req);
  checkOrigin(req, checkHost(req, authority, ctx.hostPolicy), ctx.hostPolicy);
  if (ctx.sockets.restriction(req.socket) !== undefined) {
    throw new CorchError('E_TOO_MANY_CONNECTIONS', 'the server (or this address) holds all the connections it may; try again shortly', {
      status: 503,
      retryable: true,
    });
  }
  const match = matchRoute(req.method ?? 'GET', url.pathname);
  if (match.kind !== 'found' || match.route !== 'ws') {
    throw new CorchError('E_NOT_FOUND', `no WebSocket endpoint at ${url.pathname}; use /api/stream/ws/{stream_id}`, {
      status: 404,
    });
  }
  if (ctx.apiKey !== undefined && !authorized(req, ctx.apiKey)) {
    throw new CorchError(
      'E_UNAUTHORIZED',
      'missing or wrong API key: send "Authorization: Bearer <key>", or (browsers) offer the subprotocols "corch" and "corch.key.<base64url key>"',
      { status: 401 },
    );
  }
  return match.streamId ?? '';
}

/** The key as a header (non-browser clients) or as a subprotocol (browsers, whose WebSocket sends no headers). */
function authorized(req: IncomingMessage, apiKey: string): boolean {
  if (isAuthorized(req.headers, apiKey)) return true;
  const keys = keysFromProtocols(req.headers['sec-websocket-protocol']);
  return keys.length > 0 && isAuthorized({ 'x-api-key': keys }, apiKey);
}

/** After the upgrade: the same checks as the SSE route, then a follower on the socket. */
async function follow(
  ctx: ServerContext,
  ws: WebSocket,
  socket: Socket,
  streamId: string,
  req: IncomingMessage,
  url: URL,
): Promise<void> {
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
  if (FINISHED_STATUSES.includes(state.status) && cursor >= state.last_event_id) {
    // What SSE answers with 204: nothing more will come.
    ws.close(WS_CLOSE.ENDED, 'stream ended');
    return;
  }
  if (cursor > state.last_event_id) {
    throw new CorchError(
      'E_INVALID_REQUEST',
      `last_event_id ${cursor} is past the stream's last event (${state.last_event_id})`,
      { status: 400 },
    );
  }
  // The peer may have gone while the state was read.
  if (ws.readyState !== ws.OPEN) return;
  const connection = new WsConnection({ ws, socket, shared: ctx.sse, streamId: state.stream_id, cursor, batchMs });
  ctx.connections.add(connection);
  // Counted for on_disconnect: "cancel", as an SSE subscriber is; the release hook calls unwatch.
  ctx.manager.watch(state.stream_id);
  ctx.wheel.add(connection);
  connection.start();
}

function closeWith(ws: WebSocket, error: unknown): void {
  const corch = isCorchError(error) ? error : new CorchError('E_INTERNAL', 'internal server error');
  if (ws.readyState === ws.OPEN) ws.close(wsCloseCodeFor(corch.code), wsCloseReason(corch.code, corch.message));
  else ws.terminate();
}

/** Answers a refused upgrade with the JSON error shape on the raw socket, then closes it. */
function refuse(socket: Duplex, error: unknown): void {
  const corch = isCorchError(error) ? error : new CorchError('E_INTERNAL', 'internal server error');
  const status = statusOf(corch);
  const body = JSON.stringify(errorBody(corch.code, corch.message));
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
  ];
  if (status === 401) lines.push('WWW-Authenticate: Bearer realm="corch"');
  if (status === 503) lines.push(`Retry-After: ${RETRY_AFTER_SECONDS}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

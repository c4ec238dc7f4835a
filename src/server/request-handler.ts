import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorchError, isCorchError } from '../protocol/errors.js';
import { isAuthorized } from './auth.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { handleEvents } from './events-handler.js';
import { checkHost, checkJsonBody, checkOrigin, requestTarget } from './request-guard.js';
import { sendError } from './respond.js';
import { matchRoute } from './routes.js';
import type { ServerContext } from './server-context.js';
import { eventsPath, handleCancel, handleCreate, handleHealth, handleList, handleProviders, handleStatus } from './stream-handlers.js';
import { handleWebPage } from './web-page.js';

/** The node:http request listener: CORS, auth, routing, and one JSON error shape for every failure. */
export function createRequestHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const headers = corsHeaders(ctx.corsOrigin, origin);
    dispatch(ctx, req, res, headers).catch((error: unknown) => {
      if (!isCorchError(error) && (req.socket.destroyed || (error as { code?: unknown } | null)?.code === 'ECONNRESET')) {
        // The peer hung up (mid-body, say): its behaviour, not a server error, so one line and no stack.
        ctx.onDebug(`${req.method ?? '?'} ${(req.url ?? '').slice(0, 100)}: the client went away (${describe(error)})`);
        return;
      }
      if (!isCorchError(error)) ctx.onError(error);
      sendError(res, error, headers);
    });
  };
}

async function dispatch(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const method = req.method ?? 'GET';
  // DESIGN §9: the Host and Origin checks come before anything else, on every route.
  const { url, authority } = requestTarget(req);
  const host = checkHost(req, authority, ctx.hostPolicy);
  checkOrigin(req, host, ctx.hostPolicy);
  const match = matchRoute(method, url.pathname);
  const restriction = ctx.sockets.restriction(req.socket);
  if (restriction !== undefined) {
    // A socket accepted over a cap: answer /healthz, then let it go.
    res.shouldKeepAlive = false;
    if (!(match.kind === 'found' && match.route === 'healthz')) {
      const why =
        restriction === 'peer-full'
          ? `this address already holds ${ctx.sockets.limits.maxPerPeer} connections (the server's --max-connections-per-peer)`
          : `the server already holds ${ctx.sockets.limits.maxSockets} connections`;
      throw new CorchError('E_TOO_MANY_CONNECTIONS', `${why}; close some or try again shortly`, {
        status: 503,
        retryable: true,
      });
    }
  }

  if (match.kind === 'options') {
    // Preflights carry no credentials, so they are answered before the auth check.
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    res.writeHead(204, { ...preflightHeaders(ctx.corsOrigin, origin), Allow: match.allow.join(', ') });
    res.end();
    return;
  }
  // The page holds no data and is what asks for the key, so like /healthz it is open.
  const isOpen = match.kind === 'found' && (match.route === 'healthz' || match.route === 'page');
  if (ctx.apiKey !== undefined && !isOpen && !isAuthorized(req.headers, ctx.apiKey)) {
    throw new CorchError(
      'E_UNAUTHORIZED',
      'missing or wrong API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
      { status: 401 },
    );
  }
  if (match.kind === 'not-found') {
    throw new CorchError('E_NOT_FOUND', `no route ${method} ${url.pathname}`, { status: 404 });
  }
  if (match.kind === 'method-not-allowed') {
    sendError(
      res,
      new CorchError('E_METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use ${match.allow.join(', ')}`, {
        status: 405,
      }),
      { ...headers, Allow: match.allow.join(', ') },
    );
    return;
  }
  if (method === 'POST') checkJsonBody(req);
  const streamId = match.streamId ?? '';
  switch (match.route) {
    case 'create':
      return handleCreate(ctx, req, res, headers);
    case 'events':
      return handleEvents(ctx, streamId, req, url, res, headers);
    case 'ws':
      throw new CorchError(
        'E_INVALID_REQUEST',
        `${url.pathname} is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket), or read ${eventsPath(streamId)} over SSE`,
        { status: 426 },
      );
    case 'status':
      return handleStatus(ctx, streamId, res, headers);
    case 'cancel':
      return handleCancel(ctx, streamId, res, headers);
    case 'list':
      return handleList(ctx, url, res, headers);
    case 'providers':
      return handleProviders(ctx, res, headers);
    case 'healthz':
      return handleHealth(ctx, res, headers);
    case 'page':
      return handleWebPage(ctx.webAssets, url.pathname, req, res);
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message.slice(0, 100) : String(error).slice(0, 100);
}

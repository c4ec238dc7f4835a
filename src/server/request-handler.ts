import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorchError, isCorchError } from '../protocol/errors.js';
import { isAuthorized } from './auth.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { handleEvents } from './events-handler.js';
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
  // The base only serves to parse the path and query; the Host header is not trusted for anything.
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = matchRoute(method, url.pathname);

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

/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

const ALLOWED_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';
// Last-Event-ID: a fetch-based SSE client resuming a stream sends it; Authorization/X-API-Key for auth.
const ALLOWED_HEADERS = 'Authorization, X-API-Key, Content-Type, Last-Event-ID, Cache-Control';
const EXPOSED_HEADERS = 'Retry-After, Location';

/**
 * CORS response headers for a request from `origin`, given the configured `corsOrigin`: `*`, or one or
 * more origins separated by commas. Empty when CORS is off or the origin is not allowed (the browser
 * then blocks the response, which is the point).
 */
export function corsHeaders(corsOrigin: string | undefined, origin: string | undefined): Record<string, string> {
  if (!corsOrigin) return {};
  if (corsOrigin.trim() === '*') return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED_HEADERS };
  const allowed = corsOrigin.split(',').map((item) => item.trim());
  if (!origin || !allowed.includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

/** Extra headers of a preflight (OPTIONS) answer. */
export function preflightHeaders(corsOrigin: string | undefined, origin: string | undefined): Record<string, string> {
  const base = corsHeaders(corsOrigin, origin);
  if (!base['Access-Control-Allow-Origin']) return base;
  return {
    ...base,
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
  };
}

import type { ServerResponse } from 'node:http';
import { CorchError, type ErrorCode, errorBody, isCorchError } from '../protocol/errors.js';

/** Seconds a client should wait before retrying after a 503 (stream or connection cap, shutdown). */
export const RETRY_AFTER_SECONDS = 5;

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  E_INVALID_JSON: 400,
  E_INVALID_REQUEST: 400,
  E_BAD_REQUEST: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN_HOST: 403,
  E_FORBIDDEN_ORIGIN: 403,
  E_REQUEST_TIMEOUT: 408,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_EXPECTATION_FAILED: 417,
  E_HEADERS_TOO_LARGE: 431,
  E_NOT_FOUND: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_PAYLOAD_TOO_LARGE: 413,
  E_TOO_MANY_STREAMS: 503,
  E_TOO_MANY_CONNECTIONS: 503,
  E_STORE_FULL: 503,
  E_SHUTDOWN: 503,
};

/** The HTTP status an error answers with: its own `status`, else the usual one for its code, else 500. */
export function statusOf(error: CorchError): number {
  return error.status ?? STATUS_BY_CODE[error.code] ?? 500;
}

/** Sends `body` as JSON (no body is sent for HEAD; node drops it). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * Answers with `{"error": {"code", "message"}}`. Errors that are not CorchErrors are internal: their
 * message is not sent (it may reveal internals) but is returned for the caller to log.
 */
export function sendError(res: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    // Too late for a status line; cut the response so the client sees it failed.
    res.destroy();
    return;
  }
  const corch = isCorchError(error) ? error : new CorchError('E_INTERNAL', 'internal server error', { cause: error });
  const status = statusOf(corch);
  const extra: Record<string, string> = { ...headers };
  if (status === 503) extra['Retry-After'] = String(RETRY_AFTER_SECONDS);
  if (status === 401) extra['WWW-Authenticate'] = 'Bearer realm="corch"';
  if (status === 413) extra.Connection = 'close';
  sendJson(res, status, errorBody(corch.code, corch.message), extra);
}

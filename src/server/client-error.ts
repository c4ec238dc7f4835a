import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CorchError, type ErrorCode, errorBody } from '../protocol/errors.js';
import { sendError, statusOf } from './respond.js';

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/**
 * What a request node:http could not parse gets, as a CorchError: the JSON shape and a fitting status
 * instead of node's own bodyless 400/431. Keyed by llhttp's and node's error codes.
 */
export function clientErrorFor(error: Error & { code?: string }): CorchError {
  const code = error.code ?? '';
  const make = (corchCode: ErrorCode, message: string, status: number) => new CorchError(corchCode, message, { status });
  if (code === 'HPE_HEADER_OVERFLOW') {
    return make('E_HEADERS_TOO_LARGE', 'the request headers are too large (at most 16 KiB); send fewer or shorter headers', 431);
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return make('E_REQUEST_TIMEOUT', 'the request was not received in time; send the whole request promptly', 408);
  }
  const reason = (error.message || code).replace(/^Parse Error:\s*/, '').slice(0, 120);
  return make('E_BAD_REQUEST', `the request is not valid HTTP/1.1 (${reason})`, 400);
}

/**
 * Answers node:http's `clientError` (a request it could not parse, oversized headers, a timeout) with the
 * JSON error shape, and reports it as one short line: a peer's malformed request is its problem, not a
 * server error, so it never gets a stack. A socket that is gone, or already has a response in flight, is
 * just closed.
 */
export function answerClientErrors(server: Server, onDebug: (message: string) => void): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    const corch = clientErrorFor(error);
    // A bad body (a broken chunk) is found after the request went to its handler: answer it ourselves
    // unless that handler has started its response.
    const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    const inFlight = response?.headersSent === true;
    // The peer closed mid-body: the request it interrupted reports that (one line) when its read fails.
    const hungUpMidBody = error.code === 'HPE_INVALID_EOF_STATE' && response != null;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight || hungUpMidBody) {
      // A hang-up: the request it interrupted (if any) reports it, once.
      socket.destroy();
      return;
    }
    const status = statusOf(corch);
    onDebug(`client error from ${peerOf(socket)}: ${error.code ?? 'unknown'} → ${status}`);
    const body = JSON.stringify(errorBody(corch.code, corch.message));
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
  // An `Expect` other than 100-continue: node would answer a bodyless 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const expectation = String(req.headers.expect ?? '').slice(0, 60);
    res.shouldKeepAlive = false;
    sendError(
      res,
      new CorchError('E_EXPECTATION_FAILED', `this server only understands "Expect: 100-continue", got "${expectation}"`, {
        status: 417,
      }),
      { Connection: 'close' },
    );
  });
}

function peerOf(socket: Duplex): string {
  const address = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
  return address ?? 'a closed socket';
}

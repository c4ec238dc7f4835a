import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { CorchError, decodeWsMessage, isTerminalEvent, WS_CLOSE, wsProtocols } from '../protocol/index.js';
import { errorFromResponse } from './http-errors.js';
import { type Cursor, deliver, type Outcome } from './stream-cursor.js';
import type { SubscribeOptions, TerminalEvent } from './types.js';

/** What one WebSocket connection needs from its subscription. */
export interface WsConnectContext {
  baseUrl: string;
  apiKey: string | undefined;
}

/** `http(s)://host/…` → `ws(s)://host/…`. */
export function wsUrlOf(baseUrl: string, streamId: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/api/stream/ws/${encodeURIComponent(streamId)}`;
}

/**
 * One connection to `GET /api/stream/ws/{id}` (DESIGN.md §7), with the same outcomes as one SSE connection:
 * the terminal event, "nothing more" (closed with 1000 before any event: the stream had already ended at our
 * cursor, what SSE answers with 204), or a drop to resume from. An unknown stream (4404), a refused cursor
 * (4400) and a refused handshake (401/403/404 …) are thrown: retrying would not change them.
 */
export function connectWsOnce(
  context: WsConnectContext,
  streamId: string,
  cursor: Cursor,
  options: SubscribeOptions,
  onAnswered: () => void,
  idleMs: number,
): Promise<Outcome> {
  const params = new URLSearchParams();
  if (cursor.lastSeq > 0) params.set('last_event_id', String(cursor.lastSeq));
  if (cursor.batchMs > 0) params.set('batch_ms', String(cursor.batchMs));
  const query = params.size > 0 ? `?${params}` : '';
  const url = `${wsUrlOf(context.baseUrl, streamId)}${query}`;
  // Node can send headers; the key goes as one, as for SSE (browsers offer it as a subprotocol instead).
  const headers: Record<string, string> = context.apiKey ? { Authorization: `Bearer ${context.apiKey}` } : {};
  return new Promise<Outcome>((resolve, reject) => {
    const ws = new WebSocket(url, wsProtocols(undefined), { headers, perMessageDeflate: false });
    let settled = false;
    let terminal: TerminalEvent | null = null;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: Outcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(idleTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (ws.readyState !== ws.CLOSED) ws.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = () => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    ws.once('open', () => {
      onAnswered();
      if (idleMs > 0) {
        idleTimer = setTimeout(() => finish({ kind: 'dropped', reason: `no data for ${describeMs(idleMs)}` }), idleMs);
        idleTimer.unref();
      }
    });
    ws.on('message', (data, isBinary) => {
      idleTimer?.refresh();
      if (terminal !== null) return;
      let message: ReturnType<typeof decodeWsMessage>;
      try {
        if (isBinary) throw new Error('a binary WebSocket message (the server sends text)');
        message = decodeWsMessage(data.toString());
      } catch (error) {
        options.onNotice?.({ type: 'invalid_frame', reason: (error as Error).message });
        return;
      }
      deliver(cursor, options, message.id === undefined ? undefined : String(message.id), message.event);
      if (isTerminalEvent(message.event.event)) {
        terminal = message.event as TerminalEvent;
        finish({ kind: 'terminal', event: terminal });
      }
    });
    ws.once('close', (code, reasonBuffer) => {
      const reason = reasonBuffer.toString('utf8');
      if (code === WS_CLOSE.ENDED) finish(terminal ? { kind: 'terminal', event: terminal } : { kind: 'no_content' });
      else if (code === WS_CLOSE.NOT_FOUND) {
        finish(new CorchError('E_NOT_FOUND', `stream ${streamId}: not found on ${context.baseUrl} (${reason || 'closed with 4404'})`));
      } else if (code === WS_CLOSE.BAD_REQUEST) {
        finish(new CorchError('E_INVALID_REQUEST', `stream ${streamId}: the server refused the request (${reason || 'closed with 4400'})`));
      } else finish({ kind: 'dropped', reason: `the WebSocket closed with ${code}${reason ? ` (${reason})` : ''}` });
    });
    ws.once('unexpected-response', (_request, response: IncomingMessage) => {
      refusedHandshake(response, context, streamId).then(finish, finish);
    });
    // Before 'open': a network error (the outer loop decides whether that is "unreachable"). After: a drop.
    ws.on('error', (error) => {
      if (ws.readyState === ws.CONNECTING) finish(error);
      else finish({ kind: 'dropped', reason: error.message });
    });
  });
}

/** A handshake answered with an HTTP status instead of 101: the JSON error, as for any route. */
async function refusedHandshake(response: IncomingMessage, context: WsConnectContext, streamId: string): Promise<CorchError> {
  const parts: Buffer[] = [];
  for await (const part of response) parts.push(part as Buffer);
  const status = response.statusCode ?? 500;
  const body = Buffer.concat(parts);
  const answer = new Response(status === 204 || status === 304 ? null : body, { status: status >= 200 && status <= 599 ? status : 500 });
  if (status === 404 && !body.toString('utf8').includes('E_NOT_FOUND')) {
    return new CorchError('E_NOT_FOUND', `the corch server at ${context.baseUrl} has no WebSocket route (404); use --transport sse`, {
      status,
    });
  }
  return errorFromResponse(answer, { baseUrl: context.baseUrl, what: `stream ${streamId}`, apiKeySent: Boolean(context.apiKey) });
}

function describeMs(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

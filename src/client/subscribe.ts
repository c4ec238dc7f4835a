import { CorchError, createSseDecoder, isEventName, isTerminalEvent, MAX_BATCH_MS } from '../protocol/index.js';
import { describeNetworkError, errorFromResponse, isNetworkError, serverUnreachableError } from './http-errors.js';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_RECONNECT_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  reconnectDelay,
} from './reconnect-delay.js';
import type { OpenedStream, SseTransport } from './sse-transport.js';
import { type Cursor, confirm, deliver, type Outcome } from './stream-cursor.js';
import type { SleepLike, SubscribeOptions, SubscribeResult, TerminalEvent } from './types.js';
import { connectWsOnce, wsUrlOf } from './ws-connect.js';

/** What a subscription needs from its client. */
export interface ConnectionContext {
  baseUrl: string;
  /** Opens the event stream: node:http(s), or the injected fetch when there is one. */
  transport: SseTransport;
  sleep: SleepLike;
  apiKey: string | undefined;
}


/** Why we aborted our own request: told apart from the caller's abort. */
class IdleTimeout extends Error {}
class AnswerTimeout extends Error {}

/** How long a server may take to answer a request with its status and headers (`responseTimeoutMs`). */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 15_000;

/** An answer corch cannot read: not a protocol it speaks, or an event it cannot decode. */
export function badResponse(message: string): CorchError {
  return new CorchError('E_BAD_RESPONSE', message);
}

/**
 * Follows `streamId` until its terminal event or a 204, reconnecting with `Last-Event-ID` in between; over
 * the WebSocket route instead when `options.transport` is `ws` (resuming with `?last_event_id=`).
 */
export async function subscribeToStream(
  context: ConnectionContext,
  streamId: string,
  options: SubscribeOptions,
): Promise<SubscribeResult> {
  const overWs = options.transport === 'ws';
  const url = overWs ? wsUrlOf(context.baseUrl, streamId) : `${context.baseUrl}/api/stream/events/${encodeURIComponent(streamId)}`;
  const maxReconnects = options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
  const cursor: Cursor = {
    lastSeq: Math.max(0, Math.floor(options.fromSeq ?? 1) - 1),
    retryMs: options.retryMs ?? DEFAULT_RECONNECT_DELAY_MS,
    attempt: 0,
    reconnects: 0,
    lost: 0,
    awaitingFirst: 'connected',
    url,
    batchMs: validBatchMs(options.batchMs),
  };
  const result = (terminal: TerminalEvent | null): SubscribeResult => ({
    terminal,
    lastSeq: cursor.lastSeq,
    reconnects: cursor.reconnects,
    lost: cursor.lost,
  });
  let connectedOnce = false;
  options.onNotice?.({ type: 'connecting', url });

  for (;;) {
    options.signal?.throwIfAborted();
    let outcome: Outcome;
    try {
      const answered = () => {
        connectedOnce = true;
      };
      outcome = overWs
        ? await connectWsOnce(context, streamId, cursor, options, answered, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS)
        : await connectOnce(context, url, streamId, cursor, options, answered);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      // A server that was never reached is a configuration problem, not a blip: say so at once.
      if (!connectedOnce && isNetworkError(error)) throw serverUnreachableError(context.baseUrl, error);
      if (!connectedOnce || !isNetworkError(error)) throw error;
      outcome = { kind: 'dropped', reason: describeNetworkError(error) };
    }
    if (outcome.kind === 'terminal') return result(outcome.event);
    if (outcome.kind === 'no_content') {
      confirm(cursor, options, 0);
      return result(null);
    }

    cursor.attempt += 1;
    if (cursor.attempt > maxReconnects) {
      options.onNotice?.({ type: 'gave_up', attempts: maxReconnects, reason: outcome.reason });
      throw new CorchError(
        'E_UNREACHABLE',
        `lost the connection to ${context.baseUrl} and could not reconnect after ${maxReconnects} attempts ` +
          `(${outcome.reason}). The run may still be going on the server: ` +
          `\`corch attach ${streamId} --from-seq ${cursor.lastSeq + 1}\` resumes where this stopped.`,
        { retryable: true },
      );
    }
    const delayMs = reconnectDelay(cursor.attempt, cursor.retryMs, options.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS);
    options.onNotice?.({
      type: 'reconnecting',
      attempt: cursor.attempt,
      maxAttempts: maxReconnects,
      delayMs,
      reason: outcome.reason,
    });
    await context.sleep(delayMs, options.signal);
    cursor.awaitingFirst = 'reconnected';
  }
}

async function connectOnce(
  context: ConnectionContext,
  url: string,
  streamId: string,
  cursor: Cursor,
  options: SubscribeOptions,
  onAnswered: () => void,
): Promise<Outcome> {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
  if (context.apiKey) headers.Authorization = `Bearer ${context.apiKey}`;
  if (cursor.lastSeq > 0) headers['Last-Event-ID'] = String(cursor.lastSeq);

  let opened: OpenedStream;
  const answerMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  {
    const target = cursor.batchMs > 0 ? `${url}?batch_ms=${cursor.batchMs}` : url;
    // A server that accepts the connection and never answers would otherwise be waited for forever.
    const answerTimer = setTimeout(() => controller.abort(new AnswerTimeout()), answerMs);
    // `?.`: in a browser (the web page) a timer is a number, with nothing to unref.
    answerTimer.unref?.();
    try {
      opened = await context.transport(target, headers, signal);
    } catch (error) {
      if (!(controller.signal.reason instanceof AnswerTimeout) || options.signal?.aborted) throw error;
      const waited = answerMs < 10_000 ? `${answerMs} ms` : `${Math.round(answerMs / 1000)} s`;
      if (cursor.awaitingFirst === 'reconnected') return { kind: 'dropped', reason: `no answer within ${waited}` };
      throw new CorchError(
        'E_UNREACHABLE',
        `the server at ${context.baseUrl} accepted the connection but did not answer within ${waited}; check that it is a corch server and that it is not stuck (GET /healthz)`,
        { retryable: true },
      );
    } finally {
      clearTimeout(answerTimer);
    }
  }
  if (opened.status === 204) {
    opened.close();
    // 204 means "you have seen the end already": from the start of a stream, nothing was seen.
    if (cursor.lastSeq === 0 && cursor.awaitingFirst === 'connected') {
      throw badResponse(
        `the server at ${context.baseUrl} answered 204 No Content for stream ${streamId} without sending any event; a corch server sends the stream's events first`,
      );
    }
    return { kind: 'no_content' };
  }
  if (opened.status !== 200) {
    const error = await errorFromResponse(await opened.asResponse(), {
      baseUrl: context.baseUrl,
      what: `stream ${streamId}`,
      apiKeySent: Boolean(context.apiKey),
    });
    opened.close();
    // A server that is restarting may answer 502/503 for a moment; anything else will not fix itself.
    if (opened.status >= 500 && cursor.awaitingFirst === 'reconnected') return { kind: 'dropped', reason: `HTTP ${opened.status}` };
    throw error;
  }
  const type = opened.contentType ?? '';
  if (!/^text\/event-stream\b/i.test(type)) {
    opened.close();
    throw badResponse(
      `the server at ${context.baseUrl} answered stream ${streamId} with 200 and ${type === '' ? 'no Content-Type' : `"${type.slice(0, 60)}"`} instead of an event stream (text/event-stream); is that URL a corch server, not a proxy's page or another service?`,
    );
  }
  onAnswered();

  let terminal: TerminalEvent | null = null;
  let unreadable: CorchError | undefined;
  const cannotRead = (what: string) => {
    unreadable ??= badResponse(`the server sent an event corch cannot read: ${what}`);
  };
  const decoder = createSseDecoder({
    onEvent: ({ id, event }) => {
      if (terminal || unreadable) return;
      const seq = id === undefined ? (event.data as { seq?: unknown }).seq : Number(id);
      if (event.event !== 'heartbeat' && !(typeof seq === 'number' && Number.isInteger(seq) && seq > 0)) {
        cannotRead(`"${event.event}" has no event number (id or seq)`);
        return;
      }
      try {
        deliver(cursor, options, id, event);
      } catch (error) {
        if (error instanceof CorchError) throw error;
        cannotRead(`"${event.event}" #${String(seq)}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (isTerminalEvent(event.event)) terminal = event as TerminalEvent;
    },
    onRetry: (ms) => {
      cursor.retryMs = ms;
    },
    onInvalid: (reason, raw) => {
      // An event name this client does not know may come from a newer server: skipped, as old clients do.
      const name = 'event' in raw ? (raw.event ?? 'message') : undefined;
      if (name !== undefined && !isEventName(name)) options.onNotice?.({ type: 'invalid_frame', reason });
      else cannotRead(reason);
    },
  });

  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  if (idleMs > 0) {
    // One timer for the whole connection, refreshed per chunk: re-creating it per chunk cost more than the
    // decoding. The open socket keeps the process alive; this timer only watches it.
    idleTimer = setTimeout(() => controller.abort(new IdleTimeout()), idleMs);
    idleTimer.unref?.();
  }

  try {
    await opened.read((chunk) => {
      idleTimer?.refresh();
      decoder.feed(chunk);
      return terminal !== null || unreadable !== undefined;
    });
    if (unreadable) throw unreadable;
    if (terminal) return { kind: 'terminal', event: terminal };
    return { kind: 'dropped', reason: 'the server closed the connection' };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error === unreadable) throw error;
    if (controller.signal.reason instanceof IdleTimeout) {
      return { kind: 'dropped', reason: `no data for ${idleMs < 10_000 ? `${idleMs} ms` : `${Math.round(idleMs / 1000)} s`}` };
    }
    return { kind: 'dropped', reason: describeNetworkError(error) };
  } finally {
    clearTimeout(idleTimer);
    // Stop reading (e.g. after the terminal event) without waiting for the server to close.
    controller.abort();
    opened.close();
  }
}

/** `batchMs` as sent: a whole number of ms within what the server accepts (0–1000), 0 = none. */
function validBatchMs(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return 0;
  return Math.min(MAX_BATCH_MS, Math.round(value));
}

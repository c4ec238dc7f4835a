import { type CorchEvent, CorchError, createSseDecoder, isTerminalEvent } from '../protocol/index.js';
import { describeNetworkError, errorFromResponse, isNetworkError, unreachableError } from './http-errors.js';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_RETRY_MS,
  MAX_RETRY_DELAY_MS,
  reconnectDelay,
} from './reconnect-delay.js';
import type { FetchLike, SleepLike, SubscribeOptions, SubscribeResult, TerminalEvent } from './types.js';

/** What a subscription needs from its client. */
export interface ConnectionContext {
  baseUrl: string;
  fetch: FetchLike;
  sleep: SleepLike;
  apiKey: string | undefined;
}

/** How one connection ended. Fatal problems are thrown instead. */
type Outcome =
  | { kind: 'terminal'; event: TerminalEvent }
  | { kind: 'no_content' }
  | { kind: 'dropped'; reason: string };

/** Why we aborted our own request: told apart from the caller's abort. */
class IdleTimeout extends Error {}

/** Mutable bookkeeping shared by the connections of one subscription. */
interface Cursor {
  lastSeq: number;
  retryMs: number;
  /** Consecutive failed attempts; reset as soon as a connection delivers something. */
  attempt: number;
  reconnects: number;
  lost: number;
  /** A (re)connection was answered but nothing has arrived on it yet: the next message confirms it. */
  awaitingFirst: 'connected' | 'reconnected' | null;
  url: string;
}

/** Follows `streamId` until its terminal event or a 204, reconnecting with `Last-Event-ID` in between. */
export async function subscribeToStream(
  context: ConnectionContext,
  streamId: string,
  options: SubscribeOptions,
): Promise<SubscribeResult> {
  const url = `${context.baseUrl}/api/stream/events/${encodeURIComponent(streamId)}`;
  const maxReconnects = options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
  const cursor: Cursor = {
    lastSeq: Math.max(0, Math.floor(options.fromSeq ?? 1) - 1),
    retryMs: options.retryMs ?? DEFAULT_RETRY_MS,
    attempt: 0,
    reconnects: 0,
    lost: 0,
    awaitingFirst: 'connected',
    url,
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
      outcome = await connectOnce(context, url, streamId, cursor, options, () => {
        connectedOnce = true;
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      // A server that was never reached is a configuration problem, not a blip: say so at once.
      if (!connectedOnce && isNetworkError(error)) throw unreachableError(context.baseUrl, error);
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

/** Emits `connected`/`reconnected` once per connection, with the number of events the server no longer had. */
function confirm(cursor: Cursor, options: SubscribeOptions, lost: number): void {
  const which = cursor.awaitingFirst;
  if (which === null) return;
  cursor.awaitingFirst = null;
  cursor.attempt = 0;
  if (which === 'reconnected') {
    cursor.reconnects += 1;
    options.onNotice?.({ type: 'reconnected', attempt: cursor.reconnects, lost, lastSeq: cursor.lastSeq });
  } else {
    options.onNotice?.({ type: 'connected', url: cursor.url, lost });
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

  const response = await context.fetch(url, { headers, signal });
  if (response.status === 204) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'no_content' };
  }
  if (response.status !== 200) {
    const error = await errorFromResponse(response, {
      baseUrl: context.baseUrl,
      what: `stream ${streamId}`,
      apiKeySent: Boolean(context.apiKey),
    });
    // A server that is restarting may answer 502/503 for a moment; anything else will not fix itself.
    if (response.status >= 500 && cursor.awaitingFirst === 'reconnected') return { kind: 'dropped', reason: `HTTP ${response.status}` };
    throw error;
  }
  onAnswered();
  if (!response.body) return { kind: 'dropped', reason: 'the response had no body' };

  let terminal: TerminalEvent | null = null;
  const decoder = createSseDecoder({
    onEvent: ({ id, event }) => {
      if (terminal) return;
      deliver(cursor, options, id, event);
      if (isTerminalEvent(event.event)) terminal = event as TerminalEvent;
    },
    onRetry: (ms) => {
      cursor.retryMs = ms;
    },
    onInvalid: (reason) => options.onNotice?.({ type: 'invalid_frame', reason }),
  });

  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    if (idleMs <= 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(new IdleTimeout()), idleMs);
    // The open socket keeps the process alive; this timer only watches it.
    idleTimer.unref();
  };

  const reader = response.body.getReader();
  armIdle();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      armIdle();
      decoder.feed(value);
      if (terminal) return { kind: 'terminal', event: terminal };
    }
    return { kind: 'dropped', reason: 'the server closed the connection' };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (controller.signal.reason instanceof IdleTimeout) {
      return { kind: 'dropped', reason: `no data for ${idleMs < 10_000 ? `${idleMs} ms` : `${Math.round(idleMs / 1000)} s`}` };
    }
    return { kind: 'dropped', reason: describeNetworkError(error) };
  } finally {
    clearTimeout(idleTimer);
    // Stop reading (e.g. after the terminal event) without waiting for the server to close.
    controller.abort();
    reader.releaseLock();
  }
}

/** De-duplicates by seq, counts gaps, confirms the (re)connection, and hands the event on. */
function deliver(cursor: Cursor, options: SubscribeOptions, id: string | undefined, event: CorchEvent): void {
  if (event.event === 'heartbeat') {
    // A heartbeat carries the last stored seq: at or below ours means nothing was missed.
    if (cursor.awaitingFirst !== null && event.data.seq <= cursor.lastSeq) confirm(cursor, options, 0);
    options.onEvent(event);
    return;
  }
  const fromId = id === undefined ? Number.NaN : Number(id);
  const seq = Number.isInteger(fromId) ? fromId : event.data.seq;
  if (seq <= cursor.lastSeq) return;
  const missing = seq - cursor.lastSeq - 1;
  if (missing > 0) cursor.lost += missing;
  confirm(cursor, options, Math.max(0, missing));
  cursor.lastSeq = seq;
  options.onEvent(event);
}

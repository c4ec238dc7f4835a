import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { CorchError, isCorchError } from '../protocol/errors.js';
import { throwIfAborted } from './abort.js';
import { type ErrorContext, errorFromStatus, readVendorError } from './http-errors.js';
import { parseRetryAfter } from './retry-after.js';
import { type StreamTimeouts, StreamWatchdog } from './stream-watchdog.js';
import type { Clock } from '../streams/clock.js';
import type { LlmPart } from './types.js';

type FinishPart = Extract<LlmPart, { type: 'finish' }>;

/** Turns one vendor's SSE messages into parts. A fresh adapter serves each attempt. */
export interface WireAdapter {
  /** Text deltas for one message; throws a CorchError for error payloads and malformed chunks. */
  accept(message: EventSourceMessage): LlmPart[];
  /** True once the vendor's end marker (`[DONE]`, `message_stop`) has arrived. */
  readonly done: boolean;
  /** The closing part once the body has ended; throws E_PROVIDER_STREAM if the stream stopped early. */
  finish(): FinishPart;
}

/** One streaming POST. */
export interface HttpAttempt {
  fetch: typeof fetch;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  ctx: ErrorContext;
  timeouts: StreamTimeouts;
  /** Milliseconds since the epoch, for `Retry-After` dates. */
  now: () => number;
  /** The clock of the first-token and idle timeouts. */
  clock: Clock;
  adapter: WireAdapter;
}

// One SSE event is a few hundred bytes; a megabyte without a line break means the stream is not SSE.
const MAX_SSE_BUFFER_CHARS = 1_048_576;
const MAX_QUOTED_BODY_CHARS = 200;

function describeCause(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : null;
  const message = error instanceof Error ? error.message : String(error);
  return code === null ? message : `${message} (${code})`;
}

/**
 * Sends one streaming request and yields its parts. Maps HTTP statuses to CorchErrors, enforces the
 * first-token and idle timeouts, and closes the connection whenever it stops early: on the caller's
 * abort (throwing `signal.reason`), on an error, or when the consumer stops iterating.
 */
export async function* streamHttpAttempt(spec: HttpAttempt, signal: AbortSignal): AsyncGenerator<LlmPart> {
  throwIfAborted(signal);
  const { ctx, adapter } = spec;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const watchdog = new StreamWatchdog(controller, spec.timeouts, ctx, spec.clock);
  let textChars = 0;

  // Whatever went wrong, the caller's abort and our own timeouts explain it better than the fetch error.
  const explain = (error: unknown, phase: 'connect' | 'read'): unknown => {
    if (signal.aborted) return signal.reason;
    if (watchdog.fired !== null) return watchdog.fired;
    if (isCorchError(error)) return error;
    if (phase === 'connect') {
      return new CorchError('E_PROVIDER_UNAVAILABLE', `could not reach ${ctx.label} at ${ctx.url}: ${describeCause(error)}`, {
        retryable: true,
        cause: error,
        details: { url: ctx.url },
      });
    }
    return new CorchError(
      'E_PROVIDER_STREAM',
      `the connection to ${ctx.label} at ${ctx.url} broke mid-stream after ${textChars} characters: ${describeCause(error)}`,
      { retryable: true, cause: error, details: { url: ctx.url, received_chars: textChars } },
    );
  };

  watchdog.start();
  try {
    let response: Response;
    try {
      response = await spec.fetch(spec.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...spec.headers },
        body: JSON.stringify(spec.body),
        signal: controller.signal,
      });
    } catch (error) {
      throw explain(error, 'connect');
    }
    if (!response.ok) {
      const text = await response.text().catch((error: unknown) => {
        throw explain(error, 'connect');
      });
      throw errorFromStatus(response.status, text, ctx, parseRetryAfter(response.headers, spec.now()));
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (response.body === null || contentType.includes('application/json')) {
      // A proxy that ignored `stream: true`, or an error answered with 200.
      const text = response.body === null ? '' : await response.text();
      const vendor = readVendorError(text);
      throw new CorchError(
        'E_PROVIDER_STREAM',
        `${ctx.label} at ${ctx.url} did not answer with an event stream (content-type "${contentType}"): ${vendor.message.slice(0, MAX_QUOTED_BODY_CHARS)}`,
        { details: { url: ctx.url, vendor_type: vendor.type } },
      );
    }

    const reader = response.body.getReader();
    // `stream: true` keeps a multi-byte character split across chunks intact.
    const decoder = new TextDecoder();
    const queue: EventSourceMessage[] = [];
    let overflow: ParseError | null = null;
    const parser = createParser({
      onEvent: (message) => queue.push(message),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') overflow = error;
      },
      maxBufferSize: MAX_SSE_BUFFER_CHARS,
    });

    reading: for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw explain(error, 'read');
      }
      // At the end, an event without its closing blank line is dropped, as the SSE spec says: it may be
      // the truncated half of a chunk.
      parser.feed(chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }));
      if (overflow !== null) {
        throw new CorchError('E_PROVIDER_STREAM', `${ctx.label} at ${ctx.url} sent a line longer than ${MAX_SSE_BUFFER_CHARS} characters`);
      }
      for (let message = queue.shift(); message !== undefined; message = queue.shift()) {
        for (const part of adapter.accept(message)) {
          if (part.type === 'text-delta') {
            textChars += part.text.length;
            watchdog.token();
          }
          yield part;
          throwIfAborted(signal);
        }
        if (adapter.done) break reading;
      }
      if (chunk.done) break;
    }
    watchdog.stop();
    yield adapter.finish();
  } finally {
    watchdog.stop();
    signal.removeEventListener('abort', onAbort);
    // Closes the connection if we stopped before the server did (error, end marker, consumer left early).
    if (!controller.signal.aborted) controller.abort();
  }
}

import type { CreatedStream, StreamState, TaskRequest } from '../protocol/index.js';
import { CorchError } from '../protocol/index.js';
import { errorFromResponse, isNetworkError, serverUnreachableError } from './http-errors.js';
import { fetchTransport, nodeHttpTransport } from './sse-transport.js';
import { type ConnectionContext, DEFAULT_RESPONSE_TIMEOUT_MS, subscribeToStream } from './subscribe.js';
import type { CorchClient, CorchClientOptions, SleepLike } from './types.js';

/**
 * Waits on a timer that is deliberately not unref'd: while a subscription sleeps before reconnecting nothing else
 * keeps the process alive, and an unref'd timer would let it exit in the middle of the wait.
 */
const defaultSleep: SleepLike = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Creates a client for the corch server at `options.baseUrl`. Every failure is a `CorchError`. */
export function createCorchClient(options: CorchClientOptions): CorchClient {
  let parsed: URL;
  try {
    parsed = new URL(options.baseUrl);
  } catch (cause) {
    throw new CorchError('E_USAGE', `the base URL must be an http(s) URL, got "${options.baseUrl}"`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CorchError('E_USAGE', `the base URL must be an http(s) URL, got "${options.baseUrl}"`);
  }
  const baseUrl = parsed.href.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const context: ConnectionContext = {
    baseUrl,
    // The event stream is read with node:http unless a fetch was injected (then everything goes through it).
    transport: options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport,
    sleep: options.sleep ?? defaultSleep,
    apiKey: options.apiKey,
  };

  async function requestJson(
    method: 'GET' | 'POST',
    path: string,
    what: string,
    init: { body?: unknown; signal?: AbortSignal; allowEmpty?: boolean } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    let response: Response;
    // A server that accepts the connection and never answers is reported, not waited for forever.
    const answerMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), answerMs);
    timer.unref();
    try {
      response = await fetchFn(`${baseUrl}${path}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal,
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      if (timeout.signal.aborted) {
        const waited = answerMs < 10_000 ? `${answerMs} ms` : `${Math.round(answerMs / 1000)} s`;
        throw new CorchError(
          'E_UNREACHABLE',
          `${what}: the server at ${baseUrl} accepted the connection but did not answer within ${waited}; check that it is a corch server and that it is not stuck (GET /healthz)`,
          { retryable: true, cause: error },
        );
      }
      if (isNetworkError(error)) throw serverUnreachableError(baseUrl, error);
      throw new CorchError('E_UNREACHABLE', `${what}: request to ${baseUrl} failed: ${String(error)}`, { cause: error });
    }
    clearTimeout(timer);
    if (!response.ok) {
      throw await errorFromResponse(response, { baseUrl, what, apiKeySent: Boolean(options.apiKey) });
    }
    const text = await response.text();
    if (text === '' && init.allowEmpty) return undefined;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new CorchError('E_BAD_RESPONSE', `${what}: the server at ${baseUrl} answered ${response.status} without JSON; is that URL a corch server?`, {
        cause,
      });
    }
  }

  const id = (streamId: string) => encodeURIComponent(streamId);

  return {
    baseUrl,
    async createTask(request: TaskRequest, init = {}) {
      return (await requestJson('POST', '/api/stream/task', 'creating the task', { ...init, body: request })) as CreatedStream;
    },
    async status(streamId, init = {}) {
      return (await requestJson('GET', `/api/stream/status/${id(streamId)}`, `stream ${streamId}`, init)) as StreamState;
    },
    async cancel(streamId, init = {}) {
      const body = await requestJson('POST', `/api/stream/${id(streamId)}/cancel`, `cancelling stream ${streamId}`, {
        ...init,
        allowEmpty: true,
      });
      return body !== null && typeof body === 'object' && 'status' in body ? (body as StreamState) : undefined;
    },
    async list(init = {}) {
      const body = await requestJson('GET', '/api/streams', 'listing streams', init);
      // Accept both a bare array and `{streams: [...]}`.
      if (Array.isArray(body)) return body as StreamState[];
      const streams = (body as { streams?: unknown } | null)?.streams;
      return Array.isArray(streams) ? (streams as StreamState[]) : [];
    },
    async health(init = {}) {
      const body = await requestJson('GET', '/healthz', 'health check', init);
      return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : { status: body };
    },
    subscribe(streamId, subscribeOptions) {
      const withDefault =
        subscribeOptions.responseTimeoutMs === undefined && options.responseTimeoutMs !== undefined
          ? { ...subscribeOptions, responseTimeoutMs: options.responseTimeoutMs }
          : subscribeOptions;
      return subscribeToStream(context, streamId, withDefault);
    },
  };
}

import type { SseTransport } from './sse-transport.js';
import type { FetchLike } from './types.js';

// Apart from sse-transport.ts, which imports node:http: a browser bundle takes this file and not that one.

/** The transport for an injected `fetch` (tests, proxies): the body read through its web stream. */
export function fetchTransport(fetchFn: FetchLike): SseTransport {
  return async (url, headers, signal) => {
    const response = await fetchFn(url, { headers, signal });
    const reader = response.body?.getReader();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      asResponse: async () => response,
      async read(onChunk) {
        if (!reader) return;
        for (;;) {
          const { done, value } = await reader.read();
          if (done || onChunk(value)) return;
        }
      },
      close() {
        // The caller aborts the request's signal too, which ends the body; this only lets go of it.
        if (reader) reader.releaseLock();
        else response.body?.cancel().catch(() => undefined);
      },
    };
  };
}

/** A recorded answer replayed by {@link replayFetch}: the body as exact byte chunks. */
export interface FetchReplay {
  status?: number;
  headers?: Record<string, string>;
  chunks: Uint8Array[];
}

export interface ReplayFetch {
  fetch: typeof fetch;
  calls: { url: string; init: RequestInit | undefined }[];
}

/** Splits text into byte chunks of `size` bytes (1 = one byte at a time, splitting every UTF-8 sequence). */
export function bytesIn(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Splits text into byte chunks at the given byte offsets. */
export function bytesAt(text: string, offsets: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const cuts = [0, ...offsets.filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b), bytes.length];
  return cuts.slice(1).map((end, i) => bytes.subarray(cuts[i] ?? 0, end));
}

/**
 * An injected fetch that answers from recorded chunks, each delivered as its own read, so tests control
 * exactly where the body is split. Honours the request's abort signal like the real fetch.
 */
export function replayFetch(replays: FetchReplay[]): ReplayFetch {
  const calls: ReplayFetch['calls'] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init });
    const replay = replays[Math.min(calls.length - 1, replays.length - 1)];
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const queue = [...(replay?.chunks ?? [])];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
      },
      pull(controller) {
        const next = queue.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    return new Response(body, {
      status: replay?.status ?? 200,
      headers: { 'content-type': 'text/event-stream', ...replay?.headers },
    });
  };
  return { fetch: fetchImpl as typeof fetch, calls };
}

import { fetchTransport } from '../client/fetch-transport.js';
import { errorFromResponse } from '../client/http-errors.js';
import { subscribeToStream } from '../client/subscribe.js';
import type { ClientNotice, FetchLike } from '../client/types.js';
import { type CorchEvent, isCorchError } from '../protocol/index.js';
import { type DashboardState, initialDashboardState, reduceDashboard } from '../render/dashboard-state.js';

/** How the page's connection to one run stands. */
export type RunConnection = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/** Everything a view of one run draws: the reduced state plus what the dashboard state leaves out. */
export interface RunSnapshot {
  /**
   * The same reducer as the terminal dashboard: plan, rows, live text (one pane per candidate of a consensus
   * stage), outputs, result, error.
   */
  state: DashboardState;
  /** The output of every finished chunk, by chunk number (the state keeps only the latest per stage). */
  chunkOutputs: Readonly<Record<number, string>>;
  connection: RunConnection;
  /** Set once the stream resumed after a drop: how many times, and how many events the server no longer had. */
  resumed: { count: number; lost: number } | null;
  /** Why following the run stopped (the run itself may still be going), e.g. `E_UNAUTHORIZED`. */
  error: { code: string; message: string } | null;
  /** Stored events received (heartbeats not counted). */
  events: number;
}

export interface RunStoreOptions {
  streamId: string;
  /** The server; '' (the default) is the page's own origin. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer`, which is why streams are read with fetch and not EventSource. */
  apiKey?: string;
  fetch?: FetchLike;
  /**
   * Runs the given function soon; listeners are told about changes once per call. Defaults to the next
   * animation frame, so a burst of tokens (or a 2,000-event replay) costs one redraw, not one per event.
   */
  schedule?: (flush: () => void) => void;
}

/** A run followed from its first event to its end, resuming after drops; framework-free. */
export interface RunStore {
  getSnapshot(): RunSnapshot;
  /** Returns the unsubscribe function (the shape React's `useSyncExternalStore` takes). */
  subscribe(listener: () => void): () => void;
  /** Asks the server to cancel the run; its `task_error` (E_CANCELLED) then arrives on the stream. */
  cancel(): Promise<void>;
  /** Stops following (the run goes on on the server). */
  close(): void;
}

/** The snapshot before the first event. */
export function emptyRunSnapshot(): RunSnapshot {
  return {
    state: initialDashboardState(),
    chunkOutputs: {},
    connection: 'connecting',
    resumed: null,
    error: null,
    events: 0,
  };
}

/** A browser tab keeps trying for a long while: the run goes on on the server, and the tab may be watched. */
const PAGE_MAX_RECONNECTS = 1000;
const PAGE_MAX_RETRY_DELAY_MS = 5000;

const browserSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const nextFrame = (flush: () => void): void => {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    requestAnimationFrame(flush);
  } else {
    setTimeout(flush, 16);
  }
};

/**
 * Follows one run over SSE read with `fetch` (so the API key can go in a header), resuming with
 * `Last-Event-ID` after a drop: events are de-duplicated by `seq`, so nothing is shown twice or skipped.
 */
export function createRunStore(options: RunStoreOptions): RunStore {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const schedule = options.schedule ?? nextFrame;
  const controller = new AbortController();
  const listeners = new Set<() => void>();
  let current = emptyRunSnapshot();
  let pending = false;

  const update = (patch: (snapshot: RunSnapshot) => RunSnapshot) => {
    current = patch(current);
    if (pending) return;
    pending = true;
    schedule(() => {
      pending = false;
      for (const listener of [...listeners]) listener();
    });
  };

  const onEvent = (event: CorchEvent) =>
    update((snapshot) => {
      const state = reduceDashboard(snapshot.state, event);
      if (event.event === 'heartbeat') return snapshot.connection === 'live' ? snapshot : { ...snapshot, connection: 'live' };
      const chunkOutputs =
        event.event === 'chunk_completed' ? { ...snapshot.chunkOutputs, [event.data.chunk_number]: event.data.output } : snapshot.chunkOutputs;
      return { ...snapshot, state, chunkOutputs, connection: 'live', events: snapshot.events + 1 };
    });

  const onNotice = (notice: ClientNotice) =>
    update((snapshot) => {
      const state = reduceDashboard(snapshot.state, notice);
      if (notice.type === 'reconnecting') return { ...snapshot, state, connection: 'reconnecting' };
      if (notice.type === 'reconnected') {
        const lost = (snapshot.resumed?.lost ?? 0) + notice.lost;
        return { ...snapshot, state, connection: 'live', resumed: { count: (snapshot.resumed?.count ?? 0) + 1, lost } };
      }
      return { ...snapshot, state };
    });

  subscribeToStream(
    { baseUrl, transport: fetchTransport(fetchFn), sleep: browserSleep, apiKey: options.apiKey },
    options.streamId,
    {
      onEvent,
      onNotice,
      signal: controller.signal,
      maxReconnects: PAGE_MAX_RECONNECTS,
      maxRetryDelayMs: PAGE_MAX_RETRY_DELAY_MS,
      // Browsers have no unref'd timers; a dead connection shows up as a failed read, and heartbeats keep
      // a live one busy.
      idleTimeoutMs: 0,
    },
  ).then(
    () => update((snapshot) => ({ ...snapshot, connection: 'ended' })),
    (error: unknown) => {
      if (controller.signal.aborted) return;
      const reason = isCorchError(error)
        ? { code: error.code, message: error.message }
        : { code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) };
      update((snapshot) => ({ ...snapshot, connection: 'failed', error: reason }));
    },
  );

  return {
    getSnapshot: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async cancel() {
      update((snapshot) => ({ ...snapshot, state: reduceDashboard(snapshot.state, { type: 'cancelling' }) }));
      const headers: Record<string, string> = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {};
      const response = await fetchFn(`${baseUrl}/api/stream/${encodeURIComponent(options.streamId)}/cancel`, {
        method: 'POST',
        headers,
      });
      if (!response.ok) {
        throw await errorFromResponse(response, { baseUrl, what: `stream ${options.streamId}`, apiKeySent: Boolean(options.apiKey) });
      }
    },
    close() {
      controller.abort();
      listeners.clear();
    },
  };
}

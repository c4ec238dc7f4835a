import { useCallback, useLayoutEffect, useState, useSyncExternalStore } from 'react';
import type { FetchLike } from '../client/types.js';
import { createRunStore, emptyRunSnapshot, type RunSnapshot, type RunStore } from './run-store.js';

export interface CollaborativeStreamOptions {
  /** The corch server; '' (the default) is the page's own origin. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer` on every request of the stream. */
  apiKey?: string;
  fetch?: FetchLike;
}

/** What {@link useCollaborativeStream} returns: the run as it stands, and a way to cancel it. */
export interface CollaborativeStream extends RunSnapshot {
  /** Asks the server to cancel the run; rejects with a `CorchError` when the server refuses. */
  cancel(): Promise<void>;
}

const IDLE: RunStore = createIdleStore();

/**
 * Follows one corch run from a React component (the original design's hook): the plan, every agent's status,
 * the live text, the outputs and the result, redrawn at most once per animation frame, resumed after a
 * dropped connection with nothing lost or repeated. A `null` id follows nothing. Changing the id, the base
 * URL or the key starts over.
 */
export function useCollaborativeStream(
  streamId: string | null,
  options: CollaborativeStreamOptions = {},
): CollaborativeStream {
  const { baseUrl, apiKey, fetch } = options;
  const [store, setStore] = useState<RunStore>(IDLE);
  // A layout effect, so the request goes out right after the first commit rather than a frame later.
  useLayoutEffect(() => {
    if (streamId === null) {
      setStore(IDLE);
      return undefined;
    }
    const created = createRunStore({
      streamId,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(fetch !== undefined ? { fetch } : {}),
    });
    setStore(created);
    return () => created.close();
  }, [streamId, baseUrl, apiKey, fetch]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const cancel = useCallback(() => store.cancel(), [store]);
  return { ...snapshot, cancel };
}

/** The store of "no run": never changes, cancels nothing. */
function createIdleStore(): RunStore {
  const snapshot = emptyRunSnapshot();
  return {
    getSnapshot: () => snapshot,
    subscribe: () => () => undefined,
    cancel: async () => undefined,
    close: () => undefined,
  };
}

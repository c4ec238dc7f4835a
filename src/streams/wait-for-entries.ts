import type { EntryBatch, StreamListener, StreamStore } from './stream-store.js';

/** How a wait for new entries ended. */
export type WaitOutcome =
  /** Entries after the cursor exist now. */
  | 'entries'
  /** The stream is gone (expired or deleted): nothing more will come. */
  | 'gone'
  /** The caller's signal was aborted. */
  | 'aborted';

/**
 * Resolves once `streamId` has an entry with seq > `afterSeq` (at once if it already has), once the stream
 * is gone, or once `signal` is aborted; never rejects. A convenience over {@link StreamStore.subscribe} for
 * one-off waits (tools, tests); the SSE server keeps one subscription per connection instead, because a
 * promise, a listener and an abort handler per wait are what made waiting expensive.
 */
export function waitForEntries(
  store: StreamStore,
  streamId: string,
  afterSeq: number,
  signal: AbortSignal,
): Promise<WaitOutcome> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise<WaitOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: WaitOutcome) => {
      if (settled) return;
      settled = true;
      store.unsubscribe(streamId, listener);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => settle('aborted');
    const listener: StreamListener = {
      onEntries: (batch: EntryBatch) => {
        if (batch.lastSeq > afterSeq) settle('entries');
      },
      onGone: () => settle('gone'),
    };
    if (!store.subscribe(streamId, listener)) {
      settle('gone');
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    // Subscribed first, so an entry appended while this read is in flight is not missed.
    store.read(streamId, afterSeq, 1).then(
      (entries) => {
        if (entries.length > 0) settle('entries');
      },
      () => settle('gone'),
    );
  });
}

/** Default coalescing window: 0 means "deltas that arrive within one event-loop turn". */
export const DEFAULT_COALESCE_MS = 0;

/**
 * Merges text deltas into fewer, larger writes so that a fast model does not flood the stream log with
 * one event per token.
 *
 * Deltas pushed before the scheduled flush fires (the end of the current event-loop turn with a 0 ms
 * window — `setImmediate` runs after every pending promise callback, so a burst of deltas read from an
 * async iterator lands in one write — or `windowMs` later) are joined in arrival order. Writes are chained,
 * so they reach the sink one at a time and in order; text that arrives while a write is in flight joins
 * the next one, which is what keeps a slow sink from building a queue of tiny writes.
 */
export class TokenCoalescer {
  private buffer = '';
  private timer: { cancel(): void } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  /**
   * @param sink receives each merged piece of text, in order; awaited before the next write.
   * @param windowMs how long to gather deltas before writing; 0 = until the end of the event-loop turn.
   */
  constructor(
    private readonly sink: (text: string) => Promise<void>,
    private readonly windowMs: number = DEFAULT_COALESCE_MS,
  ) {}

  /** Adds a delta. Empty strings are ignored (they would become empty events). */
  push(text: string): void {
    if (text.length === 0) return;
    this.buffer += text;
    if (!this.timer) this.timer = this.schedule(() => this.fire());
  }

  /**
   * Writes everything pushed so far and waits for all writes to finish. Call before a stage reports its
   * output, and before reporting a failure so the partial text is in the log. Rethrows a sink failure.
   */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.enqueue();
    await this.chain;
    if (this.failure) throw this.failure.error;
  }

  /** Drops pending text without writing it (used once a run is cancelled: the log is closed anyway). */
  discard(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.buffer = '';
  }

  private fire(): void {
    this.timer = undefined;
    this.enqueue();
  }

  private enqueue(): void {
    this.chain = this.chain
      .then(() => this.drain())
      .catch((error: unknown) => {
        // Keep the first failure for flush(); later text is dropped because the sink is broken.
        this.failure ??= { error };
        this.buffer = '';
      });
  }

  private async drain(): Promise<void> {
    if (this.failure || this.buffer.length === 0) return;
    // Take the buffer when the write starts, not when it was scheduled: text that arrived meanwhile joins in.
    const text = this.buffer;
    this.buffer = '';
    await this.sink(text);
  }

  private schedule(callback: () => void): { cancel(): void } {
    if (this.windowMs > 0) {
      const handle = setTimeout(callback, this.windowMs);
      return { cancel: () => clearTimeout(handle) };
    }
    const handle = setImmediate(callback);
    return { cancel: () => clearImmediate(handle) };
  }
}

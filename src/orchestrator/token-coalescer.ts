import { type Clock, systemClock } from '../streams/clock.js';

/**
 * Default coalescing window in ms: at most one `token_stream` event per stage per this long, while deltas
 * arrive faster than that.
 *
 * Why a time window and not just "one event-loop turn": node:http already sends all writes of one turn in
 * one `writev`, so merging only the deltas of one turn saves bytes but no syscalls. Holding a fast model's
 * deltas for 2 ms cuts the events (store appends, frames, writes per subscriber) of a bursty stream by about
 * 4× compared with one event per turn, and halves the server's CPU per run (docs/benchmarks.md, `burst`).
 * The window is leading-edge, so a delta that follows a quiet spell waits for no timer at all.
 */
export const DEFAULT_COALESCE_MS = 2;

/** Options of a {@link TokenCoalescer}. */
export interface CoalescerOptions {
  /** The window in ms; 0 = merge only the deltas of one event-loop turn. Default {@link DEFAULT_COALESCE_MS}. */
  windowMs?: number;
  /** The window's clock and timers (defaults to the system clock); the run's clock, so tests move it by hand. */
  clock?: Clock;
}

/**
 * Merges text deltas into fewer, larger writes so that a fast model does not flood the stream log with
 * one event per token.
 *
 * Leading-edge window: when the last write started (or the coalescer was made) at least `windowMs` ago,
 * pending text is written at the end of the current event-loop turn (`setImmediate` runs after every
 * pending promise callback, so a burst of deltas read from an async iterator still lands in one write) — an
 * isolated delta gets no added delay. Otherwise it is written `windowMs` after the last write started. So no
 * delta waits longer than about `windowMs` (plus timer granularity, 1 ms in Node), and a steady fast stream
 * becomes one write per window.
 *
 * Writes are chained, so they reach the sink one at a time and in order; text that arrives while a write is
 * in flight joins the next one, which is what keeps a slow sink from building a queue of tiny writes.
 */
export class TokenCoalescer {
  private buffer = '';
  private timer: { cancel(): void } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** When the last write started (at first: when the coalescer was made). */
  private lastWriteAt: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly fire = (): void => {
    this.timer = undefined;
    this.enqueue();
  };

  /**
   * @param sink receives each merged piece of text, in order; awaited before the next write.
   * @param options the window (a bare number is the window in ms) and the clock.
   */
  constructor(
    private readonly sink: (text: string) => Promise<void>,
    options: CoalescerOptions | number = {},
  ) {
    const opts = typeof options === 'number' ? { windowMs: options } : options;
    this.windowMs = Math.max(0, opts.windowMs ?? DEFAULT_COALESCE_MS);
    this.clock = opts.clock ?? systemClock;
    // A coalescer is made right after its chunk's chunk_started is written: the window counts from that
    // event, so a model that answers at once does not get a one-delta event of its own first.
    this.lastWriteAt = this.clock.now();
  }

  /** Adds a delta. Empty strings are ignored (they would become empty events). */
  push(text: string): void {
    if (text.length === 0) return;
    this.buffer += text;
    if (!this.timer) this.timer = this.schedule();
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
    this.lastWriteAt = this.clock.now();
    await this.sink(text);
  }

  private schedule(): { cancel(): void } {
    const { clock } = this;
    const wait = this.lastWriteAt + this.windowMs - clock.now();
    if (wait > 0) {
      const handle = clock.setTimeout(this.fire, wait);
      return { cancel: () => clock.clearTimeout(handle) };
    }
    const handle = setImmediate(this.fire);
    return { cancel: () => clearImmediate(handle) };
  }
}

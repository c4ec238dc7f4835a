import { CorchError } from '../protocol/errors.js';
import { type Clock, systemClock, type TimerHandle } from '../streams/clock.js';
import type { ErrorContext } from './http-errors.js';

/** Timeouts of one streaming request; 0 (or Infinity) turns one off. */
export interface StreamTimeouts {
  /** From sending the request to the first text delta (a queued or loading model counts against it). */
  firstTokenMs: number;
  /** Longest silence between two text deltas; keep-alive comments and pings do not count as text. */
  idleMs: number;
}

export const FIRST_TOKEN_TIMEOUT_MS = 60_000;
export const IDLE_TIMEOUT_MS = 30_000;

export const DEFAULT_STREAM_TIMEOUTS: Readonly<StreamTimeouts> = {
  firstTokenMs: FIRST_TOKEN_TIMEOUT_MS,
  idleMs: IDLE_TIMEOUT_MS,
};

const MS_PER_SECOND = 1000;

/**
 * Aborts a request that waits too long for its first token or goes silent between tokens. It aborts the
 * request's own controller with an E_PROVIDER_TIMEOUT error and remembers it in `fired`, so the code
 * reading the body can tell a timeout from a cancel or a dropped connection.
 */
export class StreamWatchdog {
  fired: CorchError | null = null;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly controller: AbortController,
    private readonly timeouts: StreamTimeouts,
    private readonly ctx: ErrorContext,
    /** Its timers never hold a finished process open (the system clock's are unref'd). */
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts the first-token clock. */
  start(): void {
    this.arm(this.timeouts.firstTokenMs, 'first');
  }

  /** A text delta arrived: restart the silence clock. */
  token(): void {
    this.arm(this.timeouts.idleMs, 'idle');
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number, kind: 'first' | 'idle'): void {
    this.stop();
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    this.timer = this.clock.setTimeout(() => {
      const seconds = ms / MS_PER_SECOND;
      const what =
        kind === 'first'
          ? `sent no text within ${seconds} s (first-token timeout)`
          : `went silent for ${seconds} s mid-stream (idle timeout)`;
      this.fired = new CorchError('E_PROVIDER_TIMEOUT', `${this.ctx.label} at ${this.ctx.url} ${what}`, {
        retryable: true,
        details: { url: this.ctx.url, timeout: kind === 'first' ? 'first_token' : 'idle', timeout_ms: ms },
      });
      this.controller.abort(this.fired);
    }, ms);
  }
}

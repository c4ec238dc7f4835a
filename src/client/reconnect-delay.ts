/** Used before the server's `retry:` arrives (browsers use about 3 s; a CLI can be quicker). */
export const DEFAULT_RECONNECT_DELAY_MS = 1_000;
/** Backoff never waits longer than this between two attempts. */
export const MAX_RETRY_DELAY_MS = 15_000;
/** Consecutive failed attempts before giving up: with the defaults about a minute and a half of trying. */
export const DEFAULT_MAX_RECONNECTS = 10;
/** Three missed heartbeats (the server sends one at least every 15 s) mean the connection is dead. */
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

/**
 * Delay before reconnect attempt `attempt` (1-based): the server's `retry:` for the first attempt, doubled for
 * each further one, capped at `maxMs`. No jitter: one client per stream, and tests stay deterministic.
 */
export function reconnectDelay(attempt: number, retryMs: number, maxMs: number = MAX_RETRY_DELAY_MS): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 16));
  return Math.min(maxMs, Math.max(0, retryMs) * 2 ** exponent);
}

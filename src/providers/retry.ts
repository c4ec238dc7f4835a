import { isCorchError } from '../protocol/errors.js';
import { type Sleep, throwIfAborted } from './abort.js';
import type { LlmPart, RetryNotice } from './types.js';

/** How often and how long to retry a request that failed before its first token. */
export interface RetryPolicy {
  /** Attempts in all, including the first (1 = never retry). */
  maxAttempts: number;
  /** Delay before the first retry; doubles for each one after. */
  baseDelayMs: number;
  /** Upper bound of the computed backoff. */
  maxDelayMs: number;
  /** Upper bound of a server's `Retry-After`, so a server cannot park a stage for an hour. */
  maxRetryAfterMs: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
const MAX_RETRY_AFTER_MS = 30_000;

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  baseDelayMs: BASE_DELAY_MS,
  maxDelayMs: MAX_DELAY_MS,
  maxRetryAfterMs: MAX_RETRY_AFTER_MS,
};

/** Codes the retry loop may try again, when the error also says `retryable`. */
const RETRIED_CODES = new Set(['E_PROVIDER_RATE_LIMIT', 'E_PROVIDER_UNAVAILABLE']);

/**
 * The wait before retry number `retry` (1-based): the server's `Retry-After` when it gave one (capped),
 * otherwise exponential backoff with "equal jitter" — half fixed, half random — so that several
 * clients throttled together do not come back together.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return backoff / 2 + random() * (backoff / 2);
}

function retryAfterOf(error: unknown): number | undefined {
  if (!isCorchError(error) || typeof error.details !== 'object' || error.details === null) return undefined;
  const value = error.details.retry_after_ms;
  return typeof value === 'number' ? value : undefined;
}

/** What the retry loop needs from the outside world. */
export interface RetryDeps {
  sleep: Sleep;
  random: () => number;
  /** Told about each retry, so the run can say why it is quiet. */
  onRetry?: ((notice: RetryNotice) => void) | undefined;
}

/**
 * Runs `attempt` and retries it on a retryable rate-limit or unavailable error — but only while no text
 * has been yielded, because the caller already has the text of a failed attempt and a second answer would
 * not continue it.
 */
export async function* withRetry(
  attempt: () => AsyncGenerator<LlmPart>,
  policy: RetryPolicy,
  signal: AbortSignal,
  deps: RetryDeps,
): AsyncGenerator<LlmPart> {
  for (let n = 1; ; n++) {
    let yieldedText = false;
    try {
      for await (const part of attempt()) {
        if (part.type === 'text-delta') yieldedText = true;
        yield part;
      }
      return;
    } catch (error) {
      const retryable = isCorchError(error) && error.retryable && RETRIED_CODES.has(error.code);
      if (signal.aborted || yieldedText || !retryable || n >= policy.maxAttempts) throw error;
      const delayMs = retryDelayMs(policy, n, retryAfterOf(error), deps.random);
      deps.onRetry?.({ attempt: n, maxAttempts: policy.maxAttempts, delayMs, code: error.code, message: error.message });
      await deps.sleep(delayMs, signal);
      throwIfAborted(signal);
    }
  }
}

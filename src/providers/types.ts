import type { Usage } from '../protocol/events.js';
import type { ProviderName } from '../protocol/provider-names.js';

// The names are part of the wire contract, so they live in protocol; re-exported for the providers' callers.
export { isProviderName, PROVIDER_NAMES, type ProviderName } from '../protocol/provider-names.js';

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  model: string;
  system: string;
  messages: LlmMessage[];
  temperature: number;
  max_tokens: number;
  /**
   * Hints for providers that need them; real providers ignore what they don't know. The simulated
   * provider reads `stage` (to write role-appropriate text) and its `provider_options`.
   */
  stage?: string;
  iteration?: number;
  /** The user's task, verbatim (the simulated provider derives its text from it). */
  task?: string;
  /** A consensus candidate's number (1-based), so the simulated provider can vary its answer. */
  candidate?: number;
}

/**
 * The fields of an {@link LlmRequest} that decide the answer, and so make up a stage-cache key. The hints
 * (`stage`, `iteration`, `task`, `candidate`) are left out: a real model never sees them.
 */
export const ANSWER_FIELDS = ['model', 'system', 'messages', 'temperature', 'max_tokens'] as const;

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

/** What `stream` yields: text deltas, then exactly one `finish`. */
export type LlmPart =
  | { type: 'text-delta'; text: string }
  | { type: 'finish'; usage: Usage; finishReason: FinishReason };

export interface StreamCallOptions {
  /** Aborting it aborts the in-flight HTTP request at once. */
  signal: AbortSignal;
  /** Told before each retry of a failed request, with why and how long until it. */
  onRetry?: (notice: RetryNotice) => void;
}

/** A retry about to happen: attempt `attempt + 1` of `maxAttempts` starts after `delayMs`. */
export interface RetryNotice {
  /** The attempt that failed, 1-based. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** The failed attempt's error code, e.g. `E_PROVIDER_RATE_LIMIT`. */
  code: string;
  /** Its message. */
  message: string;
}

/**
 * A model provider. Errors are thrown as CorchError with a provider code (`E_PROVIDER_AUTH`,
 * `E_PROVIDER_RATE_LIMIT`, …) and `retryable` set; text already yielded stays with the caller.
 */
export interface LlmProvider {
  readonly name: ProviderName;
  /** The model used when neither the request nor config names one. */
  readonly defaultModel: string;
  /** True only for the offline simulated provider. */
  readonly simulated: boolean;
  /** Where requests go, for messages (never includes a key). */
  readonly baseUrl: string | null;
  /**
   * Provider options that change the answer (not retries or timeouts), for the stage-cache key; absent
   * when none do.
   */
  readonly answerOptions?: Readonly<Record<string, unknown>>;
  stream(request: LlmRequest, options: StreamCallOptions): AsyncIterable<LlmPart>;
}

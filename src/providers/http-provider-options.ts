import { type Clock, systemClock } from '../streams/clock.js';
import { type Sleep, sleepOn, sleepWithSignal } from './abort.js';
import { invalidOption, numberOption } from './option-values.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { DEFAULT_STREAM_TIMEOUTS, type StreamTimeouts } from './stream-watchdog.js';

/** What every HTTP provider (OpenAI-compatible, Anthropic) is created with. */
export interface HttpProviderOptions {
  /** E.g. `https://api.openai.com/v1` or `https://api.anthropic.com`; a trailing slash is ignored. */
  baseUrl: string;
  /** Sent as the provider expects; null or empty sends none (local servers). */
  apiKey?: string | null;
  /** Where the key comes from, named in auth errors, e.g. `OPENAI_API_KEY`. */
  keyHint?: string | null;
  defaultModel: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  timeouts?: Partial<StreamTimeouts>;
  retry?: Partial<RetryPolicy>;
  /**
   * The clock of every timer a request runs: the first-token and idle timeouts, backoff sleeps and
   * `Retry-After` dates. Defaults to real time. `sleep` and `now` below override single uses of it.
   */
  clock?: Clock;
  /** Injected for tests: backoff sleeps, jitter and the clock for `Retry-After` dates. */
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

/** The options above with every default filled in. */
export interface ResolvedHttpOptions {
  baseUrl: string;
  apiKey: string | null;
  keyHint: string | null;
  fetch: typeof fetch;
  timeouts: StreamTimeouts;
  retry: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  clock: Clock;
  headers: Record<string, string>;
}

export function resolveHttpOptions(options: HttpProviderOptions): ResolvedHttpOptions {
  const clock = options.clock;
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey === undefined || options.apiKey === '' ? null : options.apiKey,
    keyHint: options.keyHint ?? null,
    // Looked up at call time, so a fetch replaced after import (test tooling) is still used.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeouts: { ...DEFAULT_STREAM_TIMEOUTS, ...options.timeouts },
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    // Real retries sleep on timers that hold the process open (a library caller may have nothing else).
    sleep: options.sleep ?? (clock === undefined ? sleepWithSignal : sleepOn(clock)),
    random: options.random ?? Math.random,
    now: options.now ?? (clock === undefined ? Date.now : () => clock.now()),
    clock: clock ?? systemClock,
    headers: options.headers ?? {},
  };
}

const MAX_ATTEMPTS_LIMIT = 10;
const HTTP_OPTION_KEYS = ['first_token_timeout_ms', 'idle_timeout_ms', 'max_attempts'] as const;

/**
 * Reads the `provider_options` an HTTP provider understands: `first_token_timeout_ms`,
 * `idle_timeout_ms` (0 turns a timeout off) and `max_attempts` (1–10). Unknown keys are rejected, so an
 * option meant for another provider (say `tokens_per_second`) is reported instead of silently ignored.
 */
export function parseHttpProviderOptions(
  provider: string,
  input: Record<string, unknown> | undefined,
): Pick<HttpProviderOptions, 'timeouts' | 'retry'> {
  const timeouts: Partial<StreamTimeouts> = {};
  const retry: Partial<RetryPolicy> = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value === undefined || value === null) continue;
    switch (key) {
      case 'first_token_timeout_ms':
        timeouts.firstTokenMs = numberOption(key, value, 0, Number.MAX_SAFE_INTEGER, false);
        break;
      case 'idle_timeout_ms':
        timeouts.idleMs = numberOption(key, value, 0, Number.MAX_SAFE_INTEGER, false);
        break;
      case 'max_attempts':
        retry.maxAttempts = numberOption(key, value, 1, MAX_ATTEMPTS_LIMIT, true);
        break;
      default:
        throw invalidOption(
          `unknown provider option \`${key}\` for the ${provider} provider; valid options: ${HTTP_OPTION_KEYS.join(', ')}`,
        );
    }
  }
  return { timeouts, retry };
}

import type { ErrorContext } from './http-errors.js';
import { type HttpProviderOptions, resolveHttpOptions } from './http-provider-options.js';
import { streamHttpAttempt } from './http-stream.js';
import { buildOpenAiBody, isOfficialOpenAi, promptChars } from './openai-request.js';
import { OpenAiWireAdapter } from './openai-wire.js';
import { withRetry } from './retry.js';
import type { LlmProvider } from './types.js';

/** Options of {@link createOpenAiCompatibleProvider}. */
export interface OpenAiCompatibleOptions extends HttpProviderOptions {
  /** Which preset this is; `openai` also stands for any compatible server given its base URL. */
  name?: 'openai' | 'openrouter' | 'ollama';
  /** Display name in messages, e.g. `OpenRouter`; defaults from `name`. */
  label?: string;
}

const LABELS = { openai: 'OpenAI', openrouter: 'OpenRouter', ollama: 'Ollama' } as const;

/**
 * A provider for OpenAI-compatible chat completions: `POST {baseUrl}/chat/completions` with
 * `stream: true` and `stream_options.include_usage`. Covers OpenAI, OpenRouter, Ollama's `/v1`, vLLM,
 * llama.cpp and LM Studio. Retries 429/5xx before the first token; see `withRetry` and the watchdog for
 * the rest of the resilience rules. On abort it throws `signal.reason` and closes the connection.
 */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): LlmProvider {
  const name = options.name ?? 'openai';
  const o = resolveHttpOptions(options);
  const url = `${o.baseUrl}/chat/completions`;
  const ctx: ErrorContext = { label: options.label ?? LABELS[name], url, keyHint: o.keyHint };
  const official = isOfficialOpenAi(o.baseUrl);
  const headers: Record<string, string> = { ...o.headers };
  if (o.apiKey !== null) headers.authorization = `Bearer ${o.apiKey}`;

  return {
    name,
    defaultModel: options.defaultModel,
    simulated: false,
    baseUrl: o.baseUrl,
    stream: (request, { signal, onRetry }) =>
      withRetry(
        () =>
          streamHttpAttempt(
            {
              fetch: o.fetch,
              url,
              headers,
              body: buildOpenAiBody(request, official),
              ctx,
              timeouts: o.timeouts,
              now: o.now,
              clock: o.clock,
              adapter: new OpenAiWireAdapter(ctx, promptChars(request)),
            },
            signal,
          ),
        o.retry,
        signal,
        { sleep: o.sleep, random: o.random, onRetry },
      ),
  };
}

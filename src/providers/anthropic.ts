import { AnthropicWireAdapter } from './anthropic-wire.js';
import type { ErrorContext } from './http-errors.js';
import { type HttpProviderOptions, resolveHttpOptions } from './http-provider-options.js';
import { streamHttpAttempt } from './http-stream.js';
import { withRetry } from './retry.js';
import type { LlmProvider, LlmRequest } from './types.js';

/** The API version every request pins, so the wire format cannot change under us. */
export const ANTHROPIC_VERSION = '2023-06-01';

// Anthropic's temperature range is 0–1 (OpenAI's is 0–2); per-stage settings are shared between both.
const MAX_ANTHROPIC_TEMPERATURE = 1;

function buildAnthropicBody(request: LlmRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.max_tokens,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: Math.min(MAX_ANTHROPIC_TEMPERATURE, Math.max(0, request.temperature)),
    stream: true,
  };
  if (request.system !== '') body.system = request.system;
  return body;
}

/**
 * A provider for Anthropic's Messages API: `POST {baseUrl}/v1/messages` with `x-api-key`,
 * `anthropic-version: 2023-06-01` and `stream: true`. `baseUrl` follows the SDK's convention
 * (`https://api.anthropic.com`, no `/v1`); a trailing `/v1` is tolerated. Retries 429, 5xx, 529 and an
 * `overloaded_error` event before the first token. On abort it throws `signal.reason`.
 */
export function createAnthropicProvider(options: HttpProviderOptions): LlmProvider {
  const o = resolveHttpOptions(options);
  const root = o.baseUrl.replace(/\/v1$/, '');
  const url = `${root}/v1/messages`;
  const ctx: ErrorContext = { label: 'Anthropic', url, keyHint: o.keyHint };
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...o.headers };
  if (o.apiKey !== null) headers['x-api-key'] = o.apiKey;

  return {
    name: 'anthropic',
    defaultModel: options.defaultModel,
    simulated: false,
    baseUrl: root,
    stream: (request, { signal, onRetry }) =>
      withRetry(
        () =>
          streamHttpAttempt(
            {
              fetch: o.fetch,
              url,
              headers,
              body: buildAnthropicBody(request),
              ctx,
              timeouts: o.timeouts,
              now: o.now,
              clock: o.clock,
              adapter: new AnthropicWireAdapter(ctx),
            },
            signal,
          ),
        o.retry,
        signal,
        { sleep: o.sleep, random: o.random, onRetry },
      ),
  };
}

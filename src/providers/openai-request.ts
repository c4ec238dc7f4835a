import type { LlmRequest } from './types.js';

/** Whether requests go to OpenAI itself, whose newer models differ from other compatible servers. */
export function isOfficialOpenAi(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

// OpenAI's reasoning models (o1, o3, o4-mini, gpt-5…) accept only the default temperature.
const FIXED_TEMPERATURE_MODEL = /^(o\d|gpt-5)/;

/**
 * The chat-completions body. On api.openai.com the token limit is `max_completion_tokens` (newer models
 * reject `max_tokens`); every other compatible server (OpenRouter, Ollama, vLLM, llama.cpp, LM Studio)
 * still reads `max_tokens`.
 */
export function buildOpenAiBody(request: LlmRequest, official: boolean): Record<string, unknown> {
  const messages = [
    ...(request.system === '' ? [] : [{ role: 'system', content: request.system }]),
    ...request.messages.map((m) => ({ role: m.role, content: m.content })),
  ];
  const body: Record<string, unknown> = {
    model: request.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (!(official && FIXED_TEMPERATURE_MODEL.test(request.model))) body.temperature = request.temperature;
  body[official ? 'max_completion_tokens' : 'max_tokens'] = request.max_tokens;
  return body;
}

/** Characters of prompt, for estimating input usage when a server reports none. */
export function promptChars(request: LlmRequest): number {
  return request.system.length + request.messages.reduce((sum, m) => sum + m.content.length, 0);
}

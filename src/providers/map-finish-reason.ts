import type { FinishReason } from './types.js';

/** OpenAI-compatible `finish_reason` → ours. `function_call` is the pre-tools name of `tool_calls`. */
export function mapOpenAiFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn': // some OpenAI-compatible proxies pass Anthropic's name through
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

/** Anthropic `stop_reason` → ours. */
export function mapAnthropicStopReason(reason: string): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

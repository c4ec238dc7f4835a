import type { EventSourceMessage } from 'eventsource-parser';
import type { Usage } from '../protocol/events.js';
import { estimateTokens } from './estimate-tokens.js';
import { type ErrorContext, errorFromStreamPayload } from './http-errors.js';
import type { WireAdapter } from './http-stream.js';
import { mapOpenAiFinishReason } from './map-finish-reason.js';
import type { FinishReason, LlmPart } from './types.js';
import { count, endedEarly, isRecord, parseChunk } from './wire-json.js';

/**
 * Reads an OpenAI-compatible chat-completions stream:
 * `data: {"choices":[{"delta":{"content":"…"},"finish_reason":null}]}` …, a usage chunk
 * (`"choices": []` with `usage`, when `stream_options.include_usage` is honoured), then `data: [DONE]`.
 * Tolerates `choices: null`, chunks without `delta`, and servers that never send usage (it is then
 * estimated at about four characters per token).
 */
export class OpenAiWireAdapter implements WireAdapter {
  done = false;
  private finishReason: FinishReason | null = null;
  private usage: Usage | null = null;
  private chars = 0;

  constructor(
    private readonly ctx: ErrorContext,
    private readonly promptChars: number,
  ) {}

  accept(message: EventSourceMessage): LlmPart[] {
    if (message.data.trim() === '[DONE]') {
      this.done = true;
      return [];
    }
    const chunk = parseChunk(message.data, this.ctx, this.chars);
    // OpenRouter and others send failures as a chunk with an `error` field, HTTP status already 200.
    if (chunk.error !== undefined && chunk.error !== null) {
      throw errorFromStreamPayload(chunk, this.ctx, this.chars === 0);
    }
    if (isRecord(chunk.usage)) {
      const input = count(chunk.usage.prompt_tokens);
      const output = count(chunk.usage.completion_tokens);
      if (input !== undefined || output !== undefined) {
        this.usage = { input_tokens: input ?? 0, output_tokens: output ?? 0 };
      }
    }
    const parts: LlmPart[] = [];
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choice of choices) {
      // We ask for one completion; a server that sends more choices gets only the first one read.
      if (!isRecord(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
      const delta = isRecord(choice.delta) ? choice.delta : null;
      if (delta !== null && typeof delta.content === 'string' && delta.content !== '') {
        this.chars += delta.content.length;
        parts.push({ type: 'text-delta', text: delta.content });
      }
      if (typeof choice.finish_reason === 'string') this.finishReason = mapOpenAiFinishReason(choice.finish_reason);
    }
    return parts;
  }

  finish(): Extract<LlmPart, { type: 'finish' }> {
    // Some servers end after the finish reason without `[DONE]`; that is complete enough.
    if (!this.done && this.finishReason === null) throw endedEarly(this.ctx, this.chars);
    return {
      type: 'finish',
      usage: this.usage ?? {
        input_tokens: estimateTokens(this.promptChars),
        output_tokens: estimateTokens(this.chars),
      },
      finishReason: this.finishReason ?? 'other',
    };
  }
}

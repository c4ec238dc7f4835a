import type { EventSourceMessage } from 'eventsource-parser';
import { type ErrorContext, errorFromStreamPayload } from './http-errors.js';
import type { WireAdapter } from './http-stream.js';
import { mapAnthropicStopReason } from './map-finish-reason.js';
import type { FinishReason, LlmPart } from './types.js';
import { count, endedEarly, isRecord, parseChunk } from './wire-json.js';

/**
 * Reads an Anthropic Messages stream: `message_start` (input usage), `content_block_start`,
 * `content_block_delta` (`text_delta`), `content_block_stop`, `message_delta` (stop reason and the
 * cumulative output usage), `message_stop`; `ping` any time; `error` (e.g. `overloaded_error`). Unknown
 * events and non-text deltas (thinking, tool input) are ignored, as Anthropic's versioning policy asks.
 */
export class AnthropicWireAdapter implements WireAdapter {
  done = false;
  private stopReason: FinishReason | null = null;
  private inputTokens = 0;
  private outputTokens = 0;
  private chars = 0;

  constructor(private readonly ctx: ErrorContext) {}

  accept(message: EventSourceMessage): LlmPart[] {
    const data = parseChunk(message.data, this.ctx, this.chars);
    const type = typeof data.type === 'string' ? data.type : message.event;
    switch (type) {
      case 'message_start': {
        const usage = isRecord(data.message) && isRecord(data.message.usage) ? data.message.usage : {};
        // Cached prompt tokens are reported apart from `input_tokens`; all of them were read.
        this.inputTokens =
          (count(usage.input_tokens) ?? 0) +
          (count(usage.cache_creation_input_tokens) ?? 0) +
          (count(usage.cache_read_input_tokens) ?? 0);
        this.outputTokens = count(usage.output_tokens) ?? 0;
        return [];
      }
      case 'content_block_delta': {
        const delta = isRecord(data.delta) ? data.delta : null;
        if (delta?.type !== 'text_delta' || typeof delta.text !== 'string' || delta.text === '') return [];
        this.chars += delta.text.length;
        return [{ type: 'text-delta', text: delta.text }];
      }
      case 'message_delta': {
        if (isRecord(data.delta) && typeof data.delta.stop_reason === 'string') {
          this.stopReason = mapAnthropicStopReason(data.delta.stop_reason);
        }
        if (isRecord(data.usage)) {
          // `output_tokens` here is the running total, not an increment.
          this.outputTokens = count(data.usage.output_tokens) ?? this.outputTokens;
        }
        return [];
      }
      case 'message_stop':
        this.done = true;
        return [];
      case 'error':
        throw errorFromStreamPayload(data, this.ctx, this.chars === 0);
      default:
        // ping, content_block_start/stop, and events added after this was written.
        return [];
    }
  }

  finish(): Extract<LlmPart, { type: 'finish' }> {
    if (!this.done && this.stopReason === null) throw endedEarly(this.ctx, this.chars);
    return {
      type: 'finish',
      usage: { input_tokens: this.inputTokens, output_tokens: this.outputTokens },
      finishReason: this.stopReason ?? 'other',
    };
  }
}

import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { type CorchEvent, type EventName, isEventName } from './events.js';

/**
 * SSE framing per WHATWG HTML §9.2, shared by the server (encode) and the client (decode).
 * Data is always one line of JSON: JSON.stringify never emits a raw newline, so no `data:` splitting is needed.
 */

/** `id: <seq>\nevent: <name>\ndata: <json>\n\n`; `id` omitted for live-only events (heartbeat). */
/**
 * The largest `?batch_ms=` the events route accepts: how long a server may gather a subscriber's events
 * before writing them. The server refuses more; the client asks for no more.
 */
export const MAX_BATCH_MS = 1000;

export function encodeEvent(event: string, data: unknown, id?: number): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A `retry:` field on its own, telling the client how long to wait before reconnecting. */
export function encodeRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** A comment line (ignored by clients; keeps proxies and idle timers from closing the connection). */
export function encodeComment(text: string): string {
  // A newline inside a comment would start a new field; keep each line a comment.
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => `: ${line}`)
    .join('\n')}\n\n`;
}

export interface DecodedMessage {
  /** The SSE `id:` (undefined for live-only events). */
  id: string | undefined;
  event: CorchEvent;
}

export interface DecoderCallbacks {
  onEvent: (message: DecodedMessage) => void;
  onRetry?: (ms: number) => void;
  onComment?: (text: string) => void;
  /** An event whose name is not one of the nine, or whose data is not JSON: skipped, reported here. */
  onInvalid?: (reason: string, raw: EventSourceMessage | ParseError) => void;
}

export interface SseDecoder {
  /** Feed raw bytes (multibyte characters split across chunks are handled) or already-decoded text. */
  feed(chunk: Uint8Array | string): void;
  /** Forget any partial frame, e.g. before reconnecting. */
  reset(): void;
}

/** Decodes an SSE byte stream into typed corch events. Unknown fields are ignored, as the spec requires. */
export function createSseDecoder(callbacks: DecoderCallbacks): SseDecoder {
  let utf8 = new TextDecoder('utf-8');
  const parser = createParser({
    onEvent(message) {
      const name = message.event ?? 'message';
      if (!isEventName(name)) {
        callbacks.onInvalid?.(`unknown event "${name}"`, message);
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        callbacks.onInvalid?.(`event "${name}" carries data that is not JSON`, message);
        return;
      }
      if (data === null || typeof data !== 'object') {
        callbacks.onInvalid?.(`event "${name}" carries data that is not a JSON object`, message);
        return;
      }
      callbacks.onEvent({ id: message.id, event: { event: name as EventName, data } as CorchEvent });
    },
    onRetry: (ms) => callbacks.onRetry?.(ms),
    onComment: (text) => callbacks.onComment?.(text.startsWith(' ') ? text.slice(1) : text),
    onError: (error) => {
      // Unknown fields are legal SSE and are ignored; anything else is worth reporting.
      if (error.type !== 'unknown-field') callbacks.onInvalid?.(error.message, error);
    },
  });
  return {
    feed(chunk) {
      parser.feed(typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true }));
    },
    reset() {
      parser.reset();
      utf8 = new TextDecoder('utf-8');
    },
  };
}

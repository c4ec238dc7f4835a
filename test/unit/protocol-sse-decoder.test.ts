import { describe, expect, it } from 'vitest';
import type { CorchEvent } from '../../src/protocol/events.js';
import { createSseDecoder, type DecodedMessage, encodeComment, encodeEvent, encodeRetry } from '../../src/protocol/sse.js';

const encoder = new TextEncoder();

interface Decoded {
  messages: DecodedMessage[];
  retries: number[];
  comments: string[];
  invalid: string[];
}

/** Feeds `bytes` to a fresh decoder cut into pieces by `split`, and records what came out. */
function decode(bytes: Uint8Array, split: (bytes: Uint8Array) => Uint8Array[]): Decoded {
  const out: Decoded = { messages: [], retries: [], comments: [], invalid: [] };
  const decoder = createSseDecoder({
    onEvent: (message) => out.messages.push(message),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (text) => out.comments.push(text),
    onInvalid: (reason) => out.invalid.push(reason),
  });
  for (const piece of split(bytes)) decoder.feed(piece);
  return out;
}

const whole = (bytes: Uint8Array) => [bytes];
const oneByteAtATime = (bytes: Uint8Array) => Array.from(bytes, (byte) => Uint8Array.of(byte));
const everySplitInTwo = (bytes: Uint8Array) => Array.from({ length: bytes.length + 1 }, (_, i) => i);

const CHUNKINGS = { whole, 'one byte at a time': oneByteAtATime } as const;

const tokenEvent = (seq: number, tokens: string): CorchEvent => ({
  event: 'token_stream',
  data: { stream_id: 's1', seq, timestamp: '2025-01-01T00:00:00.000Z', tokens, agent: 'Coder', chunk_number: 1, stage: 'coder' },
});

function frames(events: CorchEvent[], lineEnding = '\n'): string {
  const text = encodeRetry(1500) + events.map((item) => encodeEvent(item.event, item.data, item.data.seq)).join('');
  return lineEnding === '\n' ? text : text.replaceAll('\n', lineEnding);
}

describe('SSE decoder', () => {
  const events = [tokenEvent(1, 'héllo '), tokenEvent(2, '🚀 emoji 👩‍💻'), tokenEvent(3, 'line\nbreak "quoted"')];

  for (const [name, split] of Object.entries(CHUNKINGS)) {
    it(`round-trips encoded events, fed ${name}`, () => {
      const out = decode(encoder.encode(frames(events)), split);
      expect(out.retries).toEqual([1500]);
      expect(out.messages.map((message) => message.id)).toEqual(['1', '2', '3']);
      expect(out.messages.map((message) => message.event)).toEqual(events);
      expect(out.invalid).toEqual([]);
    });

    it(`handles CRLF and lone CR line endings, fed ${name}`, () => {
      for (const ending of ['\r\n', '\r']) {
        // A final lone CR might be the first half of a CRLF, so the parser waits for a later chunk with a
        // line break (on a live stream: the next frame or heartbeat). A comment line stands in for it.
        const tail = ending === '\r' ? ':\r' : '';
        const out = decode(encoder.encode(frames(events, ending) + tail), split);
        expect(out.messages.map((message) => message.event)).toEqual(events);
      }
    });
  }

  it('decodes the same events whatever the single split point (CRLF and emoji split across chunks)', () => {
    const bytes = encoder.encode(frames(events, '\r\n'));
    for (const cut of everySplitInTwo(bytes)) {
      const out = decode(bytes, (all) => [all.subarray(0, cut), all.subarray(cut)]);
      expect(out.messages.map((message) => message.event), `split at byte ${cut}`).toEqual(events);
    }
  });

  it('joins a 4-byte emoji split in every possible way', () => {
    const bytes = encoder.encode(encodeEvent('token_stream', tokenEvent(1, '🚀').data, 1));
    const start = bytes.indexOf(0xf0);
    for (let a = start + 1; a < start + 4; a += 1) {
      for (let b = a + 1; b <= start + 4; b += 1) {
        const out = decode(bytes, (all) => [all.subarray(0, a), all.subarray(a, b), all.subarray(b)]);
        expect(out.messages[0]?.event.data).toMatchObject({ tokens: '🚀' });
      }
    }
  });

  it('skips a leading byte order mark', () => {
    const bytes = encoder.encode(`\uFEFF${frames([events[0]!])}`);
    for (const split of Object.values(CHUNKINGS)) {
      expect(decode(bytes, split).messages.map((message) => message.event)).toEqual([events[0]]);
    }
  });

  it('reports comments (heartbeats, OpenRouter keep-alives) and ignores unknown fields', () => {
    const text =
      encodeComment('keep-alive') +
      ': OPENROUTER PROCESSING\n\n' +
      'id: 7\nfoo: bar\nevent: token_stream\nx-unknown: 1\ndata: ' +
      JSON.stringify(tokenEvent(7, 'x').data) +
      '\n\n';
    for (const split of Object.values(CHUNKINGS)) {
      const out = decode(encoder.encode(text), split);
      expect(out.comments).toEqual(['keep-alive', 'OPENROUTER PROCESSING']);
      expect(out.messages.map((message) => message.id)).toEqual(['7']);
      expect(out.invalid).toEqual([]);
    }
  });

  it('decodes a heartbeat without an id', () => {
    const heartbeat = encodeEvent('heartbeat', {
      stream_id: 's1',
      seq: 3,
      timestamp: '2025-01-01T00:00:00.000Z',
      status: 'running',
      current_agent: 'Coder',
      idle_ms: 15000,
    });
    const out = decode(encoder.encode(heartbeat), oneByteAtATime);
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0]?.id).toBeUndefined();
    expect(out.messages[0]?.event.event).toBe('heartbeat');
  });

  it('reports unknown event names and non-JSON data without throwing', () => {
    const text = 'event: surprise\ndata: {}\n\nevent: token_stream\ndata: not json\n\nevent: token_stream\ndata: 42\n\n';
    const out = decode(encoder.encode(text), oneByteAtATime);
    expect(out.messages).toEqual([]);
    expect(out.invalid).toHaveLength(3);
  });

  it('accepts text as well as bytes, and forgets a partial frame on reset', () => {
    const out: DecodedMessage[] = [];
    const decoder = createSseDecoder({ onEvent: (message) => out.push(message) });
    decoder.feed('id: 1\nevent: token_stream\ndata: {"partial"');
    decoder.reset();
    decoder.feed(encodeEvent('token_stream', tokenEvent(2, 'after').data, 2));
    expect(out.map((message) => message.id)).toEqual(['2']);
  });
});

describe('SSE encoder', () => {
  it('keeps every line of a multi-line comment a comment', () => {
    expect(encodeComment('a\nb\r\nc')).toBe(': a\n: b\n: c\n\n');
  });

  it('never puts a raw newline in data', () => {
    const frame = encodeEvent('system_message', { message: 'one\ntwo\r\nthree\u2028' }, 9);
    expect(frame.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { LogBatch } from '../../src/streams/log-batch.js';
import { LogEntry } from '../../src/streams/log-entry.js';
import { encodeTextFrame } from '../../src/streams/ws-frame.js';

const json = JSON.stringify({ stream_id: 's', seq: 7, timestamp: '2025-01-01T00:00:00.000Z', message: 'héllo 🌍', level: 'info' });

describe('LogEntry', () => {
  it('builds the SSE frame and the WebSocket message from the JSON, each once', () => {
    const entry = new LogEntry(7, 'system_message', json);
    expect(entry.frame).toBe(`id: 7\nevent: system_message\ndata: ${json}\n\n`);
    expect(entry.frame).toBe(entry.frame);
    expect(entry.wsFrame).toBe(entry.wsFrame);
    expect(entry.wsFrame[0]).toBe(0x81);
    expect(entry.wsFrame[1]).toBe(126);
    const payload = entry.wsFrame.subarray(4);
    expect(entry.wsFrame.readUInt16BE(2)).toBe(payload.length);
    expect(JSON.parse(payload.toString('utf8'))).toEqual({ id: 7, event: 'system_message', data: JSON.parse(json) });
  });

  it('gives the same JSON, size and event before and after its frame is built', () => {
    const entry = new LogEntry(7, 'system_message', json);
    const before = { json: entry.json, size: entry.size, event: entry.event };
    void entry.frame;
    expect(entry.json).toBe(before.json);
    expect(entry.event).toEqual(before.event);
    expect(entry.size).toBeGreaterThanOrEqual(before.size);
    expect(before.event).toEqual({ event: 'system_message', data: JSON.parse(json) });
  });
});

describe('encodeTextFrame', () => {
  it('uses the 7-bit, 16-bit and 64-bit payload lengths of RFC 6455 §5.2, unmasked', () => {
    const short = encodeTextFrame('é'.repeat(10));
    expect([...short.subarray(0, 2)]).toEqual([0x81, 20]);
    const medium = encodeTextFrame('x'.repeat(125 + 1));
    expect([...medium.subarray(0, 4)]).toEqual([0x81, 126, 0, 126]);
    const long = encodeTextFrame('x'.repeat(70_000));
    expect([long[0], long[1]]).toEqual([0x81, 127]);
    expect(long.readBigUInt64BE(2)).toBe(70_000n);
    expect(long.length).toBe(10 + 70_000);
  });
});

describe('LogBatch', () => {
  it('joins the frames of its entries once and marks a terminal end', () => {
    const entries = [new LogEntry(1, 'system_message', '{"a":1}'), new LogEntry(2, 'task_completed', '{"b":2}')];
    const batch = LogBatch.of(entries);
    expect(batch).toMatchObject({ firstSeq: 1, lastSeq: 2, terminal: true });
    expect(batch.frames).toBe(`${entries[0]?.frame}${entries[1]?.frame}`);
    expect(batch.frames).toBe(batch.frames);
    expect(batch.wsFrames).toEqual(Buffer.concat([entries[0]?.wsFrame as Buffer, entries[1]?.wsFrame as Buffer]));
    expect(batch.wsFrames).toBe(batch.wsFrames);
    const range = LogBatch.range(1, entries[1] as LogEntry);
    expect(range).toMatchObject({ firstSeq: 1, lastSeq: 2, terminal: true, entries: undefined, frames: undefined, wsFrames: undefined });
    expect(() => LogBatch.of([])).toThrow(/at least one entry/);
  });
});

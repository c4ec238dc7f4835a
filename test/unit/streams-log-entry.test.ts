import { describe, expect, it } from 'vitest';
import { LogBatch } from '../../src/streams/log-batch.js';
import { LogEntry } from '../../src/streams/log-entry.js';

const json = JSON.stringify({ stream_id: 's', seq: 7, timestamp: '2025-01-01T00:00:00.000Z', message: 'héllo 🌍', level: 'info' });

describe('LogEntry', () => {
  it('builds the SSE frame and the WebSocket message from the JSON, each once', () => {
    const entry = new LogEntry(7, 'system_message', json);
    expect(entry.frame).toBe(`id: 7\nevent: system_message\ndata: ${json}\n\n`);
    expect(entry.frame).toBe(entry.frame);
    expect(entry.message).toBe(entry.message);
    expect(JSON.parse(entry.message.toString('utf8'))).toEqual({ id: 7, event: 'system_message', data: JSON.parse(json) });
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

describe('LogBatch', () => {
  it('joins the frames of its entries once and marks a terminal end', () => {
    const entries = [new LogEntry(1, 'system_message', '{"a":1}'), new LogEntry(2, 'task_completed', '{"b":2}')];
    const batch = LogBatch.of(entries);
    expect(batch).toMatchObject({ firstSeq: 1, lastSeq: 2, terminal: true });
    expect(batch.frames).toBe(`${entries[0]?.frame}${entries[1]?.frame}`);
    expect(batch.frames).toBe(batch.frames);
    const range = LogBatch.range(1, entries[1] as LogEntry);
    expect(range).toMatchObject({ firstSeq: 1, lastSeq: 2, terminal: true, entries: undefined, frames: undefined });
    expect(() => LogBatch.of([])).toThrow(/at least one entry/);
  });
});

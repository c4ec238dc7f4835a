import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/protocol/events.js';
import { encodeEvent } from '../../src/protocol/sse.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { MemoryStreamStore } from '../../src/streams/memory-stream-store.js';
import type { StoredEntry } from '../../src/streams/stream-store.js';
import { ManualClock } from '../helpers/manual-clock.js';

function state(id: string): StreamState {
  return {
    stream_id: id,
    task: 't',
    status: 'initializing',
    total_chunks: 0,
    chunks_completed: 0,
    current_agent: null,
    current_stage: null,
    error_message: null,
    estimated_time: null,
    estimated_cost: null,
    actual_cost: null,
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    last_event_id: 0,
    result: null,
  };
}

function entry(id: string, seq: number): StoredEntry {
  const event: StoredEvent = {
    event: 'system_message',
    data: { stream_id: id, seq, timestamp: '2025-01-01T00:00:00.000Z', message: `m${seq}`, level: 'info' },
  };
  return { seq, event, frame: encodeEvent(event.event, event.data, seq) };
}

const noSignal = () => new AbortController().signal;

describe('MemoryStreamStore', () => {
  it('keeps seq contiguous from 1 and refuses gaps and repeats', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    await store.append('a', entry('a', 1));
    await expect(store.append('a', entry('a', 3))).rejects.toThrow(/expected seq 2/);
    await expect(store.append('a', entry('a', 1))).rejects.toThrow(/expected seq 2/);
    await expect(store.create(state('a'))).rejects.toThrow(/exists/);
  });

  it('reads after a cursor with a limit', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    for (let seq = 1; seq <= 10; seq += 1) await store.append('a', entry('a', seq));
    expect((await store.read('a', 0, 3)).map((item) => item.seq)).toEqual([1, 2, 3]);
    expect((await store.read('a', 7, 100)).map((item) => item.seq)).toEqual([8, 9, 10]);
    expect(await store.read('a', 10, 100)).toEqual([]);
    expect(await store.read('missing', 0, 100)).toEqual([]);
  });

  it('wakes waiters once per event-loop turn, after all of that turn’s appends', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const waiting = store.waitForEntries('a', 0, noSignal());
    // Appended in the same turn: the waiter must see all three when it wakes.
    void store.append('a', entry('a', 1));
    void store.append('a', entry('a', 2));
    void store.append('a', entry('a', 3));
    expect(await waiting).toBe('entries');
    expect((await store.read('a', 0, 100)).map((item) => item.seq)).toEqual([1, 2, 3]);
    expect(await store.waitForEntries('a', 2, noSignal())).toBe('entries');
  });

  it('resolves a wait with aborted or gone, never rejecting', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const controller = new AbortController();
    const aborted = store.waitForEntries('a', 0, controller.signal);
    controller.abort();
    expect(await aborted).toBe('aborted');
    const gone = store.waitForEntries('a', 0, noSignal());
    await store.delete('a');
    expect(await gone).toBe('gone');
    expect(await store.waitForEntries('a', 0, noSignal())).toBe('gone');
  });

  it('patches state and lists newest first', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('old'));
    await store.create(state('new'));
    const patched = await store.patchState('old', { status: 'running', stream_id: 'hijack' });
    expect(patched).toMatchObject({ stream_id: 'old', status: 'running' });
    expect((await store.list()).map((item) => item.stream_id)).toEqual(['new', 'old']);
    expect(await store.patchState('missing', { status: 'running' })).toBeUndefined();
  });

  it('removes a stream once its TTL has passed, by timer or on access', async () => {
    const clock = new ManualClock();
    const store = new MemoryStreamStore({ clock });
    await store.create(state('a'));
    await store.create(state('b'));
    await store.expire('a', 1000);
    await store.expire('b', 1000);
    const waiter = store.waitForEntries('a', 0, noSignal());
    clock.advance(999);
    expect(await store.getState('a')).toBeDefined();
    clock.advance(1);
    // The timer fired: the waiter learns the stream is gone.
    expect(await waiter).toBe('gone');
    expect(await store.getState('a')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('moves the deadline when expire is called again', async () => {
    const clock = new ManualClock();
    const store = new MemoryStreamStore({ clock });
    await store.create(state('a'));
    await store.expire('a', 1000);
    await store.expire('a', 5000);
    clock.advance(4000);
    expect(await store.getState('a')).toBeDefined();
    clock.advance(1000);
    expect(await store.getState('a')).toBeUndefined();
  });
});

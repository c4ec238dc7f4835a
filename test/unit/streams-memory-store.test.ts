import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/protocol/events.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { LogEntry } from '../../src/streams/log-entry.js';
import { MemoryStreamStore, SHARED_BATCH_LIMIT } from '../../src/streams/memory-stream-store.js';
import type { EntryBatch, StoredEntry, StreamListener } from '../../src/streams/stream-store.js';
import { waitForEntries } from '../../src/streams/wait-for-entries.js';
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
  return new LogEntry(seq, event.event, JSON.stringify(event.data));
}

/** A listener that records what it is told. */
function recorder(): StreamListener & { batches: EntryBatch[]; gone: number } {
  const batches: EntryBatch[] = [];
  const self = {
    batches,
    gone: 0,
    onEntries: (batch: EntryBatch) => batches.push(batch),
    onGone: () => {
      self.gone += 1;
    },
  };
  return self;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const noSignal = () => new AbortController().signal;

describe('MemoryStreamStore', () => {
  it('keeps seq contiguous from 1 and refuses gaps and repeats', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    await store.append('a', [entry('a', 1)], {});
    await expect(store.append('a', [entry('a', 3)], {})).rejects.toThrow(/expected seq 2/);
    await expect(store.append('a', [entry('a', 1)], {})).rejects.toThrow(/expected seq 2/);
    await expect(store.create(state('a'))).rejects.toThrow(/exists/);
  });

  it('reads after a cursor with a limit', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    for (let seq = 1; seq <= 10; seq += 1) await store.append('a', [entry('a', seq)], {});
    expect((await store.read('a', 0, 3)).map((item) => item.seq)).toEqual([1, 2, 3]);
    expect((await store.read('a', 7, 100)).map((item) => item.seq)).toEqual([8, 9, 10]);
    expect(await store.read('a', 10, 100)).toEqual([]);
    expect(await store.read('missing', 0, 100)).toEqual([]);
  });

  it('bounds a read by bytes as well as by count, and always returns at least one entry', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    for (let seq = 1; seq <= 10; seq += 1) await store.append('a', [entry('a', seq)], {});
    const size = (await store.read('a', 0, 1))[0]?.size ?? 0;
    expect(size).toBeGreaterThan(50);
    expect((await store.read('a', 0, 100, size * 3)).map((item) => item.seq)).toEqual([1, 2, 3]);
    expect((await store.read('a', 0, 100, size * 3 - 1)).map((item) => item.seq)).toEqual([1, 2]);
    expect((await store.read('a', 4, 2, size * 100)).map((item) => item.seq)).toEqual([5, 6]);
    expect((await store.read('a', 4, 100, 1)).map((item) => item.seq)).toEqual([5]);
  });

  it('appends several entries and their state patch in one step, storing nothing on a gap', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    await store.append('a', [entry('a', 1), entry('a', 2)], { status: 'running', last_event_id: 2 });
    expect(await store.getState('a')).toMatchObject({ status: 'running', last_event_id: 2 });
    await expect(store.append('a', [entry('a', 3), entry('a', 5)], { last_event_id: 5 })).rejects.toThrow(
      /expected seq 4, got 5/,
    );
    expect((await store.read('a', 0, 100)).map((item) => item.seq)).toEqual([1, 2]);
    expect(await store.getState('a')).toMatchObject({ last_event_id: 2 });
  });

  it('wakes waiters once per event-loop turn, after all of that turn’s appends', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const waiting = waitForEntries(store, 'a', 0, noSignal());
    // Appended in the same turn: the waiter must see all three when it wakes.
    void store.append('a', [entry('a', 1)], {});
    void store.append('a', [entry('a', 2)], {});
    void store.append('a', [entry('a', 3)], {});
    expect(await waiting).toBe('entries');
    expect((await store.read('a', 0, 100)).map((item) => item.seq)).toEqual([1, 2, 3]);
    expect(await waitForEntries(store, 'a', 2, noSignal())).toBe('entries');
  });

  it('resolves a wait with aborted or gone, never rejecting', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const controller = new AbortController();
    const aborted = waitForEntries(store, 'a', 0, controller.signal);
    controller.abort();
    expect(await aborted).toBe('aborted');
    const gone = waitForEntries(store, 'a', 0, noSignal());
    await store.delete('a');
    expect(await gone).toBe('gone');
    expect(await waitForEntries(store, 'a', 0, noSignal())).toBe('gone');
  });

  it('decodes an entry’s event from its frame', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    await store.append('a', [entry('a', 1)], {});
    const [first] = await store.read('a', 0, 1);
    expect(first?.name).toBe('system_message');
    expect(first?.event).toEqual({
      event: 'system_message',
      data: { stream_id: 'a', seq: 1, timestamp: '2025-01-01T00:00:00.000Z', message: 'm1', level: 'info' },
    });
  });

  it('hands every listener the same batch per turn, with the frames joined once', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const a = recorder();
    const b = recorder();
    expect(store.subscribe('a', a)).toBe(true);
    expect(store.subscribe('a', b)).toBe(true);
    for (let seq = 1; seq <= 3; seq += 1) void store.append('a', [entry('a', seq)], {});
    await nextTurn();
    expect(a.batches).toHaveLength(1);
    expect(b.batches[0]).toBe(a.batches[0]);
    const frames = (await store.read('a', 0, 3)).map((item) => item.frame).join('');
    expect(a.batches[0]).toMatchObject({ firstSeq: 1, lastSeq: 3, frames, terminal: false });
    expect(a.batches[0]?.entries?.map((item) => item.seq)).toEqual([1, 2, 3]);
    store.unsubscribe('a', b);
    await store.append('a', [entry('a', 4)], {});
    await nextTurn();
    expect(a.batches.map((batch) => [batch.firstSeq, batch.lastSeq])).toEqual([
      [1, 3],
      [4, 4],
    ]);
    expect(b.batches).toHaveLength(1);
  });

  it('leaves a batch too large for one write unjoined, for listeners to read from their cursors', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const a = recorder();
    store.subscribe('a', a);
    for (let seq = 1; seq <= SHARED_BATCH_LIMIT + 1; seq += 1) void store.append('a', [entry('a', seq)], {});
    await nextTurn();
    expect(a.batches).toHaveLength(1);
    expect(a.batches[0]).toMatchObject({ firstSeq: 1, lastSeq: SHARED_BATCH_LIMIT + 1, frames: undefined, terminal: false });
    expect(a.batches[0]?.entries).toBeUndefined();
  });

  it('marks a batch that ends with the terminal event', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const a = recorder();
    store.subscribe('a', a);
    await store.append('a', [entry('a', 1)], {});
    const done = new LogEntry(2, 'task_error', '{}');
    await store.append('a', [done], {});
    await nextTurn();
    expect(a.batches[0]?.terminal).toBe(true);
  });

  it('tells listeners when their stream is gone, and refuses to subscribe to a missing one', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('a'));
    const a = recorder();
    store.subscribe('a', a);
    await store.delete('a');
    expect(a.gone).toBe(1);
    expect(store.subscribe('a', recorder())).toBe(false);
  });

  it('patches state and lists newest first', async () => {
    const store = new MemoryStreamStore({ clock: new ManualClock() });
    await store.create(state('old'));
    await store.create(state('new'));
    expect(await store.patchState('old', { status: 'running', stream_id: 'hijack' })).toBe(true);
    expect(await store.getState('old')).toMatchObject({ stream_id: 'old', status: 'running' });
    expect((await store.list()).map((item) => item.stream_id)).toEqual(['new', 'old']);
    expect(await store.patchState('missing', { status: 'running' })).toBe(false);
  });

  it('removes a stream once its TTL has passed, by timer or on access', async () => {
    const clock = new ManualClock();
    const store = new MemoryStreamStore({ clock });
    await store.create(state('a'));
    await store.create(state('b'));
    await store.expire('a', 1000);
    await store.expire('b', 1000);
    const waiter = waitForEntries(store, 'a', 0, noSignal());
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

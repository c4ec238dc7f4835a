/**
 * What every StreamStore must do, as one suite run against each store: the memory store, a real
 * redis-server and a real 3-master Redis Cluster (store-conformance.test.ts). Store-specific behaviour
 * (the memory store's per-turn batching and clock-driven expiry, Redis' TTLs and cross-instance
 * delivery) is tested beside each store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/protocol/events.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { LogEntry } from '../../src/streams/log-entry.js';
import { SHARED_BATCH_LIMIT } from '../../src/streams/memory-stream-store.js';
import { StreamManager } from '../../src/streams/stream-manager.js';
import type { EntryBatch, StoredEntry, StreamListener, StreamStore } from '../../src/streams/stream-store.js';
import { waitForEntries } from '../../src/streams/wait-for-entries.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';

/** Opens a fresh, empty store (its own key prefix on a shared Redis). */
export type OpenStore = () => Promise<StreamStore>;

export function state(id: string, createdAt = '2025-01-01T00:00:00.000Z'): StreamState {
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
    created_at: createdAt,
    updated_at: createdAt,
    last_event_id: 0,
    result: null,
  };
}

export function entry(id: string, seq: number, name: StoredEvent['event'] = 'system_message'): StoredEntry {
  const data = { stream_id: id, seq, timestamp: '2025-01-01T00:00:00.000Z', message: `m${seq}`, level: 'info' };
  return new LogEntry(seq, name, JSON.stringify(data));
}

export function entries(id: string, from: number, to: number): StoredEntry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(id, from + i));
}

/** A listener that records what it is told. */
export function recorder(): StreamListener & { batches: EntryBatch[]; gone: number } {
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

/** Runs the StreamStore suite and the StreamManager-on-this-store suite against `open`. */
export function describeStoreConformance(name: string, open: OpenStore): void {
  describe(`StreamStore conformance: ${name}`, () => {
    const opened: StreamStore[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('keeps seq contiguous from 1 and refuses gaps and repeats, storing nothing', async () => {
      const store = await fresh();
      await store.create(state('a'));
      await store.append('a', [entry('a', 1)], {});
      await expect(store.append('a', [entry('a', 3)], {})).rejects.toThrow(/expected seq 2/);
      await expect(store.append('a', [entry('a', 1), entry('a', 2)], {})).rejects.toThrow(/expected seq 2|contiguous/);
      await expect(store.append('a', [entry('a', 2), entry('a', 4)], {})).rejects.toThrow(/expected seq 3|contiguous/);
      await expect(store.create(state('a'))).rejects.toThrow(/exists/);
      expect((await store.read('a', 0, 100)).map((item) => item.seq)).toEqual([1]);
      await expect(store.append('missing', [entry('missing', 1)], {})).rejects.toThrow(/does not exist/);
    });

    it('reads after a cursor with a limit', async () => {
      const store = await fresh();
      await store.create(state('a'));
      await store.append('a', entries('a', 1, 10), {});
      expect((await store.read('a', 0, 3)).map((item) => item.seq)).toEqual([1, 2, 3]);
      expect((await store.read('a', 7, 100)).map((item) => item.seq)).toEqual([8, 9, 10]);
      expect(await store.read('a', 10, 100)).toEqual([]);
      expect(await store.read('a', 0, 0)).toEqual([]);
      expect(await store.read('missing', 0, 100)).toEqual([]);
    });

    it('bounds a read by bytes as well as by count, and always returns at least one entry', async () => {
      const store = await fresh();
      await store.create(state('a'));
      await store.append('a', entries('a', 1, 10), {});
      const size = (await store.read('a', 0, 1))[0]?.size ?? 0;
      expect(size).toBeGreaterThan(50);
      expect((await store.read('a', 0, 100, size * 3)).map((item) => item.seq)).toEqual([1, 2, 3]);
      expect((await store.read('a', 0, 100, size * 3 - 1)).map((item) => item.seq)).toEqual([1, 2]);
      expect((await store.read('a', 4, 100, 1)).map((item) => item.seq)).toEqual([5]);
    });

    it('appends entries and their state patch in one step', async () => {
      const store = await fresh();
      await store.create(state('a'));
      await store.append('a', [entry('a', 1), entry('a', 2)], { status: 'running', last_event_id: 2 });
      expect(await store.getState('a')).toMatchObject({ status: 'running', last_event_id: 2 });
      await expect(store.append('a', [entry('a', 4)], { last_event_id: 4 })).rejects.toThrow(/expected seq 3/);
      expect(await store.getState('a')).toMatchObject({ last_event_id: 2 });
    });

    it('keeps the event, its JSON and its frames exactly', async () => {
      const store = await fresh();
      await store.create(state('a'));
      const unicode = new LogEntry(1, 'token_stream', JSON.stringify({ stream_id: 'a', seq: 1, tokens: 'é 👍 "q"\n' }));
      await store.append('a', [unicode], {});
      const [first] = await store.read('a', 0, 1);
      expect(first?.name).toBe('token_stream');
      expect(first?.json).toBe(unicode.json);
      expect(first?.frame).toBe(`id: 1\nevent: token_stream\ndata: ${unicode.json}\n\n`);
      expect(first?.event.data).toMatchObject({ tokens: 'é 👍 "q"\n' });
    });

    it('hands a caught-up listener each append as one batch, shared by every listener', async () => {
      const store = await fresh();
      await store.create(state('a'));
      const a = recorder();
      const b = recorder();
      expect(store.subscribe('a', a)).toBe(true);
      expect(store.subscribe('a', b)).toBe(true);
      await store.append('a', entries('a', 1, 3), {});
      await nextTurn();
      expect(a.batches).toHaveLength(1);
      expect(b.batches[0]).toBe(a.batches[0]);
      const frames = (await store.read('a', 0, 3)).map((item) => item.frame).join('');
      expect(a.batches[0]).toMatchObject({ firstSeq: 1, lastSeq: 3, frames, terminal: false });
      store.unsubscribe('a', b);
      await store.append('a', [entry('a', 4, 'task_completed')], {});
      await nextTurn();
      expect(a.batches.map((batch) => [batch.firstSeq, batch.lastSeq, batch.terminal])).toEqual([
        [1, 3, false],
        [4, 4, true],
      ]);
      expect(b.batches).toHaveLength(1);
    });

    it('leaves a batch too large to hand over for listeners to read from their cursors', async () => {
      const store = await fresh();
      await store.create(state('a'));
      const a = recorder();
      store.subscribe('a', a);
      await store.append('a', entries('a', 1, SHARED_BATCH_LIMIT + 1), {});
      await nextTurn();
      expect(a.batches).toHaveLength(1);
      expect(a.batches[0]).toMatchObject({ firstSeq: 1, lastSeq: SHARED_BATCH_LIMIT + 1, frames: undefined });
    });

    it('wakes a waiter on the next append and resolves waits with aborted or gone, never rejecting', async () => {
      const store = await fresh();
      await store.create(state('a'));
      const waiting = waitForEntries(store, 'a', 0, noSignal());
      await store.append('a', entries('a', 1, 3), {});
      expect(await waiting).toBe('entries');
      expect(await waitForEntries(store, 'a', 2, noSignal())).toBe('entries');
      const controller = new AbortController();
      const aborted = waitForEntries(store, 'a', 3, controller.signal);
      controller.abort();
      expect(await aborted).toBe('aborted');
      const gone = waitForEntries(store, 'a', 3, noSignal());
      expect(await store.delete('a')).toBe(true);
      expect(await gone).toBe('gone');
      expect(await store.delete('a')).toBe(false);
    });

    it('tells listeners when their stream is deleted, and delivers nothing for a missing one', async () => {
      const store = await fresh();
      await store.create(state('a'));
      const a = recorder();
      store.subscribe('a', a);
      await store.delete('a');
      expect(a.gone).toBe(1);
      expect(await store.getState('a')).toBeUndefined();
      expect(await store.read('a', 0, 10)).toEqual([]);
      const late = recorder();
      // A remote store cannot know synchronously: it may register, but then nothing ever arrives.
      if (store.subscribe('a', late)) store.unsubscribe('a', late);
      expect(late.batches).toEqual([]);
    });

    it('patches state, never its id, and lists newest first', async () => {
      const store = await fresh();
      await store.create(state('old', '2025-01-01T00:00:00.000Z'));
      await store.create(state('new', '2025-01-01T00:00:01.000Z'));
      expect(await store.patchState('old', { status: 'running', stream_id: 'hijack', result: null })).toBe(true);
      expect(await store.getState('old')).toEqual({ ...state('old'), status: 'running' });
      expect((await store.list()).map((item) => item.stream_id)).toEqual(['new', 'old']);
      expect(await store.patchState('missing', { status: 'running' })).toBe(false);
      expect(await store.getState('missing')).toBeUndefined();
    });
  });

  describe(`StreamManager on ${name}`, () => {
    const opened: StreamStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const manager = async (runner = new ScriptedRunner()) => {
      const store = await open();
      opened.push(store);
      return new StreamManager({ runner, store, clock: new ManualClock() });
    };

    it('numbers events 1.., stores them with the state, and ends with the terminal event', async () => {
      const streams = await manager(new ScriptedRunner({ script: () => scriptedEvents({ tokens: 300 }) }));
      const created = await streams.create({ task: 'build it' });
      await streams.whenSettled(created.stream_id);
      const log = await streams.store.read(created.stream_id, 0, 10_000);
      expect(log.map((item) => item.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.at(-1)?.name).toBe('task_completed');
      expect(log.every((item) => item.event.data.stream_id === created.stream_id)).toBe(true);
      expect(await streams.get(created.stream_id)).toMatchObject({
        status: 'completed',
        last_event_id: log.length,
        chunks_completed: 1,
      });
      expect((await streams.list()).map((item) => item.stream_id)).toEqual([created.stream_id]);
    });

    it('cancels a running stream with E_CANCELLED', async () => {
      const runner = new ScriptedRunner({ pace: 'manual' });
      const streams = await manager(runner);
      const { stream_id } = await streams.create({ task: 't' });
      runner.release(stream_id, 2);
      const state = await streams.cancel(stream_id);
      expect(state).toMatchObject({ status: 'cancelled' });
      const log = await streams.store.read(stream_id, 0, 100);
      expect(log.at(-1)?.event.data).toMatchObject({ code: 'E_CANCELLED' });
    });
  });
}

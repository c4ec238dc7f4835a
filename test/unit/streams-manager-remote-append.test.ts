import { describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/protocol/events.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { MemoryStreamStore } from '../../src/streams/memory-stream-store.js';
import type { RunContext } from '../../src/streams/run-function.js';
import { StreamManager } from '../../src/streams/stream-manager.js';
import type { StoredEntry, StreamStore } from '../../src/streams/stream-store.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { scriptedEvents } from '../helpers/scripted-runner.js';

/**
 * A store that answers like a remote one: no `appendNow`, and each append settles only when the test
 * says so (a round trip in flight), so the manager's batching of the events of one turn is visible.
 */
class SlowStore extends MemoryStreamStore {
  readonly appends: { seqs: number[]; patch: Partial<StreamState> }[] = [];
  readonly #gates: (() => void)[] = [];

  override async append(streamId: string, entries: readonly StoredEntry[], patch: Partial<StreamState>): Promise<void> {
    this.appends.push({ seqs: entries.map((entry) => entry.seq), patch: { ...patch } });
    await new Promise<void>((resolve) => this.#gates.push(resolve));
    await super.append(streamId, entries, patch);
  }

  /** Lets the oldest append in flight finish. */
  settle(): void {
    this.#gates.shift()?.();
  }
}
Object.defineProperty(SlowStore.prototype, 'appendNow', { value: undefined });

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('StreamManager with a store that has no appendNow (a remote one)', () => {
  it('appends the events of one turn in one append with their merged state patch, in order, with no gaps', async () => {
    const store: StreamStore = new SlowStore({ clock: new ManualClock() });
    const slow = store as SlowStore;
    let ctx: RunContext | undefined;
    let finish: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const manager = new StreamManager({
      store,
      clock: new ManualClock(),
      runner: {
        async run(context) {
          ctx = context;
          await ended;
        },
      },
    });
    const { stream_id } = await manager.create({ task: 't' });
    const [started, progress, chunk, ...rest] = scriptedEvents({ tokens: 3 });
    const emitted: Promise<void>[] = [];
    const emit = (event: EventInput) => emitted.push((ctx as RunContext).emit(event));
    emit(started!);
    emit(progress!);
    await flush();
    // While the first append is in flight, the next events form the next one.
    emit(chunk!);
    for (const event of rest) emit(event);
    await flush();
    expect(slow.appends.map((append) => append.seqs)).toEqual([[1, 2]]);
    expect(slow.appends[0]?.patch).toMatchObject({ last_event_id: 2, status: 'running', total_chunks: 1 });
    slow.settle();
    await flush();
    expect(slow.appends.map((append) => append.seqs)).toEqual([
      [1, 2],
      [3, 4, 5, 6, 7, 8],
    ]);
    slow.settle();
    await Promise.all(emitted);
    finish();
    await manager.whenSettled(stream_id);
    expect((await store.read(stream_id, 0, 100)).map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await manager.get(stream_id)).toMatchObject({ status: 'completed', last_event_id: 8, chunks_completed: 1 });
  });
});

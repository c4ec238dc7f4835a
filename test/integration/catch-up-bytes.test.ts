import { afterEach, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/protocol/events.js';
import { READ_BATCH_BYTES } from '../../src/server/stream-follower.js';
import { MemoryStreamStore } from '../../src/streams/memory-stream-store.js';
import type { StoredEntry } from '../../src/streams/stream-store.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, ids, range, readSse, serve } from './server-harness.js';
import { followWs, wsBase, wsIds } from './ws-harness.js';

afterEach(closeServers);

/** Events of about 64 KiB each: 256 of them per read would be 16 MiB for every reader at once. */
const EVENT_CHARS = 64 * 1024;
const BIG_EVENTS = 96;

/** Records how many bytes each read returned. */
class RecordingStore extends MemoryStreamStore {
  readonly reads: number[] = [];

  override async read(streamId: string, afterSeq: number, limit: number, maxBytes?: number): Promise<StoredEntry[]> {
    const entries = await super.read(streamId, afterSeq, limit, maxBytes);
    this.reads.push(entries.reduce((sum, entry) => sum + entry.size, 0));
    return entries;
  }
}

function bigScript(): EventInput[] {
  const [started, progress, chunk, ...rest] = scriptedEvents({ tokens: 0 });
  const token = 'y'.repeat(EVENT_CHARS);
  const big = Array.from(
    { length: BIG_EVENTS },
    (): EventInput => ({ event: 'token_stream', data: { tokens: token, agent: 'Coder', chunk_number: 1, stage: 'coder' } }),
  );
  return [started!, progress!, chunk!, ...big, ...rest];
}

describe('readers catching up on a log of large events', () => {
  it('read it by bytes, not by a fixed count, on both transports, and receive all of it', async () => {
    const store = new RecordingStore();
    const server = await serve({ store, runner: new ScriptedRunner({ script: bigScript }) });
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    store.reads.length = 0;
    const total = bigScript().length;
    const readers = [
      ...Array.from({ length: 8 }, () => readSse(`${server.url}${created.events_url}`).then((read) => ids(read.messages))),
      ...Array.from({ length: 8 }, () =>
        followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`).closed.then((read) => wsIds(read.messages)),
      ),
    ];
    for (const received of await Promise.all(readers)) expect(received).toEqual(range(1, total));
    expect(store.reads.length).toBeGreaterThan(16 * 2);
    // Never more than the bound plus the one event that crossed it.
    expect(Math.max(...store.reads)).toBeLessThanOrEqual(READ_BATCH_BYTES + EVENT_CHARS + 200);
    await store.close();
  });
});

/** What only the Redis store does: delivery between instances, TTLs, fencing, outages, clear connect errors. */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamStore } from '../../src/streams/redis-stream-store.js';
import { parseStoreUrl } from '../../src/streams/store-url.js';
import type { StreamListener } from '../../src/streams/stream-store.js';
import { redisMissing, startRedis, startRedisCluster, type TestRedis, type TestRedisCluster } from '../helpers/redis-server.js';
import { entries, entry, recorder, state } from './store-conformance.js';

const opened: RedisStreamStore[] = [];

async function open(url: string, keyPrefix: string, outageMs?: number): Promise<RedisStreamStore> {
  const spec = parseStoreUrl(url);
  if (spec.kind !== 'redis') throw new Error('not a redis url');
  const store = await RedisStreamStore.connect(spec, { keyPrefix, ...(outageMs === undefined ? {} : { outageMs }) });
  opened.push(store);
  return store;
}

/** Waits for `check` to hold, polling: the other instance's delivery arrives over the network. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

describe.skipIf(redisMissing)('RedisStreamStore on redis-server', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ aof: true });
  });
  afterAll(async () => {
    await redis?.close();
  });
  const prefix = () => `t-${randomUUID().slice(0, 8)}`;

  it('delivers another instance’s appends through the shared blocking read, from where the reader was', async () => {
    const keys = prefix();
    const writer = await open(redis.url, keys);
    const reader = await open(redis.url, keys);
    await writer.create(state('a'));
    await writer.create(state('b'));
    await writer.append('a', entries('a', 1, 3), {});
    const onA = recorder();
    const onB = recorder();
    reader.subscribe('a', onA);
    reader.subscribe('b', onB);
    // Read after subscribing, as a subscriber does: what was there before is read, the rest is delivered.
    expect((await reader.read('a', 0, 100)).map((item) => item.seq)).toEqual([1, 2, 3]);
    await writer.append('a', entries('a', 4, 5), {});
    await writer.append('b', [entry('b', 1)], {});
    await eventually(() => onA.batches.at(-1)?.lastSeq === 5 && onB.batches.length === 1, 'both batches');
    expect(onA.batches.flatMap((batch) => batch.entries?.map((item) => item.seq) ?? [])).toEqual([4, 5]);
    expect(onB.batches[0]?.frames).toBe(entry('b', 1).frame);
  });

  it('expires every key of a run together, and moves the expiry when asked again', async () => {
    const keys = prefix();
    const store = await open(redis.url, keys);
    await store.create(state('a'));
    await store.append('a', [entry('a', 1)], {});
    await store.expire('a', 60_000);
    const ttl = async (key: string) => Number((await redis.cli('pttl', key)).trim());
    for (const key of [`${keys}:{a}:log`, `${keys}:{a}:state`]) {
      expect(await ttl(key)).toBeGreaterThan(50_000);
      expect(await ttl(key)).toBeLessThanOrEqual(60_000);
    }
    await store.expire('a', 600_000);
    expect(await ttl(`${keys}:{a}:log`)).toBeGreaterThan(60_000);
    // A running stream has no TTL: a maxmemory policy of volatile-* never evicts it.
    await store.create(state('b'));
    await store.append('b', [entry('b', 1)], {});
    expect(await ttl(`${keys}:{b}:log`)).toBe(-1);
    expect(await ttl(`${keys}:{b}:state`)).toBe(-1);
  });

  it('treats a repeat of entries already stored (a retry after a lost reply) as done', async () => {
    const store = await open(redis.url, prefix());
    await store.create(state('a'));
    const batch = entries('a', 1, 3);
    await store.append('a', batch, {});
    await store.append('a', batch, {});
    expect((await store.read('a', 0, 100)).map((item) => item.seq)).toEqual([1, 2, 3]);
    await expect(store.append('a', [entry('a', 3, 'task_error')], {})).rejects.toThrow(/expected seq 4/);
  });

  it('refuses appends from an instance whose lease another instance holds', async () => {
    const keys = prefix();
    const store = await open(redis.url, keys);
    await store.create(state('a'));
    store.setOwned('a', true);
    await redis.cli('set', `${keys}:{a}:lease`, `${Date.now() + 60_000}|someone-else`);
    await expect(store.append('a', [entry('a', 1)], {})).rejects.toThrow(/now run by instance someone-else/);
    expect(await store.read('a', 0, 10)).toEqual([]);
  });

  it('waits through a Redis restart: appends made while it is down are stored once it is back, nothing lost', async () => {
    const store = await open(redis.url, prefix());
    await store.create(state('a'));
    await store.append('a', entries('a', 1, 2), {});
    const interrupted: string[] = [];
    const listener: StreamListener = {
      onEntries: () => undefined,
      onGone: () => interrupted.push('gone'),
      onInterrupted: () => interrupted.push('interrupted'),
    };
    store.subscribe('a', listener);
    await redis.stop(true);
    await eventually(() => !store.health().available, 'the store notices');
    expect(store.health()).toEqual({ kind: 'redis', label: redis.url, available: false });
    expect(interrupted).toEqual(['interrupted']);
    const appending = store.append('a', [entry('a', 3)], {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    await redis.start();
    await appending;
    expect((await store.read('a', 0, 10)).map((item) => item.seq)).toEqual([1, 2, 3]);
    expect(store.health().available).toBe(true);
  });

  it('gives up after the outage budget with E_STORE_UNAVAILABLE', async () => {
    const store = await open(redis.url, prefix(), 300);
    await store.create(state('a'));
    await redis.stop(true);
    try {
      await expect(store.append('a', [entry('a', 1)], {})).rejects.toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
    } finally {
      await redis.start();
    }
  });

  it('says clearly when Redis cannot be reached at start, without the password', async () => {
    const spec = parseStoreUrl(`redis://:hunter2@127.0.0.1:${redis.port + 1}`);
    if (spec.kind !== 'redis') throw new Error('not a redis url');
    const failure = await RedisStreamStore.connect(spec).then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(failure?.code).toBe('E_STORE_UNAVAILABLE');
    expect(failure?.message).toMatch(/cannot reach the store redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(failure?.message).not.toContain('hunter2');
  });
});

describe.skipIf(redisMissing)('RedisStreamStore on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('delivers another instance’s appends to streams in different slots', async () => {
    const keys = `t-${randomUUID().slice(0, 8)}`;
    const writer = await open(cluster.url, keys);
    const reader = await open(cluster.url, keys);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const listeners = ids.map(() => recorder());
    for (const id of ids) await writer.create(state(id));
    ids.forEach((id, i) => {
      reader.subscribe(id, listeners[i] as StreamListener);
    });
    // Subscribe, then read (as a subscriber does): the read comes back after the feed knows where to start.
    for (const id of ids) expect(await reader.read(id, 0, 10)).toEqual([]);
    for (const id of ids) await writer.append(id, entries(id, 1, 2), {});
    await eventually(() => listeners.every((item) => item.batches.at(-1)?.lastSeq === 2), 'every stream delivered');
  });
});

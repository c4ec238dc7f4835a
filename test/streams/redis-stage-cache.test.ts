import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStageCache } from '../../src/streams/redis-stage-cache.js';
import { RedisStreamStore } from '../../src/streams/redis-stream-store.js';
import type { CachedAnswer } from '../../src/streams/stage-cache.js';
import { parseStoreUrl } from '../../src/streams/store-url.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js';

const answer = (output: string): CachedAnswer => ({ output, usage: { input_tokens: 5, output_tokens: 9 }, finish_reason: 'stop', duration_ms: 700 });
const key = (c: string) => c.repeat(64);

describe.skipIf(redisMissing)('RedisStageCache on redis-server', () => {
  let redis: TestRedis;
  const stores: RedisStreamStore[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await redis?.close();
  });

  /** A cache on the connection of a Redis store, as `corch serve --store redis://…` makes it. */
  async function open(keyPrefix: string, options: { maxBytes?: number; now?: () => number } = {}): Promise<RedisStageCache> {
    const spec = parseStoreUrl(redis.url);
    if (spec.kind !== 'redis') throw new Error('not a redis url');
    const store = await RedisStreamStore.connect(spec, { keyPrefix });
    stores.push(store);
    return new RedisStageCache(store.link, { keyPrefix, ...options });
  }

  it('two servers on one Redis share entries and the hit count', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const a = await open(prefix);
    const b = await open(prefix);
    expect(await a.get(key('a'))).toBeUndefined();
    await a.set(key('a'), answer('from a'));
    expect(await b.get(key('a'))).toEqual(answer('from a'));
    expect(await a.info()).toMatchObject({ entries: 1, hits: 1 });
    expect((await a.info()).bytes).toBe(Buffer.byteLength(JSON.stringify(answer('from a'))));
  });

  it('entries expire with Redis’ own TTL', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const spec = parseStoreUrl(redis.url);
    if (spec.kind !== 'redis') throw new Error('not a redis url');
    const store = await RedisStreamStore.connect(spec, { keyPrefix: prefix });
    stores.push(store);
    const cache = new RedisStageCache(store.link, { keyPrefix: prefix, ttlMs: 60_000 });
    await cache.set(key('e'), answer('short-lived'));
    const ttl = Number(await redis.cli('PTTL', `${prefix}:cache:${key('e')}`));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps to its size bound, least recently used first out', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    let now = 1000;
    const one = Buffer.byteLength(JSON.stringify(answer('x'.repeat(200))));
    const cache = await open(prefix, { maxBytes: one * 2 + 10, now: () => now });
    await cache.set(key('a'), answer('x'.repeat(200)));
    now += 1;
    await cache.set(key('b'), answer('y'.repeat(200)));
    now += 1;
    expect(await cache.get(key('a'))).toBeDefined();
    now += 1;
    await cache.set(key('c'), answer('z'.repeat(200)));
    expect(await cache.get(key('b'))).toBeUndefined();
    expect(await cache.get(key('a'))).toBeDefined();
    expect(await cache.get(key('c'))).toBeDefined();
    expect(await cache.info()).toMatchObject({ entries: 2, bytes: one * 2 });
  });

  it('clear empties it; an unreachable Redis is a miss, not a failure', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const cache = await open(prefix);
    await cache.set(key('a'), answer('a'));
    await cache.set(key('b'), answer('b'));
    expect(await cache.clear()).toBe(2);
    expect(await cache.info()).toMatchObject({ entries: 0, bytes: 0, hits: 0 });
    await cache.set(key('a'), answer('a'));
    await stores[0]!.close();
    expect(await cache.get(key('a'))).toBeUndefined();
    await expect(cache.set(key('b'), answer('b'))).resolves.toBeUndefined();
  });
});

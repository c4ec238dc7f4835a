/** The StreamStore suite against the memory store, a real redis-server and a real 3-master Redis Cluster. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { MemoryStreamStore } from '../../src/streams/memory-stream-store.js';
import { RedisStreamStore } from '../../src/streams/redis-stream-store.js';
import { parseStoreUrl } from '../../src/streams/store-url.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { redisMissing, startRedis, startRedisCluster, type TestRedis, type TestRedisCluster } from '../helpers/redis-server.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('memory', async () => new MemoryStreamStore({ clock: new ManualClock() }));

describe.skipIf(redisMissing)(`redis-server${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  describeStoreConformance('redis', () => openRedis(redis.url));
});

describe.skipIf(redisMissing)(`Redis Cluster${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });
  describeStoreConformance('redis-cluster', () => openRedis(cluster.url));
});

/** A store on its own key prefix, so the tests share one Redis without seeing each other's runs. */
function openRedis(url: string): Promise<RedisStreamStore> {
  const spec = parseStoreUrl(url);
  if (spec.kind !== 'redis') throw new Error('not a redis url');
  return RedisStreamStore.connect(spec, { keyPrefix: `t-${randomUUID().slice(0, 8)}` });
}

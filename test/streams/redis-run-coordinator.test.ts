/**
 * Leases on a real redis-server, with time moved by a manual clock (lease expiry is the callers' clock, not
 * Redis'): renewal keeps a run, a lapsed lease is reported and taken over, the previous owner's writes are
 * refused, a hand-over is taken at once, and declines end in 'none' only when every live server declined.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import { RedisRunCoordinator } from '../../src/streams/redis-run-coordinator.js';
import { RedisStreamStore } from '../../src/streams/redis-stream-store.js';
import type { CoordinatorEvents } from '../../src/streams/run-coordinator.js';
import { parseStoreUrl } from '../../src/streams/store-url.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { entry, state } from './store-conformance.js';

const LEASE_MS = 15_000;
const RENEW_MS = 5000;

interface Server {
  store: RedisStreamStore;
  coordinator: RedisRunCoordinator;
  seen: { cancel: string[]; orphan: string[]; lost: string[] };
}

const opened: Server[] = [];

async function server(url: string, keyPrefix: string, instanceId: string, clock: ManualClock): Promise<Server> {
  const spec = parseStoreUrl(url);
  if (spec.kind !== 'redis') throw new Error('not a redis url');
  const store = await RedisStreamStore.connect(spec, { keyPrefix, instanceId, clock });
  const coordinator = new RedisRunCoordinator(store, { leaseMs: LEASE_MS, renewMs: RENEW_MS, clock });
  const seen: Server['seen'] = { cancel: [], orphan: [], lost: [] };
  const events: CoordinatorEvents = {
    cancel: (id) => seen.cancel.push(id),
    orphan: (id) => seen.orphan.push(id),
    lost: (id) => seen.lost.push(id),
  };
  await coordinator.start(events);
  const made = { store, coordinator, seen };
  opened.push(made);
  return made;
}

/** Moves time on renewal by renewal, letting every server's tick finish its round trips each time. */
async function elapse(clock: ManualClock, ms: number, servers: Server[]): Promise<void> {
  for (let passed = 0; passed < ms; passed += RENEW_MS) {
    clock.advance(RENEW_MS);
    await Promise.all(servers.map((item) => item.coordinator.tick()));
  }
}

/** Waits for a pub/sub message to arrive (it crosses the network). */
async function settle(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.skipIf(redisMissing)('RedisRunCoordinator', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const item of opened.splice(0)) {
      await item.coordinator.stop();
      await item.store.close();
    }
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('keeps a renewed lease, reports a lapsed one, and fences the previous owner once it is taken over', async () => {
    const clock = new ManualClock(Date.now());
    const keys = `t-${randomUUID().slice(0, 8)}`;
    const a = await server(redis.url, keys, 'A', clock);
    const b = await server(redis.url, keys, 'B', clock);
    await a.store.create(state('run', new Date(clock.now()).toISOString()));
    await a.coordinator.claim('run', { task: 't' });
    // Renewed by A on every tick: B never sees it lapse.
    await elapse(clock, 4 * RENEW_MS, [a, b]);
    expect(b.seen.orphan).toEqual([]);
    expect(await b.coordinator.ownerAlive('run')).toBe(true);
    expect(await b.coordinator.takeOver('run')).toBeUndefined();
    // A stops renewing (as if it died); once the lease lapses, B's scan reports the run.
    await a.coordinator.stop();
    await elapse(clock, LEASE_MS - RENEW_MS, [b]);
    expect(b.seen.orphan).toEqual([]);
    await elapse(clock, RENEW_MS, [b]);
    expect(b.seen.orphan).toContain('run');
    expect(await b.coordinator.ownerAlive('run')).toBe(false);
    const orphan = await b.coordinator.takeOver('run');
    expect(orphan).toMatchObject({ previousOwner: 'A', handedOver: false, request: { task: 't' }, state: { stream_id: 'run' } });
    // A, still holding its stale view, cannot write into the run any more.
    await expect(a.store.append('run', [entry('run', 1)], {})).rejects.toThrow(/now run by instance B/);
    await b.store.append('run', [entry('run', 1)], {});
    expect((await b.store.read('run', 0, 10)).map((item) => item.seq)).toEqual([1]);
    // A, ending its stale run, must not take B's lease with it.
    await a.coordinator.finished('run');
    expect(await b.coordinator.ownerAlive('run')).toBe(true);
  });

  it('tells a server that its lease was taken, and passes a hand-over on at once', async () => {
    const clock = new ManualClock(Date.now());
    const keys = `t-${randomUUID().slice(0, 8)}`;
    const a = await server(redis.url, keys, 'A', clock);
    const b = await server(redis.url, keys, 'B', clock);
    await a.store.create(state('run', new Date(clock.now()).toISOString()));
    await a.coordinator.claim('run', { task: 't' });
    await a.coordinator.handOver('run');
    await settle(() => b.seen.orphan.length > 0);
    expect(b.seen.orphan).toEqual(['run']);
    expect(await b.coordinator.takeOver('run')).toMatchObject({ previousOwner: 'A', handedOver: true });
    // A claims a second run, but B takes it while A is cut off: A hears it lost it on its next renewal.
    await a.store.create(state('second', new Date(clock.now()).toISOString()));
    await a.coordinator.claim('second', { task: 't' });
    await redis.cli('set', `${keys}:{second}:lease`, `${clock.now() + LEASE_MS}|B`);
    await elapse(clock, RENEW_MS, [a]);
    expect(a.seen.lost).toEqual(['second']);
  });

  it('passes a cancel to the owner only', async () => {
    const clock = new ManualClock(Date.now());
    const keys = `t-${randomUUID().slice(0, 8)}`;
    const a = await server(redis.url, keys, 'A', clock);
    const b = await server(redis.url, keys, 'B', clock);
    await a.store.create(state('run', new Date(clock.now()).toISOString()));
    await a.coordinator.claim('run', { task: 't' });
    await b.coordinator.requestCancel('run', new CorchError('E_CANCELLED', 'stop'));
    await settle(() => a.seen.cancel.length > 0);
    expect(a.seen.cancel).toEqual(['run']);
    expect(b.seen.cancel).toEqual([]);
  });

  it('declines: others may try while a live server has not declined; none can once all have', async () => {
    const clock = new ManualClock(Date.now());
    const keys = `t-${randomUUID().slice(0, 8)}`;
    const a = await server(redis.url, keys, 'A', clock);
    const b = await server(redis.url, keys, 'B', clock);
    const c = await server(redis.url, keys, 'C', clock);
    await a.store.create(state('run', new Date(clock.now()).toISOString()));
    await a.coordinator.claim('run', { task: 't' });
    await a.coordinator.stop();
    await elapse(clock, LEASE_MS + RENEW_MS, [b, c]);
    expect(await b.coordinator.takeOver('run')).toBeDefined();
    expect(await b.coordinator.decline('run')).toBe('others');
    expect(await c.coordinator.takeOver('run')).toBeDefined();
    expect(await c.coordinator.decline('run')).toBe('none');
  });
});

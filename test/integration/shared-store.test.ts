/**
 * Several servers on one real redis-server, in one process: any server answers for any run, a cancel on a
 * non-owner reaches the owner, a run whose server stops answering is taken over from its last completed
 * stage, and one no server can continue ends with E_SERVER_LOST. The same with real processes is in
 * test/e2e/multi-instance.e2e.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/orchestrator/create-runner.js';
import type { RunningServer } from '../../src/server/index.js';
import { startServer } from '../../src/server/index.js';
import { RedisRunCoordinator } from '../../src/streams/redis-run-coordinator.js';
import { RedisStreamStore } from '../../src/streams/redis-stream-store.js';
import type { Runner } from '../../src/streams/run-function.js';
import { parseStoreUrl } from '../../src/streams/store-url.js';
import { redisMissing, startRedis, startRedisCluster, type TestRedis, type TestRedisCluster } from '../helpers/redis-server.js';
import { createStream, ids, range, readSse, subscribe, waitUntil } from './server-harness.js';

/** Short leases so a stopped server's runs move within a second (waited for, never asserted as time). */
const LEASE_MS = 800;
const RENEW_MS = 200;

interface Instance {
  name: string;
  server: RunningServer;
  store: RedisStreamStore;
  coordinator: RedisRunCoordinator;
  /** Stops the instance as a crash would: no hand-over, connections dropped, leases left to lapse. */
  crash(): Promise<void>;
}

const instances: Instance[] = [];

async function instance(
  url: string,
  keyPrefix: string,
  name: string,
  runner?: Runner,
  disconnectGraceSeconds?: number,
): Promise<Instance> {
  const spec = parseStoreUrl(url);
  if (spec.kind !== 'redis') throw new Error('not a redis url');
  const store = await RedisStreamStore.connect(spec, { keyPrefix, instanceId: name });
  const coordinator = new RedisRunCoordinator(store, { leaseMs: LEASE_MS, renewMs: RENEW_MS });
  const server = await startServer({
    runner: runner ?? createRunner({ env: {} }),
    store,
    coordinator,
    host: '127.0.0.1',
    port: 0,
    ...(disconnectGraceSeconds === undefined ? {} : { disconnectGraceSeconds }),
  });
  const made: Instance = {
    name,
    server,
    store,
    coordinator,
    crash: async () => {
      await coordinator.stop();
      await store.close();
      server.httpServer.closeAllConnections();
    },
  };
  instances.push(made);
  return made;
}

/** A simulated run slow enough to be caught mid-stage. */
const slowTask = (tokensPerSecond = 150) => ({
  task: 'a small CLI that counts words',
  provider: 'simulated',
  provider_options: { tokens_per_second: tokensPerSecond },
});

describe.skipIf(redisMissing)('several servers on one Redis', () => {
  let redis: TestRedis;
  let keys: string;
  beforeAll(async () => {
    // AOF on: the outage test restarts Redis mid-run.
    redis = await startRedis({ aof: true });
  });
  afterEach(async () => {
    await Promise.all(
      instances.splice(0).map(async (item) => {
        await item.server.close().catch(() => undefined);
        await item.coordinator.stop().catch(() => undefined);
        await item.store.close().catch(() => undefined);
      }),
    );
  });
  afterAll(async () => {
    await redis?.close();
  });
  const prefix = () => {
    keys = `t-${randomUUID().slice(0, 8)}`;
    return keys;
  };

  it('serves events, status and list of a run from any server, the log contiguous on each', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A');
    const b = await instance(redis.url, p, 'B');
    const created = await createStream(a.server, { ...slowTask(2000) });
    const onB = await subscribe(`${b.server.url}${created.events_url}`);
    const fromB = await onB.untilTerminal();
    expect(ids(fromB)).toEqual(range(1, ids(fromB).length));
    expect(fromB.at(-1)?.event.event).toBe('task_completed');
    const late = await readSse(`${a.server.url}${created.events_url}`);
    expect(late.messages.map((m) => m.id)).toEqual(fromB.map((m) => m.id));
    const status = await (await fetch(`${b.server.url}${created.status_url}`)).json();
    expect(status).toMatchObject({ status: 'completed', last_event_id: fromB.length });
    const list = (await (await fetch(`${b.server.url}/api/streams`)).json()) as { streams: { stream_id: string }[] };
    expect(list.streams.map((s) => s.stream_id)).toEqual([created.stream_id]);
    const health = await fetch(`${b.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ instance: 'B', store: { kind: 'redis', url: redis.url, available: true } });
  });

  it('a cancel on another server reaches the owner, which ends the run with E_CANCELLED', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A');
    const c = await instance(redis.url, p, 'C');
    const created = await createStream(a.server, slowTask(50));
    const watcher = await subscribe(`${c.server.url}${created.events_url}`);
    await waitUntil(async () => ((await a.server.manager.get(created.stream_id))?.status === 'running'), 'running');
    const answer = await fetch(`${c.server.url}/api/stream/${created.stream_id}/cancel`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ status: 'cancelled' });
    const log = await watcher.untilTerminal();
    expect(ids(log)).toEqual(range(1, ids(log).length));
    expect(log.at(-1)?.event).toMatchObject({ event: 'task_error', data: { code: 'E_CANCELLED' } });
    // The owner ended it (nobody took it over): its run settled on A.
    await a.server.manager.whenSettled(created.stream_id);
    expect(a.server.manager.counts().live).toBe(0);
  });

  it('takes over a run whose server stopped answering, from its last completed stage, the log one contiguous run', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A');
    const b = await instance(redis.url, p, 'B');
    const created = await createStream(a.server, slowTask(400));
    const watcher = await subscribe(`${b.server.url}${created.events_url}`);
    // Crash A once the Architect has finished and the Coder is under way.
    const seen: string[] = [];
    for (;;) {
      const message = await watcher.next();
      if (!message) throw new Error('stream ended early');
      seen.push(message.event.event);
      if (message.event.event === 'chunk_started' && (message.event.data as { stage: string }).stage === 'coder') break;
    }
    await a.crash();
    const rest = await watcher.untilTerminal();
    const all = [...seen.map((event, i) => ({ id: i + 1, event })), ...rest.map((m) => ({ id: Number(m.id), event: m.event.event }))];
    expect(all.map((m) => m.id)).toEqual(range(1, all.length));
    expect(rest.at(-1)?.event.event).toBe('task_completed');
    const moved = rest.find((m) => m.event.event === 'system_message' && /moved to instance B/.test(JSON.stringify(m.event.data)));
    expect(moved?.event.data).toMatchObject({ level: 'warn', message: expect.stringMatching(/after instance A stopped answering; the Coder stage restarts/) });
    // The Architect did not run again: one chunk_completed for it in the whole log.
    const full = await readSse(`${b.server.url}${created.events_url}`);
    const architects = full.messages.filter(
      (m) => m.event.event === 'chunk_completed' && (m.event.data as { stage: string }).stage === 'architect',
    );
    expect(architects).toHaveLength(1);
    expect(full.messages.filter((m) => m.event.event === 'task_started')).toHaveLength(1);
  });

  it('ends a run with E_SERVER_LOST when no running server can continue it', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A');
    const refuses: Runner = {
      prepare: async () => {
        throw new Error('this server has no key for the provider');
      },
      run: async () => undefined,
    };
    const b = await instance(redis.url, p, 'B', refuses);
    const created = await createStream(a.server, slowTask(50));
    const watcher = await subscribe(`${b.server.url}${created.events_url}`);
    await watcher.next();
    await a.crash();
    const rest = await watcher.untilTerminal();
    expect(rest.at(-1)?.event).toMatchObject({
      event: 'task_error',
      data: { code: 'E_SERVER_LOST', error: expect.stringMatching(/no running server can continue it: this server has no key/) },
    });
  });

  it('answers /healthz 503 naming the store while Redis is down, ends subscribers with a retry hint, and resumes', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A');
    const b = await instance(redis.url, p, 'B');
    const created = await createStream(a.server, slowTask(200));
    const watcher = await subscribe(`${b.server.url}${created.events_url}`);
    const before = await watcher.next();
    await redis.stop(true);
    try {
      await waitUntil(async () => (await fetch(`${b.server.url}/healthz`)).status === 503, '503 from /healthz');
      expect(await (await fetch(`${b.server.url}/healthz`)).json()).toMatchObject({
        status: 'store_unavailable',
        instance: 'B',
        store: { kind: 'redis', url: redis.url, available: false },
      });
      // The open response ends, telling the client to come back in 5 s.
      while (await watcher.next()) {}
      expect(watcher.comments.join('\n')).toMatch(/the stream store is unreachable; reconnect with Last-Event-ID/);
      // Reads answer at once while Redis is away.
      const status = await fetch(`${b.server.url}${created.status_url}`);
      expect(status.status).toBe(503);
      expect(((await status.json()) as { error: { code: string } }).error.code).toBe('E_STORE_UNAVAILABLE');
    } finally {
      await redis.start();
    }
    await waitUntil(async () => (await fetch(`${b.server.url}/healthz`)).status === 200, '200 again');
    const resumed = await subscribe(`${b.server.url}${created.events_url}`, { 'Last-Event-ID': String(before?.id ?? 0) });
    const rest = await resumed.untilTerminal();
    expect(ids(rest)[0]).toBe(Number(before?.id) + 1);
    expect(ids(rest)).toEqual(range(Number(before?.id) + 1, Number(rest.at(-1)?.id)));
    expect(rest.at(-1)?.event.event).toBe('task_completed');
  });

  it('counts watchers on other servers for on_disconnect "cancel", and cancels once they have all gone', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A', undefined, 0.3);
    const b = await instance(redis.url, p, 'B', undefined, 0.3);
    // Watched only through B for the whole run, which lasts many grace periods: A must not cancel it.
    const watched = await createStream(a.server, { ...slowTask(600), on_disconnect: 'cancel' });
    const log = await (await subscribe(`${b.server.url}${watched.events_url}`)).untilTerminal();
    expect(log.at(-1)?.event.event).toBe('task_completed');
    // Watched through B for a while, then nobody: A cancels it after the grace period.
    const left = await createStream(a.server, { ...slowTask(50), on_disconnect: 'cancel' });
    const watcher = await subscribe(`${b.server.url}${left.events_url}`);
    await watcher.next();
    watcher.close();
    await waitUntil(async () => (await a.server.manager.get(left.stream_id))?.status === 'cancelled', 'cancelled');
  });

  it('hands its runs over on close instead of cancelling them', async () => {
    const p = prefix();
    const a = await instance(redis.url, p, 'A');
    const b = await instance(redis.url, p, 'B');
    const created = await createStream(a.server, slowTask(300));
    const watcher = await subscribe(`${b.server.url}${created.events_url}`);
    await watcher.next();
    await waitUntil(async () => ((await b.server.manager.get(created.stream_id))?.last_event_id ?? 0) > 4, 'some progress');
    await a.server.close();
    const rest = await watcher.untilTerminal();
    expect(rest.at(-1)?.event.event).toBe('task_completed');
    expect(rest.some((m) => /after instance A handed it over/.test(JSON.stringify(m.event.data)))).toBe(true);
  });
});

describe.skipIf(redisMissing)('several servers on one Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(
      instances.splice(0).map(async (item) => {
        await item.server.close().catch(() => undefined);
        await item.coordinator.stop().catch(() => undefined);
        await item.store.close().catch(() => undefined);
      }),
    );
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('serves, cancels across servers and takes over a crashed server’s run on a 3-master Cluster', async () => {
    const p = `t-${randomUUID().slice(0, 8)}`;
    const a = await instance(cluster.url, p, 'A');
    const b = await instance(cluster.url, p, 'B');
    // Several runs, so that they land in different slots (and nodes).
    const runs = await Promise.all([1, 2, 3].map(() => createStream(a.server, slowTask(300))));
    const cancelled = runs[0] as (typeof runs)[number];
    const watchers = await Promise.all(runs.map((run) => subscribe(`${b.server.url}${run.events_url}`)));
    await watchers[0]?.next();
    const answer = await fetch(`${b.server.url}/api/stream/${cancelled.stream_id}/cancel`, { method: 'POST' });
    expect(await answer.json()).toMatchObject({ status: 'cancelled' });
    await watchers[1]?.next();
    await a.crash();
    const logs = await Promise.all(watchers.map((watcher) => watcher.untilTerminal()));
    expect(logs[0]?.at(-1)?.event).toMatchObject({ event: 'task_error', data: { code: 'E_CANCELLED' } });
    for (const log of logs.slice(1)) {
      expect(log.at(-1)?.event.event).toBe('task_completed');
      expect(log.some((m) => /moved to instance B/.test(JSON.stringify(m.event.data)))).toBe(true);
    }
    for (const run of runs.slice(1)) {
      const full = await readSse(`${b.server.url}${run.events_url}`);
      expect(ids(full.messages)).toEqual(range(1, full.messages.length));
    }
  });
});

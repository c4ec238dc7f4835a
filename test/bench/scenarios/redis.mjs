// Scenario 7 — the Redis store (DESIGN §5), on a redis-server the scenario starts, side by side with what it
// is measured against:
//   fan-out: the fan-out replay (scenario 2) at N subscribers, corch on Redis | corch in memory (goal ≥ 0.7×);
//   cross-instance latency: 100 events/s appended on server A, the subscriber on server B, both on Redis |
//     memory store with the subscriber on the same server (goal: p99 at most 2 ms more);
//   burst: one stream of tokens emitted as fast as a run can (8 per turn) and read on another instance,
//     corch's Redis store | Vercel's resumable-stream on the same Redis (goal ≥ 5×);
//   memory: Redis' used_memory per stored event and per idle run (task_started only).
// Columns: "corch" is the Redis store, "baseline" what the row names after the "|".
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIST } from '../lib/build-src.mjs';
import { row, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';
import { recordRun } from '../lib/recording.mjs';
import { redisMissing, startRedisServer } from '../lib/redis.mjs';
import { monoMs } from '../lib/stats.mjs';
import { measureOnce as fanoutOnce } from './fanout.mjs';

const load = (rel) => import(pathToFileURL(path.join(BENCH_DIST, rel)).href);

export async function redisScenario({ sizes, runs, reviewRounds, repsFor, rate, count, burst, memory, cancels, log }) {
  const missing = redisMissing();
  if (missing) {
    log(`redis: skipped (${missing})`);
    return { rows: [], raw: { skipped: missing } };
  }
  const redis = await startRedisServer();
  const rows = [];
  const raw = {};
  try {
    const storeArgs = () => ['--store', redis.url, '--key-prefix', `b-${randomUUID().slice(0, 8)}`];

    // Fan-out, the replay of scenario 2.
    const recording = await recordRun(reviewRounds);
    for (const n of sizes) {
      const reps = repsFor(n);
      log(`redis: fan-out to ${n} subscribers, Redis store | memory store, ${reps} run(s) back to back`);
      const results = { corch: [], baseline: [] };
      for (let run = 0; run < runs; run++) {
        for (const which of run % 2 === 0 ? ['corch', 'baseline'] : ['baseline', 'corch']) {
          const serverArgs = which === 'corch' ? storeArgs() : [];
          const result = await fanoutOnce('corch', 'replay', n, recording, { reviewRounds, reps, serverArgs });
          results[which].push(result);
          log(`  run ${run + 1}/${runs} ${which === 'corch' ? 'redis ' : 'memory'}: events_per_s=${Math.round(result.events_per_s)} contiguous=${result.contiguous}`);
        }
      }
      raw[`fanout_${n}`] = results;
      rows.push(row('redis', n, 'fan-out events delivered, Redis | memory', '/s', results, 'events_per_s', { ratio: { min: 0.7 }, text: '≥ 0.7×' }));
      rows.push(row('redis', n, 'fan-out server CPU per run, Redis | memory', 'ms', results, 'server_cpu_ms'));
      const ok = (impl) => results[impl].filter((r) => r.contiguous).length;
      rows.push({ ...row('redis', n, 'fan-out: every seq, none lost (runs)', '', results, 'x'), corch: ok('corch'), baseline: ok('baseline'), ratio: Number.NaN, goal: 'all runs', met: ok('corch') === runs });
    }

    // Latency with the subscriber on another instance.
    log(`redis: ${rate} events/s × ${count}, subscriber on another instance (Redis) | on the same server (memory)`);
    const latency = { corch: [], baseline: [] };
    for (let run = 0; run < runs; run++) {
      for (const which of run % 2 === 0 ? ['corch', 'baseline'] : ['baseline', 'corch']) {
        const result = await latencyOnce(which === 'corch' ? storeArgs() : undefined, { rate, count });
        latency[which].push(result);
        log(`  run ${run + 1}/${runs} ${which === 'corch' ? 'redis ' : 'memory'}: p50=${result.p50_ms.toFixed(2)} p99=${result.p99_ms.toFixed(2)} contiguous=${result.contiguous}`);
      }
    }
    raw.latency = latency;
    rows.push(row('redis', 1, 'emit→receipt p50, other instance on Redis | same server in memory', 'ms', latency, 'p50_ms'));
    rows.push(row('redis', 1, 'emit→receipt p99, other instance on Redis | same server in memory', 'ms', latency, 'p99_ms', { diff: { max: 2 }, text: '≤ +2 ms' }));

    // One bursty stream through Redis: corch's store and resumable-stream.
    log(`redis: one stream of ${burst.tokens} tokens, ${burst.perTurn} per turn, read on another instance: corch | resumable-stream`);
    const bursts = { corch: [], baseline: [] };
    for (let run = 0; run < runs; run++) {
      for (const which of run % 2 === 0 ? ['corch', 'baseline'] : ['baseline', 'corch']) {
        const result = which === 'corch' ? await corchBurst(redis.url, burst) : await resumableBurst(redis.url, burst);
        bursts[which].push(result);
        log(`  run ${run + 1}/${runs} ${which === 'corch' ? 'corch    ' : 'resumable'}: tokens_per_s=${Math.round(result.tokens_per_s)} complete=${result.complete}`);
      }
    }
    raw.burst = bursts;
    rows.push(row('redis', 1, 'burst tokens/s read on another instance, corch | resumable-stream', '/s', bursts, 'tokens_per_s', { ratio: { min: 5 }, text: '≥ 5×' }));

    // Cancel on another server: how long until the owner's run is aborted.
    log(`redis: ${cancels} cancels sent to another server than the owner`);
    const cancel = await cancelLatency(redis.url, cancels);
    raw.cancel = cancel;
    rows.push({ ...row('redis', cancels, 'cancel on another server → owner aborts, p50', 'ms', {}, 'x'), corch: cancel.p50_ms, ratio: Number.NaN });
    rows.push({ ...row('redis', cancels, 'cancel on another server → owner aborts, max', 'ms', {}, 'x'), corch: cancel.max_ms, ratio: Number.NaN, goal: '< 1000 ms', met: cancel.max_ms < 1000 });

    // Redis memory.
    log(`redis: memory for ${memory.idleRuns} idle runs and for ${memory.events} events of one run`);
    const mem = await redisMemory(redis.url, memory);
    raw.memory = mem;
    rows.push({ ...row('redis', memory.events, 'Redis memory per stored event (token_stream, ~170 B JSON)', 'B', {}, 'x'), corch: mem.per_event, ratio: Number.NaN });
    rows.push({ ...row('redis', memory.idleRuns, 'Redis memory per idle run (state, log of 1, indexes)', 'B', {}, 'x'), corch: mem.per_idle_run, ratio: Number.NaN });
  } finally {
    await redis.stop();
  }
  return { rows, raw };
}

/** A ticker on server A; the subscriber on B (both on Redis) or, with no store, on A itself (memory). */
async function latencyOnce(storeArgs, { rate, count }) {
  return withProcesses(async (track) => {
    const ticker = ['--mode', 'ticker', '--rate', String(rate), '--count', String(count)];
    const a = track(await startServer('corch', [...ticker, ...(storeArgs ?? [])]));
    const b = storeArgs ? track(await startServer('corch', ['--mode', 'idle', ...storeArgs])) : a;
    const client = track(await startLoadClient());
    const { ids } = await client.call('create', { base: a.url, count: 1, body: { task: 'latency probe' } });
    const sub = await client.call('subscribe', { base: b.url, ids: [ids[0]], mode: 'latency' });
    const t0 = monoMs();
    await a.call('go');
    const done = await client.call('wait-done', { timeoutMs: 120_000 + (count / rate) * 1000 });
    return {
      p50_ms: done.latency.p50,
      p99_ms: done.latency.p99,
      seconds: (done.lastAt - t0) / 1000,
      contiguous: done.contiguous && sub.failed === 0 && !done.timedOut,
    };
  });
}

/** A token_stream event's data, as a run emits it. */
function tokenData(streamId, seq, text) {
  return { stream_id: streamId, seq, timestamp: new Date().toISOString(), tokens: text, agent: 'Coder', chunk_number: 2, stage: 'coder' };
}

/**
 * corch: a StreamManager on one Redis store emits the tokens (8 per turn, as a fast model's deltas arrive),
 * a second store (another instance) receives them through its shared blocking read.
 */
async function corchBurst(url, { tokens, perTurn }) {
  const { parseStoreUrl } = await load('src/streams/store-url.js');
  const { RedisStreamStore } = await load('src/streams/redis-stream-store.js');
  const { StreamManager } = await load('src/streams/stream-manager.js');
  const keyPrefix = `b-${randomUUID().slice(0, 8)}`;
  const writer = await RedisStreamStore.connect(parseStoreUrl(url), { keyPrefix });
  const reader = await RedisStreamStore.connect(parseStoreUrl(url), { keyPrefix });
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  const runner = {
    async run(ctx) {
      await gate;
      for (let i = 0; i < tokens; i += perTurn) {
        for (let j = i; j < Math.min(tokens, i + perTurn); j++) {
          void ctx.emit({ event: 'token_stream', data: { tokens: `tok${j} `, agent: 'Coder', chunk_number: 1, stage: 'coder' } });
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await ctx.emit({ event: 'task_error', data: { error: 'end of the burst', details: null, code: 'E_CANCELLED', stage: null, retryable: false } });
    },
  };
  const manager = new StreamManager({ runner, store: writer });
  const { stream_id: id } = await manager.create({ task: 'burst' });
  let received = 0;
  let last = 0;
  const done = new Promise((resolve) => {
    reader.subscribe(id, {
      onEntries(batch) {
        received += batch.lastSeq - Math.max(last, batch.firstSeq - 1);
        last = Math.max(last, batch.lastSeq);
        if (batch.terminal) resolve();
      },
      onGone() {},
    });
  });
  // Subscribe, then read: the shared read starts from the reader's cursor.
  await reader.read(id, 0, 1);
  const t0 = monoMs();
  release();
  await done;
  const ms = monoMs() - t0;
  await manager.whenSettled(id);
  await writer.close();
  await reader.close();
  // token_stream events plus task_started? No: this runner emits only tokens and the terminal event.
  return { tokens_per_s: tokens / (ms / 1000), complete: last === tokens + 1 && received === tokens + 1 };
}

/**
 * resumable-stream (Vercel): the producer's stream of SSE-framed chunks, 8 per turn; a second context (another
 * instance, its own Redis connections) resumes it and reads every chunk, through Redis pub/sub.
 */
async function resumableBurst(url, { tokens, perTurn }) {
  const { createClient } = await import('redis');
  const { createResumableStreamContext } = await import('resumable-stream');
  const clients = [];
  const keyPrefix = `b-${randomUUID().slice(0, 8)}`;
  const context = async () => {
    const publisher = createClient({ url });
    const subscriber = createClient({ url });
    await publisher.connect();
    await subscriber.connect();
    clients.push(publisher, subscriber);
    return createResumableStreamContext({ waitUntil: null, publisher, subscriber, keyPrefix });
  };
  const producerContext = await context();
  const readerContext = await context();
  const id = randomUUID();
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  const source = () =>
    new ReadableStream({
      async start(controller) {
        await gate;
        for (let i = 0; i < tokens; i += perTurn) {
          for (let j = i; j < Math.min(tokens, i + perTurn); j++) {
            controller.enqueue(`id: ${j + 1}\nevent: token_stream\ndata: ${JSON.stringify(tokenData(id, j + 1, `tok${j} `))}\n\n`);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        controller.close();
      },
    });
  const produced = await producerContext.resumableStream(id, source);
  // The producer's own reader drains it (the first client); the measured reader is on the other context.
  const drain = (async () => {
    const reader = produced.getReader();
    while (!(await reader.read()).done) {}
  })();
  const resumed = await readerContext.resumeExistingStream(id);
  let chunks = 0;
  const read = (async () => {
    const reader = resumed.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += value.split('\n\n').length - 1;
    }
  })();
  const t0 = monoMs();
  release();
  await read;
  const ms = monoMs() - t0;
  await drain;
  for (const client of clients) await client.quit().catch(() => undefined);
  return { tokens_per_s: tokens / (ms / 1000), complete: chunks === tokens };
}

/**
 * Two StreamManagers on one Redis (two servers, in one process): runs created on A wait for their abort;
 * each is cancelled through B, and the time from B's cancel call to A's abort is recorded.
 */
async function cancelLatency(url, cancels) {
  const { parseStoreUrl } = await load('src/streams/store-url.js');
  const { RedisStreamStore } = await load('src/streams/redis-stream-store.js');
  const { RedisRunCoordinator } = await load('src/streams/redis-run-coordinator.js');
  const { StreamManager } = await load('src/streams/stream-manager.js');
  const keyPrefix = `c-${randomUUID().slice(0, 8)}`;
  const aborted = new Map();
  const runner = {
    async run(ctx) {
      await ctx.emit({ event: 'task_started', data: { task: 'wait', context: {}, pipeline: [], provider: 'simulated', model: 'simulated', simulated: true } });
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      aborted.get(ctx.streamId)?.(monoMs());
    },
  };
  const open = async () => {
    const store = await RedisStreamStore.connect(parseStoreUrl(url), { keyPrefix });
    const coordinator = new RedisRunCoordinator(store);
    const manager = new StreamManager({ runner, store, coordinator });
    await manager.start();
    return { store, manager };
  };
  const a = await open();
  const b = await open();
  const samples = [];
  for (let i = 0; i < cancels; i++) {
    const { stream_id: id } = await a.manager.create({ task: 'wait' });
    const abortedAt = new Promise((resolve) => aborted.set(id, resolve));
    while ((await a.manager.get(id))?.last_event_id !== 1) await new Promise((resolve) => setTimeout(resolve, 1));
    const t0 = monoMs();
    const cancelling = b.manager.cancel(id);
    samples.push((await abortedAt) - t0);
    await cancelling;
  }
  for (const side of [a, b]) {
    await side.manager.shutdown();
    await side.store.close();
  }
  samples.sort((x, y) => x - y);
  return { p50_ms: samples[Math.floor(samples.length / 2)], max_ms: samples.at(-1), samples };
}

/** used_memory growth per stored event and per idle run, on a store with its own key prefix. */
async function redisMemory(url, { idleRuns, events }) {
  const { parseStoreUrl } = await load('src/streams/store-url.js');
  const { RedisStreamStore } = await load('src/streams/redis-stream-store.js');
  const { LogEntry } = await load('src/streams/log-entry.js');
  const store = await RedisStreamStore.connect(parseStoreUrl(url), { keyPrefix: `m-${randomUUID().slice(0, 8)}` });
  const used = async () => {
    const info = await store.connection.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1]);
  };
  const state = (id) => ({
    stream_id: id, task: 'an idle run', status: 'running', total_chunks: 5, chunks_completed: 0, current_agent: null,
    current_stage: null, error_message: null, estimated_time: 30, estimated_cost: 0, actual_cost: 0,
    created_at: new Date().toISOString(), updated_at: new Date().toISOString(), last_event_id: 0, result: null,
  });
  const started = (id) => new LogEntry(1, 'task_started', JSON.stringify({ stream_id: id, seq: 1, timestamp: new Date().toISOString(), task: 'an idle run', context: {}, pipeline: [], provider: 'simulated', model: 'simulated', simulated: true }));
  const before = await used();
  for (let i = 0; i < idleRuns; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, idleRuns - i) }, async () => {
        const id = randomUUID();
        await store.create(state(id));
        await store.append(id, [started(id)], { last_event_id: 1 });
      }),
    );
  }
  const afterIdle = await used();
  const id = randomUUID();
  await store.create(state(id));
  const beforeEvents = await used();
  for (let seq = 1; seq <= events; seq += 500) {
    const batch = [];
    for (let s = seq; s < Math.min(events + 1, seq + 500); s++) batch.push(new LogEntry(s, 'token_stream', JSON.stringify(tokenData(id, s, `token ${s} `))));
    await store.append(id, batch, { last_event_id: batch.at(-1).seq });
  }
  const afterEvents = await used();
  await store.close();
  return { per_idle_run: (afterIdle - before) / idleRuns, per_event: (afterEvents - beforeEvents) / events };
}

import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheCommand } from '../../src/cli/cache-command.js';
import type { CliIo } from '../../src/cli/io.js';
import { openStageCache } from '../../src/cli/open-stage-cache.js';
import { serveCommand } from '../../src/cli/serve-command.js';
import { createRunner } from '../../src/orchestrator/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { RedisStageCache } from '../../src/streams/redis-stage-cache.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { readSse } from './server-harness.js';

type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGWINCH';

function io(env: Record<string, string | undefined>) {
  const handlers = new Map<SignalName, Set<() => void>>();
  const value: CliIo = {
    argv: [],
    env,
    cwd: '/',
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    onSignal(signal, handler) {
      const set = handlers.get(signal) ?? new Set();
      set.add(handler);
      handlers.set(signal, set);
      return () => set.delete(handler);
    },
  };
  return { io: value, signal: (name: SignalName) => handlers.get(name)?.forEach((h) => {
      h();
    }) };
}

describe.skipIf(redisMissing)('corch serve on a Redis store keeps its stage cache in Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
    await redis.cli('DEL', 'corch:cache:~lru', 'corch:cache:~sizes', 'corch:cache:~bytes', 'corch:cache:~hits');
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('a task run twice on the server is answered from Redis the second time', async () => {
    const term = io({});
    let server: RunningServer | undefined;
    let cacheKind = '';
    const running = serveCommand(
      { port: '0', store: redis.url },
      term.io,
      (shared) => {
        const cache = openStageCache({}, shared);
        cacheKind = cache instanceof RedisStageCache ? 'redis' : String(cache);
        return createRunner({ env: {}, cache });
      },
      { onListening: (s) => (server = s) },
    );
    for (let i = 0; i < 200 && !server; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cacheKind).toBe('redis');
    const task = { task: `a parser ${randomUUID()}`, provider: 'simulated', provider_options: { tokens_per_second: 0 } };
    const runOnce = async () => {
      const created = (await (await fetch(`${server!.url}/api/stream/task`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(task) })).json()) as { events_url: string };
      const read = await readSse(`${server!.url}${created.events_url}`);
      return read.messages.flatMap((m) => (m.event.event === 'chunk_started' ? [m.event.data.cache_hit === true] : []));
    };
    const first = await runOnce();
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((hit) => !hit)).toBe(true);
    const second = await runOnce();
    expect(second.every((hit) => hit)).toBe(true);
    expect(Number(await redis.cli('ZCARD', 'corch:cache:~lru'))).toBe(first.length);
    term.signal('SIGTERM');
    expect(await running).toBe(0);

    // `corch cache info|clear --store redis://…` sees the same cache.
    const cli = io({});
    let out = '';
    cli.io.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    expect(await cacheCommand('info', { store: redis.url, json: true }, cli.io)).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ entries: first.length, hits: first.length, enabled: true });
    out = '';
    expect(await cacheCommand('clear', { store: redis.url }, cli.io)).toBe(0);
    expect(out).toMatch(new RegExp(`^removed ${first.length} cached stage answers from redis://127\\.0\\.0\\.1:\\d+ \\(corch:cache:\\*\\)\\n$`));
  });

  it('cache info on a Redis that is not there says so', async () => {
    const error = await cacheCommand('info', { store: 'redis://127.0.0.1:1' }, io({}).io).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_UNREACHABLE' });
    expect((error as Error).message).toContain('cannot reach the store redis://127.0.0.1:1');
  });
});

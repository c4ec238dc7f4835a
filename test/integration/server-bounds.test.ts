import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/orchestrator/index.js';
import type { EventInput } from '../../src/protocol/events.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { createSimulatedProvider } from '../../src/providers/simulated.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, serve } from './server-harness.js';

afterEach(closeServers);

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('bounded memory', () => {
  it('one 1 MB task made of one word gives a log of a few MB, not 100 MB (simulated names are capped)', async () => {
    const runner = createRunner({
      env: {},
      resolveProvider: async () => ({ provider: createSimulatedProvider({ tokens_per_second: 0 }), reason: 'test' }),
    });
    const server = await serve({ runner });
    const { stream_id } = await createStream(server, { task: 'a'.repeat(1_000_000) });
    await server.manager.whenSettled(stream_id);
    const state = await server.manager.get(stream_id);
    expect(state?.status).toBe('completed');
    expect(server.manager.retention.totalBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('stops a run whose log passes maxStreamBytes with task_error E_LOG_TOO_LARGE', async () => {
    const server = await serve({ runner: new ScriptedRunner({ script: () => scriptedEvents({ tokens: 500 }) }), maxStreamBytes: 20_000 });
    const { stream_id } = await createStream(server);
    await server.manager.whenSettled(stream_id);
    const log = await server.manager.store.read(stream_id, 0, 10_000);
    expect(log.at(-1)?.event).toMatchObject({
      event: 'task_error',
      data: { code: 'E_LOG_TOO_LARGE', error: expect.stringMatching(/reached 20000 bytes.*--max-stream-bytes/) },
    });
    const bytes = log.reduce((sum, entry) => sum + entry.size, 0);
    expect(bytes).toBeLessThan(20_000 + 2 * 1024);
  });

  it('keeps maxFinished finished streams; the oldest finished is gone (404), running ones are kept', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, maxFinished: 2 });
    const running = await createStream(server);
    const finished: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { stream_id } = await createStream(server);
      runner.release(stream_id, 1000);
      await server.manager.whenSettled(stream_id);
      finished.push(stream_id);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect((await fetch(`${server.url}/api/stream/status/${finished[0]}`)).status).toBe(404);
    for (const id of [...finished.slice(1), running.stream_id]) {
      expect((await fetch(`${server.url}/api/stream/status/${id}`)).status).toBe(200);
    }
    await server.manager.cancel(running.stream_id);
  });

  it('drops finished streams to stay under maxTotalBytes, then answers 503 E_STORE_FULL while only running ones fill it', async () => {
    const token = (chars: number): EventInput => ({
      event: 'token_stream',
      data: { tokens: 'x'.repeat(chars), agent: 'Coder', chunk_number: 1, stage: 'coder' },
    });
    const [started, progress, chunk] = scriptedEvents({ tokens: 0 });
    const runner = new ScriptedRunner({
      pace: 'manual',
      script: (request) =>
        request.task === 'big finished'
          ? [...scriptedEvents({ tokens: 0 }).slice(0, 3), token(6000), ...scriptedEvents({ tokens: 0 }).slice(3)]
          : [started!, progress!, chunk!, ...Array.from({ length: 20 }, () => token(1000))],
    });
    const server = await serve({ runner, maxTotalBytes: 10_000, maxStreamBytes: 1_000_000 });
    const done = await createStream(server, { task: 'big finished' });
    runner.release(done.stream_id, 1000);
    await server.manager.whenSettled(done.stream_id);
    const live = await createStream(server, { task: 'growing' });
    const stored = async () => (await server.manager.get(live.stream_id))?.last_event_id ?? 0;
    const step = async () => {
      const before = await stored();
      runner.release(live.stream_id, 1);
      while ((await stored()) === before) await new Promise((resolve) => setImmediate(resolve));
    };
    const status = async (id: string) => (await fetch(`${server.url}/api/stream/status/${id}`)).status;

    // Growing past the total drops the finished stream, not the running one.
    while ((await status(done.stream_id)) === 200) await step();
    expect((await server.manager.get(live.stream_id))?.status).toBe('running');
    // Then the running stream alone fills it: no new run is accepted…
    while (server.manager.retention.totalBytes < 10_000) await step();
    const refused = await fetch(`${server.url}/api/stream/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"task":"t"}',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_STORE_FULL');
    // …and its next event is refused too: it ends with E_STORE_FULL.
    await step();
    const log = await server.manager.store.read(live.stream_id, 0, 1000);
    expect(log.at(-1)?.event).toMatchObject({ event: 'task_error', data: { code: 'E_STORE_FULL' } });
  });
});

describe('GET /api/streams pages with ?limit=&before=', () => {
  it('walks every stream, newest first, with no repeat and no gap, including streams created in the same millisecond', async () => {
    const clock = new ManualClock();
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }), clock, firstRequestTimeoutMs: 24 * 3_600_000 });
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      ids.push((await createStream(server)).stream_id);
      // Two streams share each millisecond.
      if (i % 2 === 1) clock.advance(1);
    }
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await json(`${server.url}/api/streams?limit=3${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      expect(page.status).toBe(200);
      pages += 1;
      seen.push(...(page.body.streams as StreamState[]).map((s) => s.stream_id));
      before = page.body.next_before as string | undefined;
      if (before === undefined) break;
    }
    expect(new Set(seen).size).toBe(7);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(pages).toBeGreaterThan(1);
    for (const id of ids) await server.manager.cancel(id);
  });

  it('refuses a before that is not an ISO time', async () => {
    const server = await serve();
    const bad = await json(`${server.url}/api/streams?before=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'E_INVALID_REQUEST', message: expect.stringMatching(/`before` must be an ISO 8601 time/) } });
  });
});

import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamState } from '../../src/protocol/stream-state.js';
import type { RunContext, Runner } from '../../src/streams/run-function.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, ids, range, readSse, serve, subscribe, waitUntil } from './server-harness.js';

afterEach(closeServers);

/** Events in the default script with 5 tokens: started, progress, chunk, 5 tokens, chunk done, completed. */
const N = scriptedEvents().length;

describe('GET /api/stream/events/{id}', () => {
  it('sends retry:, the SSE headers, every event in order, and ends after the terminal event', async () => {
    const server = await serve({ retryMs: 1234 });
    const created = await createStream(server);
    expect(created.events_url).toBe(`/api/stream/events/${created.stream_id}`);
    expect(created.status_url).toBe(`/api/stream/status/${created.stream_id}`);
    const read = await readSse(server.url + created.events_url);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(read.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(read.headers.get('x-accel-buffering')).toBe('no');
    expect(read.retries).toEqual([1234]);
    expect(ids(read.messages)).toEqual(range(1, N));
    expect(read.messages.map((message) => message.event.data.seq)).toEqual(range(1, N));
    expect(read.messages.at(-1)?.event.event).toBe('task_completed');
  });

  it('gives a late subscriber the whole log', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const read = await readSse(server.url + created.events_url);
    expect(ids(read.messages)).toEqual(range(1, N));
  });

  it('sends two simultaneous subscribers identical sequences', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const created = await createStream(server);
    const a = await subscribe(server.url + created.events_url);
    runner.release(created.stream_id, 3);
    const b = await subscribe(server.url + created.events_url);
    runner.release(created.stream_id, N);
    const [fromA, fromB] = await Promise.all([a.untilTerminal(), b.untilTerminal()]);
    expect(ids(fromA)).toEqual(range(1, N));
    expect(fromB).toEqual(fromA);
  });

  it('resumes after every k from 0 to the end with exactly k+1..N, by header or by query', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const url = server.url + created.events_url;
    for (let k = 0; k < N; k += 1) {
      const byHeader = await readSse(url, { 'Last-Event-ID': String(k) });
      expect(ids(byHeader.messages), `Last-Event-ID: ${k}`).toEqual(range(k + 1, N));
      const byQuery = await readSse(`${url}?last_event_id=${k}`);
      expect(ids(byQuery.messages), `?last_event_id=${k}`).toEqual(range(k + 1, N));
    }
  });

  it('answers 204 to a reconnect after the end with the final id', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const url = server.url + created.events_url;
    const byHeader = await fetch(url, { headers: { 'Last-Event-ID': String(N) } });
    expect(byHeader.status).toBe(204);
    expect(await byHeader.text()).toBe('');
    expect((await fetch(`${url}?last_event_id=${N}`)).status).toBe(204);
  });

  it('lets the header win over the query (the browser’s automatic reconnect is the more recent)', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const read = await readSse(`${server.url + created.events_url}?last_event_id=1`, { 'Last-Event-ID': '4' });
    expect(ids(read.messages)).toEqual(range(5, N));
  });

  it('resumes mid-run: replay after k, then the live events', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const created = await createStream(server);
    runner.release(created.stream_id, 4);
    await waitUntil(async () => (await server.manager.get(created.stream_id))?.last_event_id === 4, 'four events');
    const resumed = await subscribe(server.url + created.events_url, { 'Last-Event-ID': '2' });
    expect(ids([(await resumed.next())!, (await resumed.next())!])).toEqual([3, 4]);
    runner.release(created.stream_id, N);
    expect(ids(await resumed.untilTerminal())).toEqual(range(5, N));
  });

  it('works with the eventsource client: every event once, then stops on the 204', async () => {
    const server = await serve({ retryMs: 10 });
    const created = await createStream(server);
    const source = new EventSource(server.url + created.events_url);
    const seen: string[] = [];
    for (const name of ['task_started', 'task_progress', 'chunk_started', 'token_stream', 'chunk_completed', 'task_completed']) {
      source.addEventListener(name, (event) => seen.push(`${event.lastEventId}:${name}`));
    }
    // After the terminal event the server ends the response; the client reconnects with Last-Event-ID = N,
    // gets 204, and closes for good.
    await waitUntil(() => source.readyState === EventSource.CLOSED, 'the EventSource to close');
    expect(seen.map((item) => Number(item.split(':')[0]))).toEqual(range(1, N));
    expect(seen.at(-1)).toBe(`${N}:task_completed`);
  });

  it('eventsource resumes with Last-Event-ID after the connection drops, without duplicates', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, retryMs: 10 });
    const created = await createStream(server);
    const lastEventIds: (string | null)[] = [];
    let cut: (() => void) | undefined;
    const source = new EventSource(server.url + created.events_url, {
      // The first response's body is ended on demand, as when a proxy drops an idle connection.
      fetch: async (input, init) => {
        lastEventIds.push(new Headers(init.headers).get('last-event-id'));
        const response = await fetch(input, init);
        if (!response.body || lastEventIds.length > 1) return response;
        const reader = response.body.getReader();
        let closed = false;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            cut = () => {
              closed = true;
              void reader.cancel();
              controller.close();
            };
          },
          async pull(controller) {
            const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
            if (closed) return;
            if (chunk.done) controller.close();
            else controller.enqueue(chunk.value);
          },
        });
        return new Response(body, { status: response.status, headers: response.headers });
      },
    });
    const seen: number[] = [];
    for (const name of ['task_started', 'task_progress', 'chunk_started', 'token_stream', 'chunk_completed', 'task_completed']) {
      source.addEventListener(name, (event) => seen.push(Number(event.lastEventId)));
    }
    runner.release(created.stream_id, 4);
    await waitUntil(() => seen.length === 4, 'four events');
    cut?.();
    runner.release(created.stream_id, N);
    await waitUntil(() => source.readyState === EventSource.CLOSED, 'the EventSource to close');
    expect(seen).toEqual(range(1, N));
    expect(lastEventIds.slice(0, 2)).toEqual([null, '4']);
  });

  it('writes the events appended in one event-loop turn in one write', async () => {
    let ctxOf: RunContext | undefined;
    let proceed: () => void = () => undefined;
    const runner: Runner = {
      async run(ctx) {
        ctxOf = ctx;
        await new Promise<void>((resolve) => {
          proceed = resolve;
        });
        // Emitted back to back without waiting for each to be stored.
        const all = scriptedEvents({ tokens: 20 }).map((event) => ctx.emit(event));
        await Promise.all(all);
      },
    };
    const server = await serve({ runner });
    let writes = 0;
    server.httpServer.on('request', (_req, res) => {
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      res.write = ((...args: unknown[]) => {
        writes += 1;
        return write(...args);
      }) as typeof res.write;
    });
    const created = await createStream(server);
    const subscription = await subscribe(server.url + created.events_url);
    await waitUntil(() => ctxOf !== undefined && server.manager.counts().live === 1, 'the run to start');
    await waitUntil(() => writes === 1, 'the retry frame');
    proceed();
    const messages = await subscription.untilTerminal();
    expect(ids(messages)).toEqual(range(1, scriptedEvents({ tokens: 20 }).length));
    // One write for `retry:`, one for the whole burst.
    expect(writes).toBe(2);
  });
});

describe('status and list', () => {
  it('reports the state as the run goes, and lists newest first', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const first = await createStream(server, { task: 'first' });
    const second = await createStream(server, { task: 'second' });
    runner.release(first.stream_id, 3);
    await waitUntil(async () => (await server.manager.get(first.stream_id))?.last_event_id === 3, 'three events');
    const status = (await (await fetch(server.url + first.status_url)).json()) as StreamState;
    expect(status).toMatchObject({
      stream_id: first.stream_id,
      task: 'first',
      status: 'running',
      total_chunks: 1,
      chunks_completed: 0,
      current_agent: 'Coder',
      current_stage: 'coder',
      estimated_time: 1,
      estimated_cost: 0,
      last_event_id: 3,
      result: null,
      error_message: null,
    });
    runner.release(first.stream_id, N);
    await server.manager.whenSettled(first.stream_id);
    const done = (await (await fetch(server.url + first.status_url)).json()) as StreamState;
    expect(done).toMatchObject({ status: 'completed', result: 'tok1 tok2 tok3 tok4 tok5 ', last_event_id: N });
    const list = (await (await fetch(`${server.url}/api/streams`)).json()) as { streams: StreamState[] };
    expect(list.streams.map((item) => item.task)).toEqual(['second', 'first']);
    const limited = (await (await fetch(`${server.url}/api/streams?limit=1`)).json()) as { streams: StreamState[] };
    expect(limited.streams.map((item) => item.stream_id)).toEqual([second.stream_id]);
  });

  it('answers /healthz with counters', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, maxStreams: 7, maxConnections: 9 });
    const created = await createStream(server);
    const subscription = await subscribe(server.url + created.events_url);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { uptime_seconds: unknown };
    expect(health).toMatchObject({
      status: 'ok',
      streams: { live: 1, total: 1, max: 7 },
      connections: { sse: 1, max: 9 },
    });
    expect(typeof health.uptime_seconds).toBe('number');
    subscription.close();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, ids, range, readSse, serve, subscribe, waitUntil } from './server-harness.js';

afterEach(closeServers);

const N = scriptedEvents().length;

describe('cancel', () => {
  for (const [method, path] of [
    ['POST', (id: string) => `/api/stream/${id}/cancel`],
    ['DELETE', (id: string) => `/api/stream/${id}`],
  ] as const) {
    it(`${method} stops the run and ends subscribers with E_CANCELLED`, async () => {
      const runner = new ScriptedRunner({ pace: 'manual' });
      const server = await serve({ runner });
      const created = await createStream(server);
      const subscription = await subscribe(server.url + created.events_url);
      runner.release(created.stream_id, 3);
      expect(ids([(await subscription.next())!, (await subscription.next())!, (await subscription.next())!])).toEqual([1, 2, 3]);
      const response = await fetch(server.url + path(created.stream_id), { method });
      expect(response.status).toBe(200);
      expect(((await response.json()) as StreamState).status).toBe('cancelled');
      const rest = await subscription.untilTerminal();
      expect(rest.map((message) => message.event.event)).toEqual(['task_error']);
      expect(rest[0]?.event.data).toMatchObject({ code: 'E_CANCELLED', seq: 4 });
      expect(await subscription.next()).toBeUndefined();
      const signal = runner.contexts[0]!.signal;
      expect(signal.aborted).toBe(true);
      expect((signal.reason as CorchError).code).toBe('E_CANCELLED');
      const status = (await (await fetch(server.url + created.status_url)).json()) as StreamState;
      expect(status).toMatchObject({ status: 'cancelled', last_event_id: 4 });
      // A reconnect after the end with the final id: nothing more to send.
      expect((await fetch(server.url + created.events_url, { headers: { 'Last-Event-ID': '4' } })).status).toBe(204);
    });
  }

  it('leaves a finished stream as it was', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const response = await fetch(`${server.url}/api/stream/${created.stream_id}/cancel`, { method: 'POST' });
    expect(((await response.json()) as StreamState).status).toBe('completed');
  });
});

describe('run failures', () => {
  it('keeps what was streamed and appends the error', async () => {
    const runner = new ScriptedRunner({
      failAfter: 4,
      failWith: new CorchError('E_PROVIDER_UNAVAILABLE', 'provider down', { retryable: true }),
    });
    const server = await serve({ runner });
    const created = await createStream(server);
    const read = await readSse(server.url + created.events_url);
    expect(read.messages.map((message) => message.event.event)).toEqual([
      'task_started',
      'task_progress',
      'chunk_started',
      'token_stream',
      'task_error',
    ]);
    expect(read.messages.at(-1)?.event.data).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', error: 'provider down', retryable: true });
    const status = (await (await fetch(server.url + created.status_url)).json()) as StreamState;
    expect(status).toMatchObject({ status: 'error', error_message: 'provider down' });
  });

  it('ends a run that returned without a terminal event with E_RUN_FAILED', async () => {
    const server = await serve({ runner: new ScriptedRunner({ script: () => scriptedEvents({ terminal: false }) }) });
    const created = await createStream(server);
    const read = await readSse(server.url + created.events_url);
    expect(read.messages.at(-1)?.event.data).toMatchObject({ code: 'E_RUN_FAILED' });
  });
});

describe('retention', () => {
  it('keeps a finished stream for the TTL, then answers 404', async () => {
    const clock = new ManualClock();
    const server = await serve({ clock, ttlSeconds: 3600 });
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    clock.advance(3600 * 1000 - 1);
    expect((await fetch(server.url + created.status_url)).status).toBe(200);
    expect(ids((await readSse(server.url + created.events_url)).messages)).toEqual(range(1, N));
    clock.advance(1);
    expect((await fetch(server.url + created.status_url)).status).toBe(404);
    expect((await fetch(server.url + created.events_url)).status).toBe(404);
    const list = (await (await fetch(`${server.url}/api/streams`)).json()) as { streams: StreamState[] };
    expect(list.streams).toEqual([]);
  });

  it('keeps a running stream whatever the time', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner, ttlSeconds: 1, heartbeatSeconds: 3600 });
    const created = await createStream(server);
    clock.advance(10 * 3600 * 1000);
    expect((await fetch(server.url + created.status_url)).status).toBe(200);
  });
});

describe('caps', () => {
  it('answers 503 with Retry-After and a JSON error at the stream cap', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, maxStreams: 2 });
    const first = await createStream(server);
    await createStream(server);
    const refused = await fetch(`${server.url}/api/stream/task`, {
      method: 'POST',
      body: '{"task":"t"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'E_TOO_MANY_STREAMS' } });
    // Finished streams do not count.
    await fetch(`${server.url}/api/stream/${first.stream_id}/cancel`, { method: 'POST' });
    expect(
      (await fetch(`${server.url}/api/stream/task`, { method: 'POST', body: '{"task":"t"}', headers: { 'content-type': 'application/json' } })).status,
    ).toBe(201);
  });

  it('answers 503 at the SSE connection cap while /healthz and JSON routes still answer', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, maxConnections: 2 });
    const created = await createStream(server);
    const a = await subscribe(server.url + created.events_url);
    const b = await subscribe(server.url + created.events_url);
    const refused = await fetch(server.url + created.events_url);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'E_TOO_MANY_CONNECTIONS' } });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ connections: { sse: 2, max: 2 } });
    expect((await fetch(server.url + created.status_url)).status).toBe(200);
    a.close();
    await waitUntil(async () => {
      const again = await fetch(server.url + created.events_url);
      await again.body?.cancel();
      return again.status === 200;
    }, 'a free connection slot');
    b.close();
  });
});

describe('heartbeats', () => {
  it('sends a comment and a live-only heartbeat event every interval, with no id', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner, heartbeatSeconds: 15 });
    const created = await createStream(server);
    runner.release(created.stream_id, 3);
    await waitUntil(async () => (await server.manager.get(created.stream_id))?.last_event_id === 3, 'three events');
    const subscription = await subscribe(server.url + created.events_url);
    for (let i = 0; i < 3; i += 1) await subscription.next();

    // Just short of the interval: the next thing to arrive is the event released afterwards, not a heartbeat.
    clock.advance(14_000);
    runner.release(created.stream_id, 1);
    expect((await subscription.next())?.id).toBe('4');

    clock.advance(1000);
    const heartbeat = await subscription.next();
    expect(heartbeat?.id).toBeUndefined();
    expect(heartbeat?.event.event).toBe('heartbeat');
    expect(heartbeat?.event.data).toMatchObject({
      stream_id: created.stream_id,
      seq: 4,
      status: 'running',
      current_agent: 'Coder',
    });
    expect(subscription.comments).toContain('keep-alive');

    clock.advance(15_000);
    const second = await subscription.next();
    expect(second?.event.event).toBe('heartbeat');
    // Event 4 was stored at 14 s; this heartbeat goes out at 30 s.
    expect(second?.event.data).toMatchObject({ idle_ms: 16_000 });

    // Heartbeats are not stored: a replay has only the stored events.
    runner.release(created.stream_id, N);
    await server.manager.whenSettled(created.stream_id);
    expect(ids((await readSse(server.url + created.events_url)).messages)).toEqual(range(1, N));
    subscription.close();
  });

  it('spreads connections over the interval instead of beating them all in one tick', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner, heartbeatSeconds: 16 });
    const created = await createStream(server);
    const first = await subscribe(server.url + created.events_url);
    clock.advance(8000);
    const second = await subscribe(server.url + created.events_url);
    // 16 s after the first connected: only the first is due.
    clock.advance(8000);
    expect((await first.next())?.event.event).toBe('heartbeat');
    runner.release(created.stream_id, 1);
    expect((await second.next())?.id).toBe('1');
    clock.advance(8000);
    expect((await second.next())?.event.event).toBe('heartbeat');
    first.close();
    second.close();
  });
});

describe('shutdown', () => {
  it('cancels running runs with E_SHUTDOWN, ends subscribers, and resolves promptly', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const created = await createStream(server);
    const subscription = await subscribe(server.url + created.events_url);
    runner.release(created.stream_id, 2);
    const started = Date.now();
    const closing = server.close('shutdown');
    const messages = await subscription.untilTerminal();
    await closing;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ids(messages)).toEqual(range(1, messages.length));
    expect(messages.at(-1)?.event.data).toMatchObject({ code: 'E_SHUTDOWN' });
    expect((runner.contexts[0]!.signal.reason as CorchError).code).toBe('E_SHUTDOWN');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    // Closing twice is harmless.
    await server.close('shutdown');
  });
});

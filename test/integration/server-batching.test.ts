import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, ids, range, readSse, serve, subscribe, waitUntil } from './server-harness.js';

afterEach(closeServers);

/** Events in the default script: started, progress, chunk, 5 tokens, chunk done, completed. */
const N = scriptedEvents().length;

/** Counts the writes of every response the server sends from now on. */
function countWrites(server: RunningServer): { readonly count: number } {
  const counter = { count: 0 };
  server.httpServer.on('request', (_req, res: ServerResponse) => {
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      counter.count += 1;
      return write(...args);
    }) as typeof res.write;
  });
  return counter;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('GET /api/stream/events/{id}?batch_ms=', () => {
  it('refuses anything but one integer 0–1000 with 400 E_INVALID_REQUEST', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const created = await createStream(server);
    const url = server.url + created.events_url;
    for (const bad of ['abc', '-1', '1001', '1.5', '1e2', '', '+5', ' 5', '10000', '0x10', '5&batch_ms=6']) {
      const response = await fetch(`${url}?batch_ms=${bad}`);
      expect(response.status, `batch_ms=${bad}`).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('E_INVALID_REQUEST');
      expect(body.error.message).toMatch(/`batch_ms` must be an integer 0–1000/);
    }
  });

  it('accepts 0 and 1000; 0 sends every event as it comes', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    for (const ok of ['0', '1000']) {
      const read = await readSse(`${server.url + created.events_url}?batch_ms=${ok}`);
      expect(read.status).toBe(200);
      expect(ids(read.messages)).toEqual(range(1, N));
    }
  });

  it('writes at once after a quiet window, then at most once per window, with the held events together', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner });
    const writes = countWrites(server);
    const created = await createStream(server);
    const subscription = await subscribe(`${server.url + created.events_url}?batch_ms=100`);
    await waitUntil(() => writes.count === 1, 'the retry frame');

    // Leading edge: nothing was written for longer than the window, so event 1 leaves at once.
    runner.release(created.stream_id, 1);
    expect(ids([(await subscription.next())!])).toEqual([1]);
    expect(writes.count).toBe(2);

    // Within the window: held, however many arrive, until last write + 100 ms.
    runner.release(created.stream_id, 2);
    await waitUntil(async () => (await server.manager.get(created.stream_id))?.last_event_id === 3, 'events 2 and 3');
    clock.advance(60);
    runner.release(created.stream_id, 1);
    await waitUntil(async () => (await server.manager.get(created.stream_id))?.last_event_id === 4, 'event 4');
    await settle();
    expect(writes.count).toBe(2);
    clock.advance(40);
    expect(ids([(await subscription.next())!, (await subscription.next())!, (await subscription.next())!])).toEqual([2, 3, 4]);
    expect(writes.count).toBe(3);

    // Quiet for longer than the window again: the next event goes out at once.
    clock.advance(101);
    runner.release(created.stream_id, 1);
    expect(ids([(await subscription.next())!])).toEqual([5]);
    expect(writes.count).toBe(4);
    subscription.close();
  });

  it('holds the terminal event no longer than the window, then ends the response', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner });
    const writes = countWrites(server);
    const created = await createStream(server);
    const subscription = await subscribe(`${server.url + created.events_url}?batch_ms=250`);
    runner.release(created.stream_id, 1);
    expect(ids([(await subscription.next())!])).toEqual([1]);
    runner.release(created.stream_id, N);
    await server.manager.whenSettled(created.stream_id);
    await settle();
    expect(writes.count).toBe(2);
    clock.advance(250);
    const rest = await subscription.untilTerminal();
    expect(ids(rest)).toEqual(range(2, N));
    expect(rest.at(-1)?.event.event).toBe('task_completed');
    // Everything held went out in one write, and the response ended after it.
    expect(writes.count).toBe(3);
    expect(await subscription.next()).toBeUndefined();
  });

  it('with real timers, delivers a paced run whole and in order, in fewer writes than events', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 5, script: () => scriptedEvents({ tokens: 40 }) }) });
    const writes = countWrites(server);
    const created = await createStream(server);
    const started = Date.now();
    const read = await readSse(`${server.url + created.events_url}?batch_ms=50`);
    const total = scriptedEvents({ tokens: 40 }).length;
    expect(ids(read.messages)).toEqual(range(1, total));
    // About 46 events over ≥ 230 ms: one write per 50 ms window (plus the leading edge and `retry:`).
    expect(writes.count).toBeLessThan(total / 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * total - 50);
  });

  it('replays the log at once, whatever the window', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const started = Date.now();
    const read = await readSse(`${server.url + created.events_url}?batch_ms=1000&last_event_id=2`);
    expect(ids(read.messages)).toEqual(range(3, N));
    expect(Date.now() - started).toBeLessThan(900);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { closeServers, createStream, serve, subscribe, waitUntil } from './server-harness.js';

afterEach(closeServers);

/** Open SSE responses, as /healthz reports them. */
async function openStreams(server: RunningServer): Promise<number> {
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connections: { sse: number } };
  return health.connections.sse;
}

/** A server whose runs wait for the test to release events, on a clock the test moves. */
async function setup(graceSeconds?: number) {
  const clock = new ManualClock();
  const runner = new ScriptedRunner({ pace: 'manual' });
  const server = await serve({
    runner,
    clock,
    // The test moves the clock by minutes; idle pooled client sockets are not what it is about.
    firstRequestTimeoutMs: 24 * 3_600_000,
    ...(graceSeconds === undefined ? {} : { disconnectGraceSeconds: graceSeconds }),
  });
  return { clock, runner, server };
}

describe('on_disconnect', () => {
  it('"cancel": a run whose last subscriber left is cancelled after the grace period, with E_CANCELLED', async () => {
    const { clock, runner, server } = await setup();
    const { stream_id, events_url } = await createStream(server, { task: 't', on_disconnect: 'cancel' });
    runner.release(stream_id, 2);
    const watcher = await subscribe(server.url + events_url);
    expect((await watcher.next())?.event.event).toBe('task_started');
    watcher.close();
    await waitUntil(async () => (await openStreams(server)) === 0, 'the subscriber to leave');
    clock.advance(29_999);
    expect((await server.manager.get(stream_id))?.status).not.toBe('cancelled');
    clock.advance(1);
    await server.manager.whenSettled(stream_id);
    const state = await server.manager.get(stream_id);
    expect(state?.status).toBe('cancelled');
    expect(state?.error_message).toMatch(/nobody watched the run for 30 s .*on_disconnect: "cancel"/);
    const events = await server.manager.store.read(stream_id, 0, 100);
    expect(events.at(-1)?.event).toMatchObject({ event: 'task_error', data: { code: 'E_CANCELLED' } });
  });

  it('"cancel": a subscriber coming back within the grace period keeps the run going', async () => {
    const { clock, runner, server } = await setup(5);
    const { stream_id, events_url } = await createStream(server, { task: 't', on_disconnect: 'cancel' });
    const first = await subscribe(server.url + events_url);
    first.close();
    await waitUntil(async () => (await openStreams(server)) === 0, 'the subscriber to leave');
    clock.advance(4000);
    const second = await subscribe(server.url + events_url);
    await waitUntil(async () => (await openStreams(server)) === 1, 'the second subscriber');
    clock.advance(60_000);
    runner.release(stream_id, 1000);
    const messages = await second.untilTerminal();
    expect(messages.at(-1)?.event.event).toBe('task_completed');
  });

  it('"cancel": a run nobody ever subscribes to is cancelled after the grace period', async () => {
    const { clock, server } = await setup(2);
    const { stream_id } = await createStream(server, { task: 't', on_disconnect: 'cancel' });
    clock.advance(2000);
    await server.manager.whenSettled(stream_id);
    expect((await server.manager.get(stream_id))?.status).toBe('cancelled');
  });

  it('"continue" (the default): a run nobody watches runs to the end', async () => {
    const { clock, runner, server } = await setup(1);
    const { stream_id, events_url } = await createStream(server, { task: 't' });
    const watcher = await subscribe(server.url + events_url);
    watcher.close();
    await waitUntil(async () => (await openStreams(server)) === 0, 'the subscriber to leave');
    clock.advance(3_600_000);
    runner.release(stream_id, 1000);
    await server.manager.whenSettled(stream_id);
    expect((await server.manager.get(stream_id))?.status).toBe('completed');
  });
});

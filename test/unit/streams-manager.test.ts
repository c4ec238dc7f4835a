import { describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import type { StoredEvent } from '../../src/protocol/events.js';
import { StreamManager } from '../../src/streams/stream-manager.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';

async function events(manager: StreamManager, id: string): Promise<StoredEvent[]> {
  return (await manager.store.read(id, 0, 10_000)).map((entry) => entry.event);
}

describe('StreamManager', () => {
  it('numbers events 1.. and keeps the state current', async () => {
    const runner = new ScriptedRunner();
    const manager = new StreamManager({ runner, clock: new ManualClock() });
    const created = await manager.create({ task: 'build it' });
    expect(created.status).toBe('initializing');
    await manager.whenSettled(created.stream_id);
    const log = await events(manager, created.stream_id);
    expect(log.map((event) => event.data.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.every((event) => event.data.stream_id === created.stream_id)).toBe(true);
    expect(log.every((event) => event.data.timestamp === '2025-01-01T00:00:00.000Z')).toBe(true);
    expect(log.at(-1)?.event).toBe('task_completed');
    const state = await manager.get(created.stream_id);
    expect(state).toMatchObject({
      status: 'completed',
      task: 'build it',
      total_chunks: 1,
      chunks_completed: 1,
      estimated_time: 1,
      result: 'tok1 tok2 tok3 tok4 tok5 ',
      last_event_id: log.length,
      current_agent: null,
    });
    expect(manager.counts()).toEqual({ live: 0, total: 1 });
  });

  it('serialises a frame once, with the envelope first', async () => {
    const manager = new StreamManager({ runner: new ScriptedRunner(), clock: new ManualClock() });
    const { stream_id } = await manager.create({ task: 't' });
    await manager.whenSettled(stream_id);
    const [first] = await manager.store.read(stream_id, 0, 1);
    expect(first?.frame).toMatch(new RegExp(`^id: 1\nevent: task_started\ndata: \\{"stream_id":"${stream_id}","seq":1,`));
  });

  it('tracks the current agent while running', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const manager = new StreamManager({ runner });
    const { stream_id } = await manager.create({ task: 't' });
    runner.release(stream_id, 3);
    await waitFor(async () => (await manager.get(stream_id))?.last_event_id === 3);
    expect(await manager.get(stream_id)).toMatchObject({ status: 'running', current_agent: 'Coder', current_stage: 'coder' });
    await manager.cancel(stream_id);
  });

  it("a cancel names the interrupted stage in task_error.stage; a shutdown too, and both are 'cancelled'", async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const manager = new StreamManager({ runner });
    const a = await manager.create({ task: 'a' });
    const b = await manager.create({ task: 'b' });
    runner.release(a.stream_id, 3);
    runner.release(b.stream_id, 3);
    await waitFor(async () => (await manager.get(b.stream_id))?.last_event_id === 3);
    await manager.cancel(a.stream_id);
    expect((await events(manager, a.stream_id)).at(-1)?.data).toMatchObject({ code: 'E_CANCELLED', stage: 'coder' });
    await manager.shutdown();
    expect((await events(manager, b.stream_id)).at(-1)?.data).toMatchObject({ code: 'E_SHUTDOWN', stage: 'coder' });
    expect(await manager.get(b.stream_id)).toMatchObject({ status: 'cancelled' });
  });

  it('turns a thrown error into task_error after what was already emitted', async () => {
    const runner = new ScriptedRunner({
      failAfter: 3,
      failWith: new CorchError('E_PROVIDER_RATE_LIMIT', 'rate limited', { retryable: true, details: { stage: 'coder' } }),
    });
    const manager = new StreamManager({ runner });
    const { stream_id } = await manager.create({ task: 't' });
    await manager.whenSettled(stream_id);
    const log = await events(manager, stream_id);
    expect(log.map((event) => event.event)).toEqual(['task_started', 'task_progress', 'chunk_started', 'task_error']);
    expect(log[3]?.data).toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT', error: 'rate limited', retryable: true, stage: 'coder' });
    expect(await manager.get(stream_id)).toMatchObject({ status: 'error', error_message: 'rate limited' });
  });

  it('turns a plain Error into E_RUN_FAILED', async () => {
    const manager = new StreamManager({ runner: new ScriptedRunner({ failAfter: 0, failWith: new Error('boom') }) });
    const { stream_id } = await manager.create({ task: 't' });
    await manager.whenSettled(stream_id);
    expect((await events(manager, stream_id)).at(-1)?.data).toMatchObject({ code: 'E_RUN_FAILED', error: 'boom' });
  });

  it('ends a run that returned without a terminal event with E_RUN_FAILED', async () => {
    const manager = new StreamManager({ runner: new ScriptedRunner({ script: () => scriptedEvents({ terminal: false }) }) });
    const { stream_id } = await manager.create({ task: 't' });
    await manager.whenSettled(stream_id);
    const last = (await events(manager, stream_id)).at(-1);
    expect(last?.event).toBe('task_error');
    expect(last?.data).toMatchObject({ code: 'E_RUN_FAILED' });
  });

  it('cancels: aborts the signal with a CorchError, appends E_CANCELLED, drops later emits', async () => {
    const runner = new ScriptedRunner({ pace: 'manual', ignoreAbort: true });
    const manager = new StreamManager({ runner });
    const { stream_id } = await manager.create({ task: 't' });
    runner.release(stream_id, 2);
    await waitFor(async () => (await manager.get(stream_id))?.last_event_id === 2);
    const state = await manager.cancel(stream_id);
    expect(state).toMatchObject({ status: 'cancelled', last_event_id: 3 });
    const ctx = runner.contexts[0]!;
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBeInstanceOf(CorchError);
    expect((ctx.signal.reason as CorchError).code).toBe('E_CANCELLED');
    // The runner ignores the abort and emits the rest of its script, terminal included: all dropped.
    runner.release(stream_id, 100);
    await manager.whenSettled(stream_id);
    const log = await events(manager, stream_id);
    expect(log.map((event) => event.event)).toEqual(['task_started', 'task_progress', 'task_error']);
    expect(log[2]?.data).toMatchObject({ code: 'E_CANCELLED' });
    // Cancelling again changes nothing.
    expect(await manager.cancel(stream_id)).toMatchObject({ status: 'cancelled', last_event_id: 3 });
    expect(await manager.cancel('missing')).toBeUndefined();
  });

  it('caps running streams, counting those still in prepare', async () => {
    let releasePrepare: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      releasePrepare = resolve;
    });
    const runner = new ScriptedRunner({ pace: 'manual', prepare: () => gate });
    const manager = new StreamManager({ runner, maxStreams: 2 });
    const first = manager.create({ task: 'a' });
    const second = manager.create({ task: 'b' });
    await expect(manager.create({ task: 'c' })).rejects.toMatchObject({ code: 'E_TOO_MANY_STREAMS', status: 503 });
    releasePrepare();
    const [a] = await Promise.all([first, second]);
    await expect(manager.create({ task: 'c' })).rejects.toMatchObject({ code: 'E_TOO_MANY_STREAMS' });
    await manager.cancel(a.stream_id);
    await expect(manager.create({ task: 'c' })).resolves.toMatchObject({ task: 'c' });
    await manager.shutdown();
  });

  it('creates nothing when prepare rejects the request', async () => {
    const runner = new ScriptedRunner({
      prepare: async () => {
        throw new CorchError('E_INVALID_REQUEST', 'unknown provider "nope"');
      },
    });
    const manager = new StreamManager({ runner });
    await expect(manager.create({ task: 't', provider: 'nope' })).rejects.toMatchObject({ code: 'E_INVALID_REQUEST' });
    expect(await manager.list()).toEqual([]);
    expect(manager.counts()).toEqual({ live: 0, total: 0 });
  });

  it('shuts down: every running stream ends with E_SHUTDOWN, new ones are refused', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const manager = new StreamManager({ runner });
    const a = await manager.create({ task: 'a' });
    const b = await manager.create({ task: 'b' });
    await manager.shutdown();
    for (const id of [a.stream_id, b.stream_id]) {
      expect((await events(manager, id)).at(-1)?.data).toMatchObject({ code: 'E_SHUTDOWN' });
      expect(await manager.get(id)).toMatchObject({ status: 'cancelled' });
    }
    await expect(manager.create({ task: 'c' })).rejects.toMatchObject({ code: 'E_SHUTDOWN', status: 503 });
  });

  it('expires a finished stream after the TTL', async () => {
    const clock = new ManualClock();
    const manager = new StreamManager({ runner: new ScriptedRunner(), clock, ttlSeconds: 60 });
    const { stream_id } = await manager.create({ task: 't' });
    await manager.whenSettled(stream_id);
    clock.advance(59_999);
    expect(await manager.get(stream_id)).toBeDefined();
    clock.advance(1);
    expect(await manager.get(stream_id)).toBeUndefined();
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not met');
}

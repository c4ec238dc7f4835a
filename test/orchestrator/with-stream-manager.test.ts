import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/orchestrator/index.js';
import type { StoredEvent } from '../../src/protocol/events.js';
import type { TaskRequest } from '../../src/protocol/task-request.js';
import { createSimulatedProvider } from '../../src/providers/simulated.js';
import { StreamManager } from '../../src/streams/stream-manager.js';

// The orchestrator behind the real StreamManager: the task_error it appends from a thrown error, and cancel.
let manager: StreamManager | undefined;

afterEach(async () => {
  await manager?.shutdown();
  manager = undefined;
});

function start(): StreamManager {
  const runner = createRunner({
    env: {},
    resolveProvider: async ({ providerOptions }) => ({
      provider: createSimulatedProvider(providerOptions),
      reason: 'no provider key was found, so the offline simulated provider is used',
    }),
  });
  manager = new StreamManager({ runner });
  return manager;
}

async function log(m: StreamManager, id: string): Promise<StoredEvent[]> {
  return (await m.store.read(id, 0, 100_000)).map((entry) => entry.event);
}

describe('the orchestrator in a StreamManager', () => {
  it('a finished run stores every event once, in order, with the result in the state', async () => {
    const m = start();
    const { stream_id } = await m.create({ task: 'a rate limiter', provider_options: { tokens_per_second: 0, burst: 8 } });
    await m.whenSettled(stream_id);
    const events = await log(m, stream_id);
    expect(events.map((e) => e.data.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.event).toBe('task_started');
    expect(events.at(-1)?.event).toBe('task_completed');
    const state = await m.get(stream_id);
    expect(state).toMatchObject({ status: 'completed', total_chunks: 6, chunks_completed: 6, actual_cost: 0 });
    expect(state?.result).toContain('```');
  });

  it('a stage failure ends the stream with task_error carrying code, stage and retryable', async () => {
    const m = start();
    const request: TaskRequest = {
      task: 'a rate limiter',
      provider_options: { tokens_per_second: 0, fail_stage: 'coder', fail_after_tokens: 4, fail_retryable: true },
    };
    const { stream_id } = await m.create(request);
    await m.whenSettled(stream_id);
    const events = await log(m, stream_id);
    const last = events.at(-1)!;
    expect(last.event).toBe('task_error');
    expect(last.data).toMatchObject({ code: 'E_SIMULATED_FAILURE', stage: 'coder', retryable: true });
    expect(events.filter((e) => e.event === 'chunk_completed').map((e) => e.data.stage)).toEqual(['architect']);
    expect(events.at(-2)?.event).toBe('token_stream');
    expect((await m.get(stream_id))?.status).toBe('error');
  });

  it('cancel ends the stream with E_CANCELLED and nothing after it', async () => {
    const m = start();
    const { stream_id } = await m.create({ task: 'a rate limiter', provider_options: { tokens_per_second: 500 } });
    // Wait until the coder is streaming, then cancel.
    for (;;) {
      const events = await log(m, stream_id);
      if (events.some((e) => e.event === 'token_stream' && e.data.stage === 'coder')) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await m.cancel(stream_id);
    await m.whenSettled(stream_id);
    const events = await log(m, stream_id);
    expect(events.at(-1)?.event).toBe('task_error');
    expect(events.at(-1)?.data).toMatchObject({ code: 'E_CANCELLED' });
    expect(events.filter((e) => e.event === 'task_error')).toHaveLength(1);
    expect(events.some((e) => e.event === 'chunk_completed' && e.data.stage === 'coder')).toBe(false);
  });

  it('a bad request is refused before any stream exists', async () => {
    const m = start();
    await expect(m.create({ task: 'x', stages: { coder: { max_tokens: -1 } } })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      status: 400,
    });
    await expect(m.create({ task: 'x', provider_options: { warp_speed: 9 } })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: expect.stringContaining('warp_speed'),
    });
    expect(await m.list()).toEqual([]);
  });
});

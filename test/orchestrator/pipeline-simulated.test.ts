import { describe, expect, it } from 'vitest';
import { SIMULATED_LABEL as SIMULATED_NOTICE } from '../../src/protocol/index.js';
import { CorchError } from '../../src/protocol/errors.js';
import type { TaskRequest } from '../../src/protocol/task-request.js';
import { createSimulatedProvider } from '../../src/providers/simulated.js';
import type { LlmProvider } from '../../src/providers/types.js';
import { harness, ofType, outline, runnerWith, runToEnd, tokensByChunk } from './harness.js';

const TASK = 'Build a rate limiter for an HTTP API';

/** The simulated provider for a request's provider_options, as the server would create it. */
function simulatedFor(request: TaskRequest): LlmProvider {
  return createSimulatedProvider(request.provider_options);
}

/** Wraps a provider to observe each request's signal and whether its stream was closed. */
function observed(provider: LlmProvider) {
  const calls: { stage: string | undefined; signal: AbortSignal; closed: boolean }[] = [];
  const wrapped: LlmProvider = {
    ...provider,
    stream(request, options) {
      const call = { stage: request.stage, signal: options.signal, closed: false };
      calls.push(call);
      const inner = provider.stream(request, options);
      return (async function* () {
        try {
          yield* inner;
        } finally {
          call.closed = true;
        }
      })();
    },
  };
  return { provider: wrapped, calls };
}

function stagesOf(events: ReturnType<typeof ofType<'chunk_started'>>) {
  return events.map((c) => `${c.stage}${c.iteration || ''}`).join(' ');
}

describe('with the simulated provider', () => {
  it.each([
    [0, 'architect coder reviewer1 documenter', 4],
    [1, 'architect coder reviewer1 refiner1 reviewer2 documenter', 6],
    [3, 'architect coder reviewer1 refiner1 reviewer2 refiner2 reviewer3 refiner3 reviewer4 documenter', 10],
  ])('review_rounds %i runs %s', async (rounds, stages, total) => {
    const request: TaskRequest = { task: TASK, provider: 'simulated', provider_options: { tokens_per_second: 0, review_rounds: rounds, burst: 16 } };
    const { events, error } = await runToEnd(simulatedFor(request), request);
    expect(error).toBeUndefined();
    expect(stagesOf(ofType(events, 'chunk_started'))).toBe(stages);
    const progress = ofType(events, 'task_progress');
    expect(progress[0]).toMatchObject({ reason: 'plan', total_chunks: 6, estimated_cost: 0, actual_cost: 0 });
    expect(progress.at(-1)).toMatchObject({ total_chunks: total, chunks_completed: total });
    expect(progress.filter((p) => p.reason === 'round_added')).toHaveLength(Math.max(0, rounds - 1));
    const done = ofType(events, 'task_completed')[0]!;
    expect(done.metrics).toMatchObject({ refine_rounds: rounds, total_chunks: total, cost: 0, code_quality_score: 9 });
    expect(done.result).toBe(rounds > 0 ? done.outputs.refiner : done.outputs.coder);
    expect(done.result).toContain('```');
    expect(outline(events).at(-1)).toBe('task_completed');
  });

  it('is labelled simulated wherever it is used', async () => {
    const request: TaskRequest = { task: TASK, provider_options: { tokens_per_second: 0 } };
    const { events } = await runToEnd(simulatedFor(request), request);
    expect(ofType(events, 'task_started')[0]).toMatchObject({ provider: 'simulated', model: 'simulated', simulated: true, notice: SIMULATED_NOTICE });
    // Not asked for by name: the fallback is worth a warning.
    expect(ofType(events, 'system_message')[0]).toEqual({
      message: `Provider simulated: picked by the test (${SIMULATED_NOTICE}).`,
      level: 'warn',
    });
  });

  it('coalescing loses no text: each chunk’s token_streams join to its output', async () => {
    const request: TaskRequest = { task: TASK, provider_options: { tokens_per_second: 0, burst: 7, review_rounds: 2 } };
    const { events } = await runToEnd(simulatedFor(request), request);
    const joined = tokensByChunk(events);
    const completed = ofType(events, 'chunk_completed');
    expect(completed).toHaveLength(8);
    for (const c of completed) {
      expect(c.output.length).toBeGreaterThan(0);
      expect(joined.get(c.chunk_number)).toBe(c.output);
      expect(c.usage.output_tokens).toBeGreaterThan(0);
    }
    // Bursts of 7 deltas per event-loop turn arrive as fewer, larger events.
    const tokenEvents = ofType(events, 'token_stream').length;
    const deltas = completed.reduce((n, c) => n + c.usage.output_tokens, 0);
    expect(tokenEvents).toBeLessThan(deltas / 3);
  });

  it('a failing stage ends the run with its code, stage and retryable flag, keeping earlier output', async () => {
    const request: TaskRequest = {
      task: TASK,
      provider_options: { tokens_per_second: 0, fail_stage: 'refiner', fail_after_tokens: 5, fail_retryable: true },
    };
    const { events, error } = await runToEnd(simulatedFor(request), request);
    expect(error).toBeInstanceOf(CorchError);
    expect(error).toMatchObject({ code: 'E_SIMULATED_FAILURE', retryable: true, details: { stage: 'refiner' } });
    expect(ofType(events, 'chunk_completed').map((c) => c.stage)).toEqual(['architect', 'coder', 'reviewer']);
    const partial = tokensByChunk(events).get(4) ?? '';
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(5);
    expect(events.map((e) => e.event)).not.toContain('task_completed');
  });

  it('cancel mid-token aborts the provider request at once', async () => {
    const request: TaskRequest = { task: TASK, provider_options: { tokens_per_second: 2000 } };
    const { provider, calls } = observed(simulatedFor(request));
    const h = harness(request, (event, self) => {
      if (event.event === 'token_stream' && event.data.stage === 'coder') self.cancel();
    });
    const started = performance.now();
    await expect(runnerWith(provider).run(h.ctx)).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(calls.map((c) => c.stage)).toEqual(['architect', 'coder']);
    expect(calls[1]!.signal.aborted).toBe(true);
    // Give the aborted generator a turn to unwind: it must close rather than keep writing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls[1]!.closed).toBe(true);
    expect(h.events.at(-1)?.event).toBe('token_stream');
  });

  it('a hanging stage hits the stage timeout', async () => {
    const request: TaskRequest = {
      task: TASK,
      provider_options: { tokens_per_second: 0, fail_stage: 'architect', fail_after_tokens: 3, fail_mode: 'hang' },
      budget: { stage_seconds: 0.05 },
    };
    const { events, error } = await runToEnd(simulatedFor(request), request);
    expect(error).toMatchObject({ code: 'E_STAGE_TIMEOUT', details: { stage: 'architect' } });
    expect(tokensByChunk(events).get(1)?.length).toBeGreaterThan(0);
  });

  it('estimates time from the simulated speed and revise it from the measured one', async () => {
    const request: TaskRequest = {
      task: TASK,
      provider_options: { tokens_per_second: 2000, review_rounds: 0 },
    };
    const { events } = await runToEnd(simulatedFor(request), request);
    const progress = ofType(events, 'task_progress');
    expect(progress[0]!.estimated_time).toBeGreaterThan(0);
    expect(progress.every((p) => p.estimated_cost === 0)).toBe(true);
    const actual = ofType(events, 'task_completed')[0]!.duration_ms / 1000;
    expect(Math.abs(progress.at(-1)!.estimated_time - actual)).toBeLessThan(0.5);
  });
});

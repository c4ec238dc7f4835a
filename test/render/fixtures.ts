import type { PlannedStage, StageRole, StoredEvent } from '../../src/protocol/index.js';
import { AGENT_NAMES } from '../../src/protocol/index.js';

const T0 = Date.parse('2025-01-01T12:00:00.000Z');

/** Builds a realistic stored event log for a run, with timestamps one second apart. */
export function runEvents(
  options: {
    task?: string;
    simulated?: boolean;
    outputs?: Partial<Record<StageRole, string>>;
    fail?: { stage: StageRole; code?: string; message?: string };
    streamId?: string;
  } = {},
): StoredEvent[] {
  const streamId = options.streamId ?? 'str_test';
  const plan: Array<[StageRole, number, string]> = [
    ['architect', 0, 'Design the solution'],
    ['coder', 0, 'Write the code'],
    ['reviewer', 1, 'Review the code'],
    ['refiner', 1, 'Address the review'],
    ['reviewer', 2, 'Review again'],
    ['documenter', 0, 'Write the docs'],
  ];
  const pipeline: PlannedStage[] = plan.map(([stage, iteration, description], index) => ({
    chunk_number: index + 1,
    stage,
    agent: AGENT_NAMES[stage],
    description,
    model: 'sim-1',
    iteration,
  }));
  const events: StoredEvent[] = [];
  let seq = 0;
  let clock = T0;
  const env = () => {
    seq += 1;
    clock += 1000;
    return { stream_id: streamId, seq, timestamp: new Date(clock).toISOString() };
  };
  const simulated = options.simulated ?? true;
  events.push({
    event: 'task_started',
    data: {
      ...env(),
      task: options.task ?? 'Write a fizzbuzz function',
      context: {},
      pipeline,
      provider: simulated ? 'simulated' : 'openai',
      model: simulated ? 'sim-1' : 'gpt-4o',
      simulated,
      ...(simulated ? { notice: 'simulated — no model was called' } : {}),
    },
  });
  const progress = (done: number, cost: number | null): StoredEvent => ({
    event: 'task_progress',
    data: {
      ...env(),
      total_chunks: pipeline.length,
      estimated_time: 12,
      estimated_cost: simulated ? 0 : 0.05,
      chunks_completed: done,
      actual_cost: cost,
      elapsed: done * 2,
      usage: { input_tokens: done * 100, output_tokens: done * 50 },
      reason: done === 0 ? 'plan' : 'chunk_completed',
    },
  });
  events.push(progress(0, 0));
  const outputs: Partial<Record<StageRole, string>> = {};
  for (const planned of pipeline) {
    events.push({
      event: 'chunk_started',
      data: {
        ...env(),
        chunk_number: planned.chunk_number,
        agent: planned.agent,
        stage: planned.stage,
        description: planned.description,
        total_chunks: pipeline.length,
        iteration: planned.iteration,
        model: planned.model,
      },
    });
    const text = options.outputs?.[planned.stage] ?? `${planned.agent} output line one\nand line two for chunk ${planned.chunk_number}\n`;
    if (options.fail?.stage === planned.stage) {
      events.push({
        event: 'token_stream',
        data: { ...env(), tokens: 'partial ', agent: planned.agent, chunk_number: planned.chunk_number, stage: planned.stage },
      });
      events.push({
        event: 'task_error',
        data: {
          ...env(),
          error: options.fail.message ?? 'the provider failed on purpose',
          details: null,
          code: options.fail.code ?? 'E_SIMULATED_FAILURE',
          stage: planned.stage,
          retryable: false,
        },
      });
      return events;
    }
    for (const piece of text.match(/[\s\S]{1,7}/gu) ?? []) {
      events.push({
        event: 'token_stream',
        data: { ...env(), tokens: piece, agent: planned.agent, chunk_number: planned.chunk_number, stage: planned.stage },
      });
    }
    outputs[planned.stage] = text;
    events.push({
      event: 'chunk_completed',
      data: {
        ...env(),
        chunk_number: planned.chunk_number,
        agent: planned.agent,
        output: text,
        stage: planned.stage,
        usage: { input_tokens: 100, output_tokens: 50 },
        cost: simulated ? 0 : 0.0042,
        duration_ms: 1500 + planned.chunk_number * 100,
        iteration: planned.iteration,
      },
    });
    events.push(progress(planned.chunk_number, simulated ? 0 : planned.chunk_number * 0.0042));
  }
  events.push({
    event: 'task_completed',
    data: {
      ...env(),
      result: outputs.refiner ?? outputs.coder ?? '',
      metrics: {
        total_chunks: pipeline.length,
        chunks_completed: pipeline.length,
        refine_rounds: 1,
        input_tokens: 600,
        output_tokens: 300,
        tokens_per_second: 42,
        duration_ms: 14_200,
        cost: simulated ? 0 : 0.0252,
      },
      outputs,
      usage: { input_tokens: 600, output_tokens: 300 },
      cost: simulated ? 0 : 0.0252,
      duration_ms: 14_200,
    },
  });
  return events;
}

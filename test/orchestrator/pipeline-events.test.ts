import { describe, expect, it } from 'vitest';
import { createFakeProvider, deltas, ManualClock, stageScripts } from '../helpers/fake-provider.js';
import type { LlmProvider } from '../../src/providers/types.js';
import { ofType, outline, runToEnd, tokensByChunk } from './harness.js';

const TASK = { task: 'Write a function that parses CSV lines', context: { language: 'TypeScript' } };

function chunk(stage: string, iteration = 0): string[] {
  return [`chunk_started:${stage}#${iteration}`, 'token_stream', `chunk_completed:${stage}#${iteration}`];
}

describe('pipeline event sequence', () => {
  it('0 refine rounds: the planned round is dropped after a clean first review', async () => {
    const provider = createFakeProvider({ script: stageScripts(0) });
    const { events, error } = await runToEnd(provider, TASK);
    expect(error).toBeUndefined();
    expect(outline(events)).toEqual([
      'task_started',
      'system_message',
      'task_progress:plan:6',
      ...chunk('architect'),
      'task_progress:chunk_completed:6',
      ...chunk('coder'),
      'task_progress:chunk_completed:6',
      ...chunk('reviewer', 1),
      'system_message',
      'task_progress:chunk_completed:4',
      ...chunk('documenter'),
      'task_progress:chunk_completed:4',
      'task_completed',
    ]);
    const done = ofType(events, 'task_completed')[0]!;
    expect(done.result).toBe(done.outputs.coder);
    expect(done.outputs.refiner).toBeUndefined();
    expect(done.metrics).toMatchObject({ total_chunks: 4, chunks_completed: 4, refine_rounds: 0, code_quality_score: 9 });
  });

  it('1 refine round: follows the plan', async () => {
    const provider = createFakeProvider({ script: stageScripts(1) });
    const { events, error } = await runToEnd(provider, TASK);
    expect(error).toBeUndefined();
    expect(outline(events)).toEqual([
      'task_started',
      'system_message',
      'task_progress:plan:6',
      ...chunk('architect'),
      'task_progress:chunk_completed:6',
      ...chunk('coder'),
      'task_progress:chunk_completed:6',
      ...chunk('reviewer', 1),
      'task_progress:chunk_completed:6',
      ...chunk('refiner', 1),
      'task_progress:chunk_completed:6',
      ...chunk('reviewer', 2),
      'task_progress:chunk_completed:6',
      ...chunk('documenter'),
      'task_progress:chunk_completed:6',
      'task_completed',
    ]);
    const done = ofType(events, 'task_completed')[0]!;
    expect(done.result).toBe('refiner output (iteration 1)\n```ts\nexport const x = 1;\n```');
    expect(done.metrics.refine_rounds).toBe(1);
  });

  it('3 refine rounds: each added round grows total_chunks and says so; the loop stops at 3', async () => {
    // Reviews keep finding issues through iteration 4: the fourth review is the last one anyway.
    const provider = createFakeProvider({ script: stageScripts(4) });
    const { events, error } = await runToEnd(provider, TASK);
    expect(error).toBeUndefined();
    expect(outline(events)).toEqual([
      'task_started',
      'system_message',
      'task_progress:plan:6',
      ...chunk('architect'),
      'task_progress:chunk_completed:6',
      ...chunk('coder'),
      'task_progress:chunk_completed:6',
      ...chunk('reviewer', 1),
      'task_progress:chunk_completed:6',
      ...chunk('refiner', 1),
      'task_progress:chunk_completed:6',
      ...chunk('reviewer', 2),
      'system_message',
      'task_progress:round_added:8',
      ...chunk('refiner', 2),
      'task_progress:chunk_completed:8',
      ...chunk('reviewer', 3),
      'system_message',
      'task_progress:round_added:10',
      ...chunk('refiner', 3),
      'task_progress:chunk_completed:10',
      ...chunk('reviewer', 4),
      'system_message',
      'task_progress:chunk_completed:10',
      ...chunk('documenter'),
      'task_progress:chunk_completed:10',
      'task_completed',
    ]);
    const started = ofType(events, 'chunk_started');
    expect(started.map((c) => c.chunk_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(started.at(-1)).toMatchObject({ stage: 'documenter', agent: 'Documenter', total_chunks: 10 });
    const done = ofType(events, 'task_completed')[0]!;
    expect(done.result).toContain('refiner output (iteration 3)');
    expect(done.metrics).toMatchObject({ refine_rounds: 3, total_chunks: 10, chunks_completed: 10 });
    const last = ofType(events, 'system_message').at(-1)!;
    expect(last).toMatchObject({ level: 'warn' });
    expect(last.message).toContain('after 3 refine rounds');
  });

  it('task_started carries the plan, provider and model; the system message gives the reason', async () => {
    const provider = createFakeProvider({ script: stageScripts(1) });
    const { events } = await runToEnd(provider, { ...TASK, stages: { coder: { model: 'gpt-4o-mini' } } });
    const started = ofType(events, 'task_started')[0]!;
    expect(started).toMatchObject({ task: TASK.task, context: TASK.context, provider: 'openai', model: 'gpt-4o', simulated: false });
    expect(started.notice).toBeUndefined();
    expect(started.pipeline.map((p) => `${p.chunk_number}:${p.stage}#${p.iteration}:${p.model}`)).toEqual([
      '1:architect#0:gpt-4o',
      '2:coder#0:gpt-4o-mini',
      '3:reviewer#1:gpt-4o',
      '4:refiner#1:gpt-4o',
      '5:reviewer#2:gpt-4o',
      '6:documenter#0:gpt-4o',
    ]);
    expect(ofType(events, 'system_message')[0]).toEqual({
      message: 'Provider openai: picked by the test. Requests go to http://127.0.0.1:1/v1.',
      level: 'info',
    });
    expect(provider.requests.map((r) => [r.stage, r.model, r.temperature, r.max_tokens])).toEqual([
      ['architect', 'gpt-4o', 0.7, 2000],
      ['coder', 'gpt-4o-mini', 0.5, 3000],
      ['reviewer', 'gpt-4o', 0.3, 1500],
      ['refiner', 'gpt-4o', 0.5, 3000],
      ['reviewer', 'gpt-4o', 0.3, 1500],
      ['documenter', 'gpt-4o', 0.6, 2500],
    ]);
  });

  it('each stage sees the task, the context and the earlier outputs it needs', async () => {
    const provider = createFakeProvider({ script: stageScripts(1) });
    await runToEnd(provider, TASK);
    const [architect, coder, review1, refiner, review2, documenter] = provider.requests.map((r) => r.messages[0]!.content);
    for (const prompt of [architect, coder, review1, refiner, review2, documenter]) {
      expect(prompt).toContain(TASK.task);
      expect(prompt).toContain('"language": "TypeScript"');
    }
    expect(coder).toContain('architect output');
    expect(review1).toContain('coder output');
    expect(refiner).toContain('coder output');
    expect(refiner).toContain('parse() ignores empty input');
    expect(review2).toContain('refiner output (iteration 1)');
    expect(review2).toContain('Previous review');
    expect(documenter).toContain('refiner output (iteration 1)');
    expect(documenter).not.toContain('coder output');
    expect(provider.requests[2]!.system).toContain('"issues_found"');
  });

  it('an unreadable review counts as issues found and reaches the refiner verbatim', async () => {
    const provider = createFakeProvider({
      script: (request) => {
        if (request.stage === 'reviewer' && request.iteration === 1) return { steps: deltas('Looks mostly fine but the loop is off by one.') };
        return stageScripts(0)(request);
      },
    });
    const { events } = await runToEnd(provider, TASK);
    expect(ofType(events, 'chunk_started').map((c) => c.stage)).toEqual(['architect', 'coder', 'reviewer', 'refiner', 'reviewer', 'documenter']);
    expect(provider.requests[3]!.messages[0]!.content).toContain('the loop is off by one');
    expect(ofType(events, 'system_message')[1]).toMatchObject({ level: 'warn' });
    expect(ofType(events, 'task_completed')[0]!.metrics.code_quality_score).toBe(9);
  });

  it('a review with only suggestions does not refine, even when it says issues_found: true', async () => {
    const provider = createFakeProvider({
      script: (request) => {
        if (request.stage === 'reviewer') {
          return { steps: deltas(JSON.stringify({ issues_found: true, critical_issues: [], suggestions: ['name things better'], code_quality_score: 8 })) };
        }
        return stageScripts(0)(request);
      },
    });
    const { events } = await runToEnd(provider, TASK);
    expect(ofType(events, 'chunk_started').map((c) => c.stage)).toEqual(['architect', 'coder', 'reviewer', 'documenter']);
  });

  it('each provider retry is a warning in the log: who, why, when, and which attempt', async () => {
    const inner = createFakeProvider({ script: stageScripts(0) });
    const provider: LlmProvider = {
      ...inner,
      stream(request, options) {
        if (request.stage === 'coder' && options.onRetry) {
          options.onRetry({ attempt: 1, maxAttempts: 3, delayMs: 2000, code: 'E_PROVIDER_RATE_LIMIT', message: 'Rate limit reached' });
        }
        return inner.stream(request, options);
      },
    };
    const { events } = await runToEnd(provider, TASK);
    const lines = outline(events);
    const retry = ofType(events, 'system_message').find((m) => m.level === 'warn');
    expect(retry?.message).toBe('Coder (gpt-4o): rate limited by the provider; retrying in 2.0 s (attempt 2 of 3).');
    // Said while the Coder's chunk is open, before any of its text.
    const at = events.findIndex((e) => e.event === 'system_message' && e.data.level === 'warn');
    expect(events[at - 1]).toMatchObject({ event: 'chunk_started', data: { stage: 'coder' } });
    expect(lines.at(-1)).toBe('task_completed');
  });
});

describe('token streaming', () => {
  it('loses no text: the token_streams of each chunk join to its output, across turns and bursts', async () => {
    const provider = createFakeProvider({
      script: (request, call) => ({
        // Alternate: every delta in its own turn, and everything in one burst; include multi-byte text.
        steps: deltas(`${request.stage} ✓ naïve 🚀 text ${'x'.repeat(50)}\n`, 1 + (call % 3), call % 2 === 0),
      }),
    });
    const { events } = await runToEnd(provider, TASK);
    const joined = tokensByChunk(events);
    const completed = ofType(events, 'chunk_completed');
    expect(completed.length).toBeGreaterThan(0);
    for (const c of completed) expect(joined.get(c.chunk_number)).toBe(c.output);
    // Every token_stream of a chunk comes between its chunk_started and chunk_completed.
    let open = 0;
    for (const e of events) {
      if (e.event === 'chunk_started') open = e.data.chunk_number;
      if (e.event === 'token_stream') expect(e.data.chunk_number).toBe(open);
      if (e.event === 'chunk_completed') open = 0;
    }
  });

  it('coalesces deltas of one event-loop turn into one token_stream', async () => {
    const provider = createFakeProvider({
      script: (request) => ({
        steps: request.stage === 'architect'
          ? [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { turn: true }, { text: 'd' }, { text: 'e' }]
          : stageScripts(0)(request).steps,
      }),
    });
    const { events } = await runToEnd(provider, TASK, { coalesceMs: 0 });
    const first = ofType(events, 'token_stream').filter((t) => t.chunk_number === 1);
    expect(first.map((t) => t.tokens)).toEqual(['abc', 'de']);
    expect(first[0]).toEqual({ tokens: 'abc', agent: 'Architect', chunk_number: 1, stage: 'architect' });
  });

  it("by default, merges a fast model's deltas over a few ms, across turns", async () => {
    const provider = createFakeProvider({
      script: (request) => ({
        steps: request.stage === 'architect'
          ? [{ text: 'a' }, { text: 'b' }, { turn: true }, { text: 'c' }, { turn: true }, { text: 'd' }]
          : stageScripts(0)(request).steps,
      }),
    });
    // On the run's clock no time passes during the stage, so however loaded the machine is, the whole stage
    // falls inside the 2 ms window: its text is one event, written before chunk_completed.
    const { events } = await runToEnd(provider, TASK, { clock: new ManualClock() });
    const first = ofType(events, 'token_stream').filter((t) => t.chunk_number === 1);
    expect(first.map((t) => t.tokens)).toEqual(['abcd']);
  });
});

describe('estimates', () => {
  it('are revised toward the actuals after each chunk, ending equal to them', async () => {
    const clock = new ManualClock();
    // A verbose, slow model: 900 output tokens per stage, 10 s each, on a priced model.
    const provider = createFakeProvider({
      clock,
      script: (request) => ({
        steps: [...stageScripts(1)(request).steps, { advance: 10_000 }],
        usage: { input_tokens: 1000, output_tokens: 900 },
      }),
    });
    const { events } = await runToEnd(provider, TASK, { clock });
    const progress = ofType(events, 'task_progress');
    const done = ofType(events, 'task_completed')[0]!;
    expect(progress[0]!.estimated_cost).toBeGreaterThan(0);
    const costErrors = progress.map((p) => Math.abs(p.estimated_cost! - done.cost!));
    const timeErrors = progress.map((p) => Math.abs(p.estimated_time - done.duration_ms / 1000));
    // The first revision already uses measured speed and size, so it is closer than the plan.
    expect(costErrors[1]!).toBeLessThan(costErrors[0]!);
    expect(timeErrors[1]!).toBeLessThan(timeErrors[0]!);
    expect(costErrors.at(-1)).toBeLessThan(1e-6);
    expect(timeErrors.at(-1)).toBeLessThan(0.01);
    // gpt-4o: $2.5 in, $10 out per 1M tokens; 6 chunks × (1000 in, 900 out).
    expect(done.cost).toBeCloseTo(6 * (1000 * 2.5 + 900 * 10) / 1e6, 9);
    expect(progress.at(-1)).toMatchObject({ chunks_completed: 6, actual_cost: done.cost, usage: { input_tokens: 6000, output_tokens: 5400 } });
    const completed = ofType(events, 'chunk_completed');
    expect(completed.every((c) => c.duration_ms === 10_000)).toBe(true);
    expect(done.metrics.tokens_per_second).toBe(90);
  });

  it('an unknown price makes costs null, never a guess', async () => {
    const provider = createFakeProvider({ script: stageScripts(0), defaultModel: 'my-local-finetune' });
    const { events } = await runToEnd(provider, TASK);
    expect(ofType(events, 'task_progress').every((p) => p.estimated_cost === null && p.actual_cost === null)).toBe(true);
    expect(ofType(events, 'chunk_completed').every((c) => c.cost === null)).toBe(true);
    expect(ofType(events, 'task_completed')[0]!.cost).toBeNull();
    expect(ofType(events, 'system_message').map((m) => m.message)).toContain(
      'The price of my-local-finetune is unknown, so costs show as n/a; set it with corch config set prices.my-local-finetune <input>,<output> (USD per 1M tokens) on the server that runs the task.',
    );
  });

  it('uses settings.prices over the built-in table', async () => {
    const provider = createFakeProvider({
      script: (r) => ({ ...stageScripts(0)(r), usage: { input_tokens: 1_000_000, output_tokens: 0 } }),
      defaultModel: 'my-local-finetune',
    });
    const { events } = await runToEnd(provider, TASK, { settings: { prices: { 'my-local-finetune': { input: 1, output: 2 } } } });
    expect(ofType(events, 'task_completed')[0]!.cost).toBe(4);
  });
});

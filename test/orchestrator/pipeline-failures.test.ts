import { describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import { createFakeProvider, deltas, ManualClock, stageScripts, type FakeStep } from '../helpers/fake-provider.js';
import { harness, ofType, outline, runnerWith, runToEnd, tokensByChunk } from './harness.js';

const TASK = { task: 'Write a CSV parser' };

describe('cancel', () => {
  it('aborts the in-flight provider request at once and emits nothing more', async () => {
    const provider = createFakeProvider({
      script: (request) =>
        request.stage === 'coder'
          ? { steps: [{ text: 'function parse(' }, { turn: true }, { text: 'line) {' }, { hang: true }] }
          : stageScripts(1)(request),
    });
    const h = harness(TASK, (event, self) => {
      // Cancel as soon as the coder's first tokens are in the log: the provider is mid-stream.
      if (event.event === 'token_stream' && event.data.stage === 'coder') self.cancel();
    });
    const started = performance.now();
    const error = await runnerWith(provider)
      .run(h.ctx)
      .then(() => undefined, (e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(CorchError);
    expect((error as CorchError).code).toBe('E_CANCELLED');
    expect(provider.abortedCalls).toEqual([1]);
    expect(provider.requests).toHaveLength(2);
    const names = h.events.map((e) => e.event);
    expect(names).not.toContain('task_completed');
    expect(names).not.toContain('task_error');
    expect(names.at(-1)).toBe('token_stream');
  });

  it('stops even when a provider ignores the abort signal', async () => {
    const stubborn = createFakeProvider({ script: stageScripts(0) });
    const ignoring = {
      ...stubborn,
      // Never settles and never looks at the signal.
      stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => {}) }) }),
    };
    const h = harness(TASK, (event, self) => {
      if (event.event === 'chunk_started') setTimeout(() => self.cancel(), 5);
    });
    const error = await runnerWith(ignoring)
      .run(h.ctx)
      .then(() => undefined, (e: unknown) => e);
    expect((error as CorchError).code).toBe('E_CANCELLED');
  });

  it('a run cancelled before it starts calls no provider', async () => {
    const provider = createFakeProvider({ script: stageScripts(0) });
    const h = harness(TASK);
    h.cancel();
    await expect(runnerWith(provider).run(h.ctx)).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(provider.requests).toHaveLength(0);
    expect(h.events).toEqual([]);
  });
});

describe('a stage failure', () => {
  it('throws the provider error with the stage and retryable flag, keeping earlier output and partial text', async () => {
    const failure = new CorchError('E_PROVIDER_STREAM', 'The connection dropped mid-stream.', { retryable: true });
    const provider = createFakeProvider({
      script: (request) =>
        request.stage === 'reviewer'
          ? { steps: [...deltas('{"issues_found": tr', 5), { fail: failure }] }
          : stageScripts(1)(request),
    });
    const { events, error } = await runToEnd(provider, TASK);
    expect(error).toBeInstanceOf(CorchError);
    expect(error).toMatchObject({
      code: 'E_PROVIDER_STREAM',
      message: 'The connection dropped mid-stream.',
      retryable: true,
      details: { stage: 'reviewer' },
    });
    expect(outline(events).slice(-3)).toEqual(['task_progress:chunk_completed:6', 'chunk_started:reviewer#1', 'token_stream']);
    expect(ofType(events, 'chunk_completed').map((c) => c.stage)).toEqual(['architect', 'coder']);
    expect(tokensByChunk(events).get(3)).toBe('{"issues_found": tr');
  });

  it('a non-CorchError becomes E_RUN_FAILED naming the stage', async () => {
    const provider = createFakeProvider({
      script: (request) => (request.stage === 'architect' ? { steps: [{ fail: new TypeError('boom') }] } : stageScripts(0)(request)),
    });
    const { error } = await runToEnd(provider, TASK);
    expect(error).toMatchObject({ code: 'E_RUN_FAILED', retryable: false, details: { stage: 'architect' } });
    expect((error as Error).message).toContain('architect');
  });

  it('a stream without a finish part fails the stage', async () => {
    const provider = createFakeProvider({ script: (r) => ({ ...stageScripts(0)(r), finish: false }) });
    const { error } = await runToEnd(provider, TASK);
    expect(error).toMatchObject({ code: 'E_PROVIDER_STREAM', details: { stage: 'architect' } });
  });
});

describe('budgets', () => {
  /** In `stage`, the model writes a little, then stalls for `stallMs` on the run's clock and hangs. */
  const hangIn = (stage: string, stallMs = 600_000) => (request: Parameters<ReturnType<typeof stageScripts>>[0]) =>
    request.stage === stage
      ? { steps: [{ text: 'partial ' }, { turn: true }, { advance: stallMs }, { hang: true }] as FakeStep[] }
      : stageScripts(0)(request);

  it('a stage over its timeout ends the run with E_STAGE_TIMEOUT, aborting the request', async () => {
    const clock = new ManualClock();
    const provider = createFakeProvider({ script: hangIn('coder'), clock });
    const { events, error } = await runToEnd(provider, { ...TASK, budget: { stage_seconds: 0.05 } }, { clock });
    expect(error).toMatchObject({ code: 'E_STAGE_TIMEOUT', retryable: true, details: { stage: 'coder', stage_seconds: 0.05 } });
    expect((error as Error).message).toContain('budget.stage_seconds');
    expect(provider.abortedCalls).toEqual([1]);
    expect(tokensByChunk(events).get(2)).toBe('partial ');
  });

  it('a time budget that runs out before there is any code ends the run with E_TIME_BUDGET naming the stage', async () => {
    const clock = new ManualClock();
    const provider = createFakeProvider({ script: hangIn('coder'), clock });
    const { events, error } = await runToEnd(provider, { ...TASK, budget: { max_seconds: 60 } }, { clock });
    expect(error).toMatchObject({ code: 'E_TIME_BUDGET', details: { stage: 'coder', max_seconds: 60 } });
    expect((error as Error).message).toContain('budget.max_seconds');
    expect(provider.abortedCalls).toEqual([1]);
    expect(ofType(events, 'task_completed')).toEqual([]);
  });

  it('a time budget that runs out once there is code ends the run with that code and a warning', async () => {
    const clock = new ManualClock();
    const provider = createFakeProvider({ script: hangIn('reviewer'), clock });
    const { events, error } = await runToEnd(provider, { ...TASK, budget: { max_seconds: 60 } }, { clock });
    expect(error).toBeUndefined();
    expect(provider.abortedCalls).toEqual([2]);
    const done = ofType(events, 'task_completed')[0]!;
    expect(done.result).toContain('coder output');
    const warning = ofType(events, 'system_message').find((m) => m.level === 'warn');
    expect(warning?.message).toMatch(/60 s time budget ran out during the reviewer stage: the result is the Coder's code, without documentation/);
  });

  it('stops refining when the time left would not cover another round and the Documenter, and still documents', async () => {
    const clock = new ManualClock();
    // Every stage takes 10 s; every review finds critical issues. After 3 stages, 15 s are left of 45 s: too
    // little for Refiner + Reviewer + Documenter (about 30 s, from the measured speed), enough to document.
    const provider = createFakeProvider({
      clock,
      script: (request) => ({ steps: [...stageScripts(3)(request).steps, { advance: 10_000 }] }),
    });
    const { events, error } = await runToEnd(provider, { ...TASK, budget: { max_seconds: 45 } }, { clock });
    expect(error).toBeUndefined();
    expect(outline(events).filter((line) => line.startsWith('chunk_completed') || line.startsWith('task_progress:round'))).toEqual([
      'chunk_completed:architect#0',
      'chunk_completed:coder#0',
      'chunk_completed:reviewer#1',
      'task_progress:round_dropped:4',
      'chunk_completed:documenter#0',
    ]);
    const warning = ofType(events, 'system_message').find((m) => m.level === 'warn');
    expect(warning?.message).toContain('Too little of the 45 s time budget is left for refine round 1');
    const done = ofType(events, 'task_completed')[0]!;
    expect(done.outputs.documenter).toContain('documenter output');
    expect(done.result).toContain('coder output');
  });

  it('refines while the time left covers another round', async () => {
    const clock = new ManualClock();
    const provider = createFakeProvider({
      clock,
      script: (request) => ({ steps: [...stageScripts(1)(request).steps, { advance: 10_000 }] }),
    });
    const { events } = await runToEnd(provider, { ...TASK, budget: { max_seconds: 600 } }, { clock });
    expect(ofType(events, 'chunk_completed').map((c) => c.stage)).toEqual(['architect', 'coder', 'reviewer', 'refiner', 'reviewer', 'documenter']);
    expect(ofType(events, 'system_message').filter((m) => m.level === 'warn')).toEqual([]);
  });

  it('server settings provide the budget when the request sets none', async () => {
    const clock = new ManualClock();
    const provider = createFakeProvider({ script: hangIn('architect'), clock });
    const { error } = await runToEnd(provider, TASK, { settings: { budget: { stage_seconds: 0.03 } }, clock });
    expect(error).toMatchObject({ code: 'E_STAGE_TIMEOUT', details: { stage: 'architect' } });
  });

  it('once the money spent is over the cost budget, the next stage is not started', async () => {
    // gpt-4o output costs $10 per 1M tokens: 100k output tokens per stage cost $1.
    const provider = createFakeProvider({
      script: (r) => ({ ...stageScripts(0)(r), usage: { input_tokens: 0, output_tokens: 100_000 } }),
    });
    const { events, error } = await runToEnd(provider, { ...TASK, budget: { max_cost: 1.5 } });
    expect(error).toMatchObject({ code: 'E_COST_BUDGET', retryable: false, details: { stage: 'reviewer', spent: 2, max_cost: 1.5 } });
    expect((error as Error).message).toContain('budget.max_cost');
    expect((error as Error).message).toContain('spent $2.00, over its cost budget of $1.5');
    expect(ofType(events, 'chunk_completed').map((c) => c.stage)).toEqual(['architect', 'coder']);
  });

  it('a cost budget with an unknown model price is refused', async () => {
    const provider = createFakeProvider({ script: stageScripts(0), defaultModel: 'mystery-model' });
    await expect(runnerWith(provider).prepare!({ ...TASK, budget: { max_cost: 1 } })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: expect.stringContaining('mystery-model'),
    });
  });
});

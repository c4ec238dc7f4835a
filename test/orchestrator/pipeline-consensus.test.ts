import { describe, expect, it } from 'vitest';
import type { LlmPart, LlmProvider, LlmRequest } from '../../src/providers/types.js';
import { createFakeProvider, deltas, type FakeScript, reviewJson } from '../helpers/fake-provider.js';
import { harness, ofType, runnerWith, runToEnd, tokensByChunk } from './harness.js';

const THREE = { task: 'Write a CSV parser', stages: { coder: { candidates: 3 } } };

/** Candidate n of the coder writes `code from candidate n`; the Judge answers `judge`. */
function consensusScripts(judge: string, overrides: (r: LlmRequest) => FakeScript | undefined = () => undefined) {
  return (request: LlmRequest): FakeScript => {
    const override = overrides(request);
    if (override) return override;
    if (request.stage === 'judge') return { steps: deltas(judge) };
    if (request.stage === 'reviewer') return { steps: deltas(reviewJson(false)) };
    if (request.stage === 'coder') return { steps: deltas(`code from candidate ${request.candidate}`, 2, true) };
    return { steps: deltas(`${request.stage} output`) };
  };
}

/** Wraps a provider to count how many of its streams are open at once. */
function withConcurrency(provider: LlmProvider): LlmProvider & { maxOpen: number } {
  let open = 0;
  const wrapped = {
    ...provider,
    maxOpen: 0,
    stream(request: LlmRequest, options: { signal: AbortSignal }): AsyncIterable<LlmPart> {
      const inner = provider.stream(request, options);
      return {
        async *[Symbol.asyncIterator]() {
          open++;
          wrapped.maxOpen = Math.max(wrapped.maxOpen, open);
          try {
            yield* inner;
          } finally {
            open--;
          }
        },
      };
    },
  };
  return wrapped;
}

describe('consensus stages', () => {
  it('runs the candidates in parallel, shows the Judge all of them, and passes the chosen one on', async () => {
    const fake = createFakeProvider({ script: consensusScripts('```json\n{"choice": 2, "reason": "handles quotes"}\n```') });
    const provider = withConcurrency(fake);
    const { events, error } = await runToEnd(provider, THREE);
    expect(error).toBeUndefined();
    // All three coder requests were open at the same time.
    expect(provider.maxOpen).toBe(3);
    const coderCalls = fake.requests.filter((r) => r.stage === 'coder');
    expect(coderCalls.map((r) => r.candidate)).toEqual([1, 2, 3]);

    const judge = fake.requests.find((r) => r.stage === 'judge')!;
    for (const n of [1, 2, 3]) expect(judge.messages[0]!.content).toContain(`code from candidate ${n}`);
    const review = fake.requests.find((r) => r.stage === 'reviewer')!;
    expect(review.messages[0]!.content).toContain('code from candidate 2');
    expect(review.messages[0]!.content).not.toContain('code from candidate 1');

    const started = ofType(events, 'chunk_started');
    expect(started.map((c) => `${c.chunk_number}:${c.stage}:${c.candidate ?? '-'}/${c.candidates ?? '-'}`)).toEqual([
      '1:architect:-/-',
      '2:coder:1/3',
      '3:coder:2/3',
      '4:coder:3/3',
      '5:judge:-/3',
      '6:reviewer:-/-',
      '7:documenter:-/-',
    ]);
    // Candidates' tokens interleave on the wire, yet each chunk's tokens still join to its own output.
    const tokens = ofType(events, 'token_stream').filter((t) => t.stage === 'coder');
    expect(new Set(tokens.slice(0, 3).map((t) => t.candidate)).size).toBeGreaterThan(1);
    const joined = tokensByChunk(events);
    for (const done of ofType(events, 'chunk_completed')) expect(joined.get(done.chunk_number) ?? '').toBe(done.output);
    expect(ofType(events, 'token_stream').every((t) => (t.stage === 'coder') === (t.candidate !== undefined))).toBe(true);

    const verdict = ofType(events, 'chunk_completed').find((c) => c.stage === 'judge')!;
    expect(verdict).toMatchObject({ choice: 2, reason: 'handles quotes', candidates: 3, agent: 'Judge' });
    const completed = ofType(events, 'task_completed')[0]!;
    expect(completed.result).toBe('code from candidate 2');
    expect(completed.outputs.coder).toBe('code from candidate 2');
    // Usage counts every candidate and the Judge: 7 chunks × 10 input tokens.
    expect(completed.usage.input_tokens).toBe(70);
    expect(completed.metrics.chunks_completed).toBe(7);
    const messages = ofType(events, 'system_message').map((m) => m.message);
    expect(messages).toContain('Judge picked Coder candidate 2 of 3 (gpt-4o): handles quotes');
  });

  it('plans and estimates every candidate and the Judge', async () => {
    const provider = createFakeProvider({ script: consensusScripts('{"choice": 1, "reason": "ok"}') });
    const { events } = await runToEnd(provider, { ...THREE, stages: { coder: { candidates: ['gpt-4o', 'gpt-4o-mini'] } } });
    const started = ofType(events, 'task_started')[0]!;
    expect(started.pipeline.map((p) => `${p.stage}:${p.model}`).slice(1, 4)).toEqual(['coder:gpt-4o', 'coder:gpt-4o-mini', 'judge:gpt-4o']);
    const plan = ofType(events, 'task_progress')[0]!;
    expect(plan.total_chunks).toBe(8);
    const one = await runToEnd(createFakeProvider({ script: consensusScripts('') }), { task: THREE.task });
    expect(plan.estimated_cost!).toBeGreaterThan(ofType(one.events, 'task_progress')[0]!.estimated_cost!);
  });

  it('an unreadable verdict falls back to the first candidate and says so', async () => {
    const provider = createFakeProvider({ script: consensusScripts('They are all fine, really.') });
    const { events, error } = await runToEnd(provider, THREE);
    expect(error).toBeUndefined();
    expect(ofType(events, 'task_completed')[0]!.result).toBe('code from candidate 1');
    const warn = ofType(events, 'system_message').find((m) => m.message.startsWith("The Judge's answer could not be read"));
    expect(warn).toMatchObject({ level: 'warn' });
    expect(warn!.message).toContain('candidate 1');
  });

  it('a failing candidate does not fail the stage; the Judge compares the others', async () => {
    const failing = (r: LlmRequest): FakeScript | undefined =>
      r.stage === 'coder' && r.candidate === 2 ? { steps: [{ text: 'partial' }, { turn: true }, { fail: new Error('connection reset') }] } : undefined;
    const provider = createFakeProvider({ script: consensusScripts('{"choice": 3}', failing) });
    const { events, error } = await runToEnd(provider, THREE);
    expect(error).toBeUndefined();
    const failed = ofType(events, 'chunk_completed').find((c) => c.candidate === 2)!;
    expect(failed.error).toMatchObject({ code: 'E_RUN_FAILED' });
    expect(failed.error!.message).toContain('connection reset');
    const judge = provider.requests.find((r) => r.stage === 'judge')!;
    expect(judge.messages[0]!.content).not.toContain('Candidate 2 (');
    expect(judge.messages[0]!.content).toContain('Candidate 3 (');
    expect(ofType(events, 'task_completed')[0]!.result).toBe('code from candidate 3');
    expect(ofType(events, 'system_message').some((m) => m.level === 'warn' && m.message.includes('candidate 2'))).toBe(true);
  });

  it('with one candidate left there is nothing to judge: no Judge request, and it is said', async () => {
    const failing = (r: LlmRequest): FakeScript | undefined =>
      r.stage === 'coder' && r.candidate !== 3 ? { steps: [{ fail: new Error('overloaded') }] } : undefined;
    const provider = createFakeProvider({ script: consensusScripts('{"choice": 1}', failing) });
    const { events, error } = await runToEnd(provider, THREE);
    expect(error).toBeUndefined();
    expect(provider.requests.some((r) => r.stage === 'judge')).toBe(false);
    expect(ofType(events, 'chunk_completed').find((c) => c.stage === 'judge')).toMatchObject({ choice: 3, cost: 0 });
    expect(ofType(events, 'task_completed')[0]!.result).toBe('code from candidate 3');
  });

  it('when every candidate fails, the stage fails', async () => {
    const failing = (r: LlmRequest): FakeScript | undefined => (r.stage === 'coder' ? { steps: [{ fail: new Error('down') }] } : undefined);
    const provider = createFakeProvider({ script: consensusScripts('{"choice": 1}', failing) });
    const { events, error } = await runToEnd(provider, THREE);
    expect(error).toMatchObject({ code: 'E_RUN_FAILED' });
    expect(ofType(events, 'task_completed')).toHaveLength(0);
  });

  it('cancel aborts every candidate request at once', async () => {
    const hang = (r: LlmRequest): FakeScript | undefined => (r.stage === 'coder' ? { steps: [{ text: 'x' }, { hang: true }] } : undefined);
    const provider = createFakeProvider({ script: consensusScripts('{"choice": 1}', hang) });
    let seen = 0;
    const h = harness(THREE, (event, hh) => {
      if (event.event === 'token_stream' && event.data.stage === 'coder' && ++seen === 3) hh.cancel();
    });
    const error = await runnerWith(provider).run(h.ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CANCELLED' });
    const coderCalls = provider.requests.flatMap((r, i) => (r.stage === 'coder' ? [i] : []));
    expect(coderCalls).toHaveLength(3);
    expect([...provider.abortedCalls].sort()).toEqual(coderCalls);
    expect(h.events.some((e) => e.event === 'chunk_started' && e.data.stage === 'judge')).toBe(false);
  });

  it('refuses candidates on a stage that cannot have them, and bad counts', async () => {
    const runner = runnerWith(createFakeProvider({ script: consensusScripts('') }));
    await expect(runner.prepare!({ task: 'x', stages: { reviewer: { candidates: 2 } } })).rejects.toThrow(
      '`stages.reviewer.candidates` is not available: only architect, coder, refiner, documenter can run as consensus stages',
    );
    await expect(runner.prepare!({ task: 'x', stages: { coder: { candidates: 0 } } })).rejects.toThrow(
      '`stages.coder.candidates` must be a whole number from 1 to 8 or a list of models, got 0',
    );
    await expect(runner.prepare!({ task: 'x', stages: { coder: { candidates: ['a', ''] } } })).rejects.toThrow(
      '`stages.coder.candidates[1]` must be a non-empty string, got ""',
    );
  });
});

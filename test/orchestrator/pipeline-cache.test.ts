import { describe, expect, it } from 'vitest';
import { stageCacheKey } from '../../src/orchestrator/stage-cache-key.js';
import type { TaskRequest } from '../../src/protocol/task-request.js';
import type { LlmRequest } from '../../src/providers/types.js';
import { MemoryStageCache } from '../../src/streams/stage-cache.js';
import { createFakeProvider, stageScripts } from '../helpers/fake-provider.js';
import { ofType, runToEnd, tokensByChunk } from './harness.js';

const TASK: TaskRequest = { task: 'Write a function that parses CSV lines', context: { language: 'TypeScript' } };
// gpt-4o has a known price, so what a hit saved is a real number.
const provider = () => createFakeProvider({ script: stageScripts(0), defaultModel: 'gpt-4o' });

describe('stage cache', () => {
  it('a second identical run is replayed from the cache: no provider request, cache_hit, nothing spent', async () => {
    const cache = new MemoryStageCache();
    const first = provider();
    const one = await runToEnd(first, TASK, { cache });
    expect(one.error).toBeUndefined();
    expect(first.requests).toHaveLength(4);
    const lastProgress = ofType(one.events, 'task_progress').at(-1)!;
    expect(lastProgress.cache).toEqual({ hits: 0, misses: 4, saved_cost: 0 });

    const second = provider();
    const two = await runToEnd(second, TASK, { cache });
    expect(two.error).toBeUndefined();
    expect(second.requests).toHaveLength(0);
    for (const started of ofType(two.events, 'chunk_started')) expect(started.cache_hit).toBe(true);
    const completed = ofType(two.events, 'chunk_completed');
    const joined = tokensByChunk(two.events);
    for (const c of completed) {
      expect(c).toMatchObject({ cache_hit: true, cost: 0, usage: { input_tokens: 0, output_tokens: 0 } });
      expect(c.saved_cost).toBeGreaterThan(0);
      expect(joined.get(c.chunk_number)).toBe(c.output);
    }
    // The replay delivers the same outputs as the run that was cached.
    expect(completed.map((c) => c.output)).toEqual(ofType(one.events, 'chunk_completed').map((c) => c.output));
    expect(ofType(two.events, 'task_completed')[0]!.result).toBe(ofType(one.events, 'task_completed')[0]!.result);
    const progress = ofType(two.events, 'task_progress').at(-1)!;
    expect(progress.cache).toMatchObject({ hits: 4, misses: 0 });
    expect(progress.cache!.saved_cost).toBeCloseTo(completed.reduce((sum, c) => sum + c.saved_cost!, 0), 6);
    expect(progress.actual_cost).toBe(0);
    const notes = ofType(two.events, 'system_message').filter((m) => m.message.includes('answered from the stage cache'));
    expect(notes).toHaveLength(4);
    expect(notes[0]!.message).toMatch(/^Architect: answered from the stage cache \(no model was called\); saved \$0\.\d{4} and \d+\.\d s\.$/);
  });

  it('a changed temperature misses for that stage only; a changed model misses everywhere', async () => {
    const cache = new MemoryStageCache();
    await runToEnd(provider(), TASK, { cache });
    const warmer = provider();
    const changed = await runToEnd(warmer, { ...TASK, stages: { coder: { temperature: 0.9 } } }, { cache });
    expect(warmer.requests.map((r) => r.stage)).toEqual(['coder']);
    expect(ofType(changed.events, 'task_progress').at(-1)!.cache).toMatchObject({ hits: 3, misses: 1 });

    const other = provider();
    await runToEnd(other, { ...TASK, model: 'gpt-4o-mini' }, { cache });
    expect(other.requests).toHaveLength(4);
  });

  it('"cache": false neither reads nor writes, and task_progress has no cache field', async () => {
    const cache = new MemoryStageCache();
    await runToEnd(provider(), TASK, { cache });
    const fresh = provider();
    const run = await runToEnd(fresh, { ...TASK, cache: false }, { cache });
    expect(fresh.requests).toHaveLength(4);
    expect(ofType(run.events, 'task_progress').every((p) => p.cache === undefined)).toBe(true);
    expect(ofType(run.events, 'chunk_started').some((c) => c.cache_hit)).toBe(false);
  });

  it('a failed stage is not cached', async () => {
    const cache = new MemoryStageCache();
    const failing = createFakeProvider({
      script: (r) => (r.stage === 'coder' ? { steps: [{ text: 'half' }, { fail: new Error('reset') }] } : stageScripts(0)(r)),
    });
    const run = await runToEnd(failing, TASK, { cache });
    expect(run.error).toBeDefined();
    expect((await cache.info()).entries).toBe(1);
  });

  it('candidates on one model are separate samples, each cached on its own', async () => {
    const cache = new MemoryStageCache();
    const request: TaskRequest = { ...TASK, stages: { coder: { candidates: 3 } } };
    const script = (r: LlmRequest) =>
      r.stage === 'judge' ? { steps: [{ text: '{"choice": 2}' }] } : r.stage === 'coder' ? { steps: [{ text: `code ${r.candidate}` }] } : stageScripts(0)(r);
    await runToEnd(createFakeProvider({ script }), request, { cache });
    const again = createFakeProvider({ script });
    const run = await runToEnd(again, request, { cache });
    expect(again.requests).toHaveLength(0);
    expect(ofType(run.events, 'chunk_completed').filter((c) => c.stage === 'coder').map((c) => c.output)).toEqual(['code 1', 'code 2', 'code 3']);
    expect(ofType(run.events, 'task_completed')[0]!.result).toBe('code 2');
  });
});

describe('stageCacheKey', () => {
  const base: LlmRequest = { model: 'm', system: 's', messages: [{ role: 'user', content: 'u' }], temperature: 0.5, max_tokens: 100 };
  const simulated = { name: 'simulated' as const, baseUrl: null, answerOptions: { review_rounds: 1 } };

  it("ignores the simulated provider's hints", () => {
    const hinted = { ...base, stage: 'coder', iteration: 2, task: 'anything', candidate: 1 };
    expect(stageCacheKey(simulated, hinted)).toBe(stageCacheKey(simulated, base));
  });

  it('changes with every answer-deciding field, the provider, its base URL and its answer options', () => {
    const key = stageCacheKey(simulated, base);
    const variants = [
      stageCacheKey(simulated, { ...base, model: 'n' }),
      stageCacheKey(simulated, { ...base, system: 't' }),
      stageCacheKey(simulated, { ...base, messages: [{ role: 'user', content: 'v' }] }),
      stageCacheKey(simulated, { ...base, temperature: 0.6 }),
      stageCacheKey(simulated, { ...base, max_tokens: 101 }),
      stageCacheKey({ ...simulated, answerOptions: { review_rounds: 2 } }, base),
      stageCacheKey({ name: 'openai', baseUrl: 'http://a/v1' }, base),
      stageCacheKey({ name: 'openai', baseUrl: 'http://b/v1' }, base),
      stageCacheKey(simulated, base, 2),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });
});

import { describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import type { StageRole } from '../../src/protocol/events.js';
import { SIMULATED_LABEL } from '../../src/protocol/index.js';
import { createSimulatedProvider } from '../../src/providers/index.js';
import type { LlmRequest } from '../../src/providers/types.js';
import { collect } from './helpers/collect.js';

const TASK = 'Build a rate limiter for an HTTP API';

function request(stage: StageRole, iteration = 1, extra: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: 'simulated',
    system: 'You are the team member for this stage.',
    messages: [{ role: 'user', content: `Task: ${TASK}` }],
    temperature: 0.5,
    max_tokens: 3000,
    stage,
    iteration,
    task: TASK,
    ...extra,
  };
}

function reviewJson(text: string): Record<string, unknown> {
  const match = /```json\n([\s\S]*?)\n```/.exec(text);
  expect(match).not.toBeNull();
  return JSON.parse(match?.[1] ?? '') as Record<string, unknown>;
}

const fast = { tokens_per_second: 0 };

describe('simulated provider: output', () => {
  it('describes itself as simulated, with no base URL', () => {
    const p = createSimulatedProvider();
    expect(p).toMatchObject({ name: 'simulated', defaultModel: 'simulated', simulated: true, baseUrl: null });
  });

  it.each(['architect', 'coder', 'reviewer', 'refiner', 'documenter'] as const)(
    '%s: labelled, deterministic, named after the task, ends with usage',
    async (stage) => {
      const a = await collect(createSimulatedProvider(fast), request(stage));
      const b = await collect(createSimulatedProvider(fast), request(stage));
      expect(a.error).toBeUndefined();
      expect(a.text).toBe(b.text);
      expect(a.text).toContain(SIMULATED_LABEL);
      expect(a.deltas.length).toBeGreaterThan(20);
      expect(a.deltas.join('')).toBe(a.text);
      expect(a.finish?.finishReason).toBe('stop');
      expect(a.finish?.usage.output_tokens).toBe(a.deltas.length);
      const prompt = request(stage).system + '\n' + `Task: ${TASK}`;
      expect(a.finish?.usage.input_tokens).toBe(Math.ceil(prompt.length / 4));
      if (stage !== 'reviewer') expect(a.text).toContain('RateLimiter');
    },
  );

  it('architect writes the four design sections; coder and refiner write a fenced code block', async () => {
    const design = (await collect(createSimulatedProvider(fast), request('architect'))).text;
    for (const heading of ['## Components', '## Decisions', '## Data flow', '## Interfaces']) expect(design).toContain(heading);
    const code = (await collect(createSimulatedProvider(fast), request('coder'))).text;
    expect(code).toMatch(/```typescript\n[\s\S]*export class RateLimiter[\s\S]*```/);
    const refined = (await collect(createSimulatedProvider(fast), request('refiner', 2))).text;
    expect(refined).toContain('Revision 2');
    expect(refined).toContain('reset()');
  });

  it('writes Python when the task asks for it', async () => {
    const req = request('coder', 1, { task: 'Write a Python CSV deduplicator' });
    const { text } = await collect(createSimulatedProvider(fast), req);
    expect(text).toContain('```python');
    expect(text).toContain('class CsvDeduplicator');
  });

  it.each([
    [0, [false, false]],
    [1, [true, false, false]],
    [3, [true, true, true, false]],
  ] as const)('review_rounds=%i: issues found for iterations ≤ rounds', async (rounds, expected) => {
    const provider = createSimulatedProvider({ ...fast, review_rounds: rounds });
    for (const [i, found] of expected.entries()) {
      const review = reviewJson((await collect(provider, request('reviewer', i + 1))).text);
      expect(review.issues_found).toBe(found);
      expect(Array.isArray(review.critical_issues)).toBe(true);
      expect(Array.isArray(review.suggestions)).toBe(true);
      expect(typeof review.code_quality_score).toBe('number');
      expect((review.critical_issues as unknown[]).length > 0).toBe(found);
    }
  });

  it('stops at max_tokens with finish reason length', async () => {
    const r = await collect(createSimulatedProvider(fast), request('architect', 1, { max_tokens: 10 }));
    expect(r.deltas).toHaveLength(10);
    expect(r.finish).toMatchObject({ finishReason: 'length', usage: { output_tokens: 10 } });
  });
});

describe('simulated provider: options', () => {
  it.each([
    [{ speed: 1 }, /unknown provider option `speed`.*valid options: tokens_per_second/],
    [{ tokens_per_second: -1 }, /`tokens_per_second` must be a number ≥ 0, got -1/],
    [{ tokens_per_second: 'fast' }, /`tokens_per_second` must be a number/],
    [{ review_rounds: 4 }, /`review_rounds` must be an integer from 0 to 3, got 4/],
    [{ burst: 0 }, /`burst` must be an integer from 1 to 1024/],
    [{ fail_stage: 'tester' }, /`fail_stage` must be one of architect, coder, reviewer, refiner, documenter/],
    [{ fail_mode: 'explode' }, /`fail_mode` must be one of error, hang/],
    [{ fail_retryable: 'yes' }, /`fail_retryable` must be true or false/],
    [{ fail_after_tokens: 1.5 }, /`fail_after_tokens` must be an integer/],
  ])('rejects %j', (options, message) => {
    const error = (() => {
      try {
        createSimulatedProvider(options);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CorchError);
    expect((error as CorchError).code).toBe('E_INVALID_REQUEST');
    expect((error as CorchError).message).toMatch(message);
  });

  it('accepts text values as given on a command line', () => {
    expect(() =>
      createSimulatedProvider({ tokens_per_second: '0', review_rounds: '3', fail_retryable: 'true', fail_stage: 'coder' }),
    ).not.toThrow();
  });

  it('paces output at tokens_per_second against an injected clock', async () => {
    let clock = 0;
    const waits: number[] = [];
    const provider = createSimulatedProvider(
      { tokens_per_second: 100 },
      {
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      },
    );
    const r = await collect(provider, request('reviewer'));
    // The first token goes out at once, then one every 10 ms.
    expect(waits).toHaveLength(r.deltas.length - 1);
    expect(waits.every((ms) => Math.abs(ms - 10) < 1e-9)).toBe(true);
  });

  it('unthrottled, gives the event loop a turn every `burst` deltas', async () => {
    const provider = createSimulatedProvider({ tokens_per_second: 0, burst: 8 });
    let seen = 0;
    let atFirstTurn = -1;
    setImmediate(() => {
      atFirstTurn = seen;
    });
    for await (const part of provider.stream(request('coder'), { signal: new AbortController().signal })) {
      if (part.type === 'text-delta') seen++;
    }
    expect(atFirstTurn).toBe(8);
  });
});

describe('simulated provider: failures and abort', () => {
  it('fails the chosen stage after fail_after_tokens with E_SIMULATED_FAILURE', async () => {
    const provider = createSimulatedProvider({ ...fast, fail_stage: 'coder', fail_after_tokens: 5, fail_retryable: true });
    const ok = await collect(provider, request('architect'));
    expect(ok.error).toBeUndefined();
    const r = await collect(provider, request('coder'));
    expect(r.deltas).toHaveLength(5);
    expect(r.finish).toBeUndefined();
    expect(r.error).toBeInstanceOf(CorchError);
    expect(r.error).toMatchObject({ code: 'E_SIMULATED_FAILURE', retryable: true });
    expect((r.error as Error).message).toContain('coder stage after 5 tokens');
  });

  it('fail_mode=hang stops writing until the signal aborts, then throws its reason', async () => {
    const provider = createSimulatedProvider({ ...fast, fail_stage: 'reviewer', fail_after_tokens: 3, fail_mode: 'hang' });
    const controller = new AbortController();
    const reason = new CorchError('E_STAGE_TIMEOUT', 'stage timed out');
    const pending = collect(provider, request('reviewer'), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(reason);
    const r = await pending;
    expect(r.deltas).toHaveLength(3);
    expect(r.error).toBe(reason);
  });

  it('throws the abort reason at once when aborted mid-stream, even while throttled', async () => {
    const provider = createSimulatedProvider({ tokens_per_second: 1 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const started = performance.now();
    const run = (async () => {
      for await (const part of provider.stream(request('architect'), { signal: controller.signal })) {
        if (part.type === 'text-delta') {
          deltas.push(part.text);
          setTimeout(() => controller.abort(), 5);
        }
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(deltas).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('throws at once on an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new CorchError('E_CANCELLED', 'cancelled'));
    const r = await collect(createSimulatedProvider(fast), request('coder'), controller.signal);
    expect(r.deltas).toHaveLength(0);
    expect(r.error).toMatchObject({ code: 'E_CANCELLED' });
  });
});

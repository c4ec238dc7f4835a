import { describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import { MAX_CONTEXT_BYTES, MAX_CONTEXT_DEPTH } from '../../src/protocol/task-request.js';
import { validateTaskRequest } from '../../src/protocol/validate-task-request.js';

function messageFor(request: unknown): string {
  try {
    validateTaskRequest(request);
  } catch (error) {
    expect(error).toBeInstanceOf(CorchError);
    expect(error).toMatchObject({ code: 'E_INVALID_REQUEST', status: 400 });
    return (error as Error).message;
  }
  return 'valid';
}

/** `{"a": {"a": … {}}}` nested `levels` deep, built without recursion. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level += 1) value = { a: value };
  return value;
}

describe('validateTaskRequest', () => {
  const full = {
    task: 'x',
    context: { a: 1 },
    provider: 'simulated',
    model: 'm',
    stages: { coder: { model: 'big', temperature: 0, max_tokens: 1 }, reviewer: { temperature: 2 } },
    provider_options: { tokens_per_second: 0 },
    budget: { max_seconds: 10, stage_seconds: 1.5, max_cost: 0 },
    on_disconnect: 'cancel',
  };

  it('accepts a full, valid request and returns it unchanged', () => {
    expect(validateTaskRequest(full)).toEqual(full);
  });

  it('validates its own result again unchanged', () => {
    const once = validateTaskRequest(full);
    expect(validateTaskRequest(once)).toEqual(once);
  });

  it('treats null as absent, as the original design’s clients send it', () => {
    const body = { task: 't', context: null, provider: null, model: null, stages: null, budget: null, on_disconnect: null };
    expect(validateTaskRequest(body)).toEqual({ task: 't' });
  });

  it('accepts the original design’s `stream` field and drops it', () => {
    expect(validateTaskRequest({ task: 't', context: { k: 'v' }, stream: true })).toEqual({ task: 't', context: { k: 'v' } });
    expect(validateTaskRequest({ task: 't', stream: false })).toEqual({ task: 't' });
  });

  it('accepts context nested exactly to the limit', () => {
    expect(messageFor({ task: 't', context: nested(MAX_CONTEXT_DEPTH) })).toBe('valid');
  });

  it('refuses context nested 10,000 levels with a 400, without overflowing the stack', () => {
    expect(messageFor({ task: 't', context: nested(10_000) })).toBe(
      `\`context\` nests deeper than ${MAX_CONTEXT_DEPTH} levels; flatten it`,
    );
  });

  it('refuses provider_options nested too deep', () => {
    expect(messageFor({ task: 't', provider_options: nested(MAX_CONTEXT_DEPTH + 1) })).toMatch(/`provider_options` nests deeper/);
  });

  it('refuses a context larger than its byte limit, naming its size', () => {
    const context = { text: 'x'.repeat(MAX_CONTEXT_BYTES) };
    expect(messageFor({ task: 't', context })).toBe(
      `\`context\` must be at most ${MAX_CONTEXT_BYTES} bytes of JSON, got ${MAX_CONTEXT_BYTES + 11}; pass less or summarise it`,
    );
  });

  it('names the field in details', () => {
    try {
      validateTaskRequest({ task: 't', stages: { coder: { temperature: 9 } } });
    } catch (error) {
      expect((error as CorchError).details).toEqual({ field: 'stages.coder.temperature' });
    }
    expect.assertions(1);
  });

  it.each([
    [[], 'the request body must be a JSON object, got an array'],
    ['task', 'the request body must be a JSON object, got "task"'],
    [{}, '`task` is required and must be a string, got nothing'],
    [{ task: 42 }, '`task` is required and must be a string, got 42'],
    [{ task: '  ' }, '`task` must not be empty; say what the agents should build, got "  "'],
    [{ task: 'x', temperature: 1 }, 'unknown option `temperature`; allowed: task, context, provider, model, stages, provider_options, budget, stream, on_disconnect, cache'],
    [{ task: 'x', context: [1] }, '`context` must be a JSON object, got an array'],
    [{ task: 'x', context: 'x' }, '`context` must be a JSON object, got "x"'],
    [{ task: 'x', provider: 3 }, '`provider` must be a non-empty string, got 3'],
    [{ task: 'x', provider: 'gemini' }, '`provider` must be one of openai, openrouter, ollama, anthropic, simulated, got "gemini"'],
    [{ task: 'x', model: '' }, '`model` must be a non-empty string, got ""'],
    [{ task: 'x', provider_options: 'fast' }, '`provider_options` must be a JSON object, got "fast"'],
    [{ task: 'x', stages: [] }, '`stages` must be a JSON object keyed by role, got an array'],
    [{ task: 'x', stages: { tester: {} } }, '`stages.tester` is not a stage; stages are architect, coder, reviewer, refiner, documenter, judge'],
    [{ task: 'x', stages: { coder: 'gpt-4o' } }, '`stages.coder` must be a JSON object with model, temperature, max_tokens, candidates, got "gpt-4o"'],
    [{ task: 'x', stages: { coder: { top_p: 1 } } }, 'unknown option `stages.coder.top_p`; allowed: model, temperature, max_tokens, candidates'],
    [{ task: 'x', stages: { coder: { temperature: 3 } } }, '`stages.coder.temperature` must be a number from 0 to 2, got 3'],
    [{ task: 'x', stages: { coder: { temperature: '0.5' } } }, '`stages.coder.temperature` must be a number from 0 to 2, got "0.5"'],
    [{ task: 'x', stages: { coder: { max_tokens: 1.5 } } }, '`stages.coder.max_tokens` must be a whole number from 1 to 1000000, got 1.5'],
    [{ task: 'x', stages: { coder: { max_tokens: 0 } } }, '`stages.coder.max_tokens` must be a whole number from 1 to 1000000, got 0'],
    [{ task: 'x', budget: 5 }, '`budget` must be a JSON object, got 5'],
    [{ task: 'x', budget: { max_seconds: 0 } }, '`budget.max_seconds` must be a number of seconds greater than 0, got 0'],
    [{ task: 'x', budget: { stage_seconds: -1 } }, '`budget.stage_seconds` must be a number of seconds greater than 0, got -1'],
    [{ task: 'x', budget: { max_cost: -0.5 } }, '`budget.max_cost` must be a number of US dollars, 0 or more, got -0.5'],
    [{ task: 'x', budget: { tokens: 5 } }, 'unknown option `budget.tokens`; allowed: max_seconds, max_cost, stage_seconds'],
    [{ task: 'x', stream: 'yes' }, '`stream` must be true or false (it is accepted and ignored: every run streams), got "yes"'],
    [{ task: 'x', on_disconnect: 'stop' }, '`on_disconnect` must be one of "continue", "cancel", got "stop"'],
    [{ task: 'x', stages: { reviewer: { candidates: 2 } } }, '`stages.reviewer.candidates` is not available: only architect, coder, refiner, documenter can run as consensus stages'],
    [{ task: 'x', stages: { coder: { candidates: 9 } } }, '`stages.coder.candidates` must be a whole number from 1 to 8 or a list of models, got 9'],
    [{ task: 'x', stages: { coder: { candidates: 'three' } } }, '`stages.coder.candidates` must be a number of candidates or a list of models, got "three"'],
    [{ task: 'x', stages: { coder: { candidates: [] } } }, '`stages.coder.candidates` must list 1 to 8 models, got 0'],
    [{ task: 'x', cache: 'no' }, '`cache` must be true or false (false runs without the stage cache), got "no"'],
  ])('rejects %j', (request, message) => {
    expect(messageFor(request)).toBe(message);
  });

  it('lists at most five unknown keys', () => {
    const body: Record<string, unknown> = { task: 't' };
    for (let i = 0; i < 50; i += 1) body[`k${i}`] = i;
    expect(messageFor(body)).toMatch(/^unknown option `k0`, `k1`, `k2`, `k3`, `k4`, and 45 more; allowed:/);
  });
});

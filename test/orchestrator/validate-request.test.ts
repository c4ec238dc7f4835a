import { describe, expect, it } from 'vitest';
import { validateTaskRequest } from '../../src/orchestrator/validate-request.js';
import { CorchError } from '../../src/protocol/errors.js';
import type { TaskRequest } from '../../src/protocol/task-request.js';

function messageFor(request: unknown): string {
  try {
    validateTaskRequest(request as TaskRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(CorchError);
    expect(error).toMatchObject({ code: 'E_INVALID_REQUEST', status: 400 });
    return (error as Error).message;
  }
  return 'valid';
}

describe('validateTaskRequest', () => {
  it('accepts a full, valid request', () => {
    expect(
      messageFor({
        task: 'x',
        context: { a: 1 },
        provider: 'simulated',
        model: 'm',
        stages: { coder: { model: 'big', temperature: 0, max_tokens: 1 }, reviewer: { temperature: 2 } },
        provider_options: { tokens_per_second: 0 },
        budget: { max_seconds: 10, stage_seconds: 1.5, max_cost: 0 },
      }),
    ).toBe('valid');
  });

  it.each([
    [{ task: '  ' }, '`task` must be a non-empty string, got "  "'],
    [{}, '`task` must be a non-empty string, got nothing'],
    [{ task: 'x', context: [1] }, '`context` must be a JSON object, got [1]'],
    [{ task: 'x', provider: 'gemini' }, '`provider` must be one of openai, openrouter, ollama, anthropic, simulated, got "gemini"'],
    [{ task: 'x', model: '' }, '`model` must be a non-empty model name, got ""'],
    [{ task: 'x', provider_options: 'fast' }, '`provider_options` must be a JSON object, got "fast"'],
    [{ task: 'x', stages: { tester: {} } }, '`stages.tester` is not a stage; stages are architect, coder, reviewer, refiner, documenter, judge'],
    [{ task: 'x', stages: { coder: 'gpt-4o' } }, '`stages.coder` must be a JSON object with model, temperature or max_tokens, got "gpt-4o"'],
    [{ task: 'x', stages: { coder: { top_p: 1 } } }, '`stages.coder.top_p` is not an option; use model, temperature, max_tokens, candidates'],
    [{ task: 'x', stages: { coder: { temperature: 3 } } }, '`stages.coder.temperature` must be a number from 0 to 2, got 3'],
    [{ task: 'x', stages: { coder: { temperature: '0.5' } } }, '`stages.coder.temperature` must be a number from 0 to 2, got "0.5"'],
    [{ task: 'x', stages: { coder: { max_tokens: 1.5 } } }, '`stages.coder.max_tokens` must be a whole number from 1 to 1000000, got 1.5'],
    [{ task: 'x', stages: { coder: { max_tokens: 0 } } }, '`stages.coder.max_tokens` must be a whole number from 1 to 1000000, got 0'],
    [{ task: 'x', budget: { max_seconds: 0 } }, '`budget.max_seconds` must be a number of seconds greater than 0, got 0'],
    [{ task: 'x', budget: { stage_seconds: -1 } }, '`budget.stage_seconds` must be a number of seconds greater than 0, got -1'],
    [{ task: 'x', budget: { max_cost: -0.5 } }, '`budget.max_cost` must be a number of US dollars, 0 or more, got -0.5'],
    [{ task: 'x', budget: { tokens: 5 } }, '`budget.tokens` is not a budget; use max_seconds, max_cost, stage_seconds'],
  ])('rejects %j', (request, message) => {
    expect(messageFor(request)).toBe(message);
  });
});

import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/orchestrator/index.js';
import { routeModel } from '../../src/providers/model-provider.js';
import { createFakeProvider } from '../helpers/fake-provider.js';

describe('routeModel: which provider serves a consensus candidate', () => {
  const openai = { name: 'openai' as const, explicit: false };
  it.each([
    ['gpt-4o', openai, 'openai', 'gpt-4o'],
    ['o3-mini', openai, 'openai', 'o3-mini'],
    ['claude-sonnet-4-5', openai, 'anthropic', 'claude-sonnet-4-5'],
    ['qwen/qwen3-coder-plus', openai, 'openrouter', 'qwen/qwen3-coder-plus'],
    ['llama3.2:3b', { name: 'ollama' as const, explicit: false }, 'ollama', 'llama3.2:3b'],
    ['ollama:qwen2.5-coder', openai, 'ollama', 'qwen2.5-coder'],
    ['openrouter:openai/gpt-4o', openai, 'openrouter', 'openai/gpt-4o'],
    ['claude-sonnet-4-5', { name: 'openrouter' as const, explicit: false }, 'openrouter', 'claude-sonnet-4-5'],
    ['gpt-4o', { name: 'simulated' as const, explicit: true }, 'simulated', 'gpt-4o'],
    ['gpt-4o', { name: 'simulated' as const, explicit: false }, 'openai', 'gpt-4o'],
    ['my-local-model', openai, 'openai', 'my-local-model'],
  ])('%s on %j → %s', (model, run, provider, name) => {
    expect(routeModel(model, run)).toEqual({ provider, model: name });
  });

  it("a candidate on a provider without its key is refused before the run, naming the key", async () => {
    const provider = createFakeProvider({ script: () => ({ steps: [] }) });
    const runner = createRunner({ env: {}, resolveProvider: async () => ({ provider, reason: 'test' }) });
    await expect(runner.prepare!({ task: 'x', stages: { coder: { candidates: ['gpt-4o', 'claude-sonnet-4-5'] } } })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
  });
});

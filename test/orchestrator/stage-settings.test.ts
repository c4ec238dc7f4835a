import { describe, expect, it } from 'vitest';
import { resolveRunModel, resolveStageSettings } from '../../src/orchestrator/stage-settings.js';

const provider = { name: 'openai', defaultModel: 'gpt-4o-mini' } as const;

describe('resolveStageSettings', () => {
  it('uses the documented defaults and the provider default model', () => {
    const s = resolveStageSettings({ request: {}, provider });
    expect(s).toEqual({
      architect: { model: 'gpt-4o-mini', temperature: 0.7, max_tokens: 2000 },
      coder: { model: 'gpt-4o-mini', temperature: 0.5, max_tokens: 3000 },
      reviewer: { model: 'gpt-4o-mini', temperature: 0.3, max_tokens: 1500 },
      refiner: { model: 'gpt-4o-mini', temperature: 0.5, max_tokens: 3000 },
      documenter: { model: 'gpt-4o-mini', temperature: 0.6, max_tokens: 2500 },
      judge: { model: 'gpt-4o-mini', temperature: 0, max_tokens: 500 },
    });
  });

  it('config overrides defaults, the request overrides config, field by field', () => {
    const s = resolveStageSettings({
      provider,
      settings: { model: 'gpt-4.1', stages: { coder: { model: 'gpt-4o', temperature: 0.1, max_tokens: 4000 } } },
      request: { stages: { coder: { temperature: 0.2 } }, model: undefined },
    });
    expect(s.coder).toEqual({ model: 'gpt-4o', temperature: 0.2, max_tokens: 4000 });
    expect(s.architect).toEqual({ model: 'gpt-4.1', temperature: 0.7, max_tokens: 2000 });
  });

  it('the request model beats config models; a per-stage request model beats both', () => {
    const s = resolveStageSettings({
      provider,
      settings: { model: 'gpt-4.1', stages: { coder: { model: 'gpt-4o' } } },
      request: { model: 'o3-mini', stages: { reviewer: { model: 'gpt-4.1-nano' } } },
    });
    expect([s.architect.model, s.coder.model, s.reviewer.model]).toEqual(['o3-mini', 'o3-mini', 'gpt-4.1-nano']);
  });

  it('config model names do not follow a request to a different provider', () => {
    const input = {
      provider: { name: 'anthropic', defaultModel: 'claude-sonnet-4-20250514' } as const,
      settings: {
        provider: 'openai' as const,
        model: 'gpt-4.1',
        stages: { coder: { model: 'gpt-4o', temperature: 0.1 } },
        providers: { anthropic: { model: 'claude-3-5-haiku-latest' } },
      },
      request: { provider: 'anthropic' },
    };
    const s = resolveStageSettings(input);
    expect(s.coder).toEqual({ model: 'claude-3-5-haiku-latest', temperature: 0.1, max_tokens: 3000 });
    expect(resolveRunModel(input)).toBe('claude-3-5-haiku-latest');
  });
});

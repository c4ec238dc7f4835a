import { describe, expect, it } from 'vitest';
import { addCosts, costOf, lookupPrice, normaliseModelName } from '../../src/orchestrator/prices.js';

const openai = { name: 'openai', simulated: false } as const;

describe('lookupPrice', () => {
  it('finds built-in models exactly and in their vendor spellings', () => {
    expect(lookupPrice({ provider: openai, model: 'gpt-4o' })).toEqual({ input: 2.5, output: 10 });
    expect(lookupPrice({ provider: openai, model: 'gpt-4o-2024-08-06' })).toEqual({ input: 2.5, output: 10 });
    expect(lookupPrice({ provider: { name: 'openrouter', simulated: false }, model: 'openai/gpt-4o-mini' })).toEqual({ input: 0.15, output: 0.6 });
    expect(lookupPrice({ provider: { name: 'anthropic', simulated: false }, model: 'claude-3-5-sonnet-20241022' })).toEqual({ input: 3, output: 15 });
    expect(lookupPrice({ provider: { name: 'openrouter', simulated: false }, model: 'anthropic/claude-3.5-haiku' })).toEqual({ input: 0.8, output: 4 });
    expect(lookupPrice({ provider: { name: 'anthropic', simulated: false }, model: 'claude-sonnet-4-20250514' })).toEqual({ input: 3, output: 15 });
  });

  it('returns null for an unknown model instead of guessing', () => {
    expect(lookupPrice({ provider: openai, model: 'my-finetune' })).toBeNull();
    expect(lookupPrice({ provider: openai, model: 'gpt-4o-mini-audio' })).toBeNull();
    expect(lookupPrice({ provider: { name: 'openrouter', simulated: false }, model: 'openai/gpt-4o:free' })).toBeNull();
  });

  it('lets settings override and extend the table, in any spelling', () => {
    const overrides = { 'gpt-4o': { input: 1, output: 2 }, 'acme/my-finetune': { input: 3, output: 4 } };
    expect(lookupPrice({ provider: openai, model: 'gpt-4o', overrides })).toEqual({ input: 1, output: 2 });
    expect(lookupPrice({ provider: openai, model: 'gpt-4o-2024-11-20', overrides })).toEqual({ input: 1, output: 2 });
    expect(lookupPrice({ provider: openai, model: 'my-finetune', overrides })).toEqual({ input: 3, output: 4 });
  });

  it('the simulated provider is free; local Ollama models are free unless config prices them', () => {
    expect(lookupPrice({ provider: { name: 'simulated', simulated: true }, model: 'gpt-4o' })).toEqual({ input: 0, output: 0 });
    expect(lookupPrice({ provider: { name: 'ollama', simulated: false }, model: 'llama3.1:8b' })).toEqual({ input: 0, output: 0 });
    expect(
      lookupPrice({ provider: { name: 'ollama', simulated: false }, model: 'llama3.1:8b', overrides: { 'llama3.1:8b': { input: 0.1, output: 0.1 } } }),
    ).toEqual({ input: 0.1, output: 0.1 });
  });
});

describe('normaliseModelName', () => {
  it('drops prefixes, -latest and dates', () => {
    expect(normaliseModelName('OpenAI/GPT-4o-Latest')).toBe('gpt-4o');
    expect(normaliseModelName('claude-3-7-sonnet-latest')).toBe('claude-3-7-sonnet');
    expect(normaliseModelName('gpt-4.1-mini')).toBe('gpt-4.1-mini');
  });
});

describe('costOf / addCosts', () => {
  it('prices usage per million tokens and keeps unknown as null', () => {
    expect(costOf({ input_tokens: 1_000_000, output_tokens: 500_000 }, { input: 2.5, output: 10 })).toBe(7.5);
    expect(costOf({ input_tokens: 1, output_tokens: 1 }, null)).toBeNull();
    expect(addCosts(1, 2)).toBe(3);
    expect(addCosts(1, null)).toBeNull();
    expect(addCosts(null, 0)).toBeNull();
  });
});

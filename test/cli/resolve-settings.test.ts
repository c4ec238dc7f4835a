import { describe, expect, it } from 'vitest';
import { pickProgressMode, resolveRemote, resolveServerSettings, resolveStages } from '../../src/cli/resolve-settings.js';

describe('settings precedence: flags > environment > config > defaults', () => {
  it('base URL and key', () => {
    const config = { baseUrl: 'http://config:1', apiKey: 'from-config' };
    expect(resolveRemote({}, {}, {})).toEqual({});
    expect(resolveRemote({}, {}, config)).toEqual({ baseUrl: { value: 'http://config:1', source: 'config baseUrl' }, apiKey: 'from-config' });
    expect(resolveRemote({}, { CORCH_BASE_URL: 'http://env:2', FAC_API_KEY: 'old-env' }, config)).toEqual({
      baseUrl: { value: 'http://env:2', source: 'CORCH_BASE_URL' },
      apiKey: 'old-env',
    });
    expect(resolveRemote({ baseUrl: 'http://flag:3/', apiKey: 'flag' }, { CORCH_BASE_URL: 'http://env:2', CORCH_API_KEY: 'env' }, config)).toEqual({
      baseUrl: { value: 'http://flag:3', source: '--base-url' },
      apiKey: 'flag',
    });
    // Blank values count as unset, so `CORCH_BASE_URL= corch run …` falls back to config.
    expect(resolveRemote({}, { CORCH_BASE_URL: ' ' }, config).baseUrl?.source).toBe('config baseUrl');
  });

  it('progress mode', () => {
    expect(pickProgressMode(undefined, {}, {})).toBe('auto');
    expect(pickProgressMode(undefined, {}, { progress: 'json' })).toBe('json');
    expect(pickProgressMode(undefined, { CORCH_PROGRESS: 'plain' }, { progress: 'json' })).toBe('plain');
    expect(pickProgressMode('tty', { CORCH_PROGRESS: 'plain' }, { progress: 'json' })).toBe('tty');
  });

  it('stage models: flags per role over config per role', () => {
    expect(resolveStages({}, {})).toBeUndefined();
    expect(resolveStages({ coder: 'flag' }, { stageModels: { coder: 'config', reviewer: 'config' } })).toEqual({
      coder: { model: 'flag' },
      reviewer: { model: 'config' },
    });
  });

  it('server settings: provider URLs and keys from the environment win over config', () => {
    const config = {
      provider: 'ollama' as const,
      model: 'llama3.2',
      stageModels: { coder: 'qwen2.5-coder' },
      providers: {
        ollama: { baseUrl: 'http://config-ollama:11434' },
        openai: { baseUrl: 'http://config-openai/v1', apiKey: 'config-key', model: 'gpt-4o-mini' },
        anthropic: { apiKey: 'config-anthropic' },
      },
    };
    const settings = resolveServerSettings({ OLLAMA_HOST: 'http://env-ollama:11434', ANTHROPIC_API_KEY: 'env-key' }, config, { model: 'flag-model' });
    expect(settings).toEqual({
      provider: 'ollama',
      provider_source: 'provider in the config file',
      model: 'flag-model',
      stages: { coder: { model: 'qwen2.5-coder' } },
      providers: {
        ollama: { base_url: 'http://env-ollama:11434' },
        openai: { base_url: 'http://config-openai/v1', api_key: 'config-key', model: 'gpt-4o-mini' },
      },
    });
  });

  it('server settings: per-stage sampling joins the stage model; prices and budget become server defaults', () => {
    const config = {
      stageModels: { coder: 'qwen2.5-coder' },
      stages: { coder: { temperature: 0.2, maxTokens: 4000 }, reviewer: { temperature: 0.1 } },
      prices: { 'gpt-4.1': { input: 2, output: 8 } },
      budget: { maxSeconds: 600, maxCost: 0.5 },
    };
    expect(resolveServerSettings({}, config)).toEqual({
      stages: { coder: { model: 'qwen2.5-coder', temperature: 0.2, max_tokens: 4000 }, reviewer: { temperature: 0.1 } },
      prices: { 'gpt-4.1': { input: 2, output: 8 } },
      budget: { max_seconds: 600, max_cost: 0.5 },
    });
    // A --stage-model flag replaces the model only; the configured sampling stays.
    expect(resolveStages({ coder: 'flag' }, config)).toEqual({
      coder: { model: 'flag', temperature: 0.2, max_tokens: 4000 },
      reviewer: { temperature: 0.1 },
    });
  });
});

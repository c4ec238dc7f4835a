import { describe, expect, it } from 'vitest';
import { providerOffer } from '../../src/providers/provider-offer.js';

describe('providerOffer', () => {
  it('offers the simulated provider alone when nothing is configured', () => {
    expect(providerOffer({})).toEqual({
      default_provider: null,
      providers: [{ name: 'simulated', default_model: 'simulated', models: ['simulated'], reason: 'offline' }],
    });
  });

  it('offers providers whose key is in the environment or config, the default first, never the key', () => {
    const offer = providerOffer(
      { OPENAI_API_KEY: 'sk-secret', OLLAMA_HOST: '127.0.0.1:11434', ANTHROPIC_API_KEY: '  ' },
      { provider: 'openrouter', model: 'meta/llama', providers: { openrouter: { api_key: 'or-secret', model: 'x/y' } } },
    );
    expect(offer.default_provider).toBe('openrouter');
    expect(offer.providers.map((p) => [p.name, p.reason])).toEqual([
      ['openrouter', 'default'],
      ['openai', 'key in OPENAI_API_KEY'],
      ['ollama', 'local'],
      ['simulated', 'offline'],
    ]);
    expect(offer.providers[0]).toMatchObject({ default_model: 'meta/llama', models: ['meta/llama', 'x/y', 'openai/gpt-4o-mini'] });
    expect(JSON.stringify(offer)).not.toMatch(/secret/);
  });
});

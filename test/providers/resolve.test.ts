import { afterEach, describe, expect, it } from 'vitest';
import type { CorchError } from '../../src/protocol/errors.js';
import { createProvider, ollamaRoot, resolveProvider } from '../../src/providers/index.js';
import { collect } from './helpers/collect.js';
import { fixture, type ReplayServer, type ScriptedResponse, startReplayServer } from './helpers/replay-server.js';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A fetch that fails like a closed port, so no test ever reaches a real host. */
const offline = (async () => {
  throw new TypeError('fetch failed');
}) as typeof fetch;

function thrown(fn: () => unknown): CorchError {
  try {
    fn();
  } catch (error) {
    return error as CorchError;
  }
  throw new Error('expected an error');
}

describe('createProvider', () => {
  it('rejects an unknown name, listing the valid ones', () => {
    const error = thrown(() => createProvider('gemini', { env: {} }));
    expect(error).toMatchObject({ code: 'E_INVALID_REQUEST' });
    expect(error.message).toBe('unknown provider "gemini"; valid providers: openai, openrouter, ollama, anthropic, simulated');
  });

  it.each([
    ['openai', 'OPENAI_API_KEY'],
    ['openrouter', 'OPENROUTER_API_KEY'],
    ['anthropic', 'ANTHROPIC_API_KEY'],
  ])('%s without a key fails at creation, naming %s', (name, variable) => {
    const error = thrown(() => createProvider(name, { env: { [variable]: '  ' } }));
    expect(error).toMatchObject({ code: 'E_PROVIDER_AUTH' });
    expect(error.message).toContain(`set ${variable}`);
  });

  it('uses the presets: base URLs, default models, env over config', () => {
    const env = { OPENAI_API_KEY: 'a', OPENROUTER_API_KEY: 'b', ANTHROPIC_API_KEY: 'c' };
    expect(createProvider('openai', { env })).toMatchObject({ baseUrl: 'https://api.openai.com/v1', defaultModel: 'gpt-4o-mini' });
    expect(createProvider('openrouter', { env })).toMatchObject({ baseUrl: 'https://openrouter.ai/api/v1', defaultModel: 'openai/gpt-4o-mini' });
    expect(createProvider('anthropic', { env })).toMatchObject({ baseUrl: 'https://api.anthropic.com', defaultModel: 'claude-sonnet-4-5' });
    expect(createProvider('ollama', { env: {} })).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', defaultModel: 'llama3.2' });
    const settings = { providers: { openai: { base_url: 'http://config.test/v1', model: 'gpt-4.1' } } };
    expect(createProvider('openai', { env: { ...env, OPENAI_BASE_URL: 'http://env.test/v1/' }, settings })).toMatchObject({
      baseUrl: 'http://env.test/v1',
      defaultModel: 'gpt-4.1',
    });
  });

  it('lets an OpenAI-compatible server of your own run without a key, sending no Authorization', async () => {
    server = await startReplayServer([{ body: fixture('openai-stream.sse') }]);
    const provider = createProvider('openai', { env: { OPENAI_BASE_URL: `${server.url}/v1` } });
    const r = await collect(provider);
    expect(r.error).toBeUndefined();
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('checks provider options: HTTP providers take timeouts and attempts, and reject others', () => {
    const env = { OPENAI_API_KEY: 'k' };
    expect(() => createProvider('openai', { env, providerOptions: { first_token_timeout_ms: '500', max_attempts: 1 } })).not.toThrow();
    const error = thrown(() => createProvider('openai', { env, providerOptions: { tokens_per_second: 0 } }));
    expect(error).toMatchObject({ code: 'E_INVALID_REQUEST' });
    expect(error.message).toMatch(/unknown provider option `tokens_per_second` for the openai provider; valid options: first_token_timeout_ms/);
    expect(thrown(() => createProvider('simulated', { env, providerOptions: { max_attempts: 2 } })).code).toBe('E_INVALID_REQUEST');
  });

  it.each([
    [undefined, 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://gpu-box:11434/', 'http://gpu-box:11434'],
    ['https://ollama.example.com', 'https://ollama.example.com'],
    ['http://gpu-box/v1', 'http://gpu-box:11434'],
  ])('OLLAMA_HOST %s → %s', (host, root) => {
    expect(ollamaRoot(host)).toBe(root);
  });
});

describe('resolveProvider', () => {
  it('takes a name first, then the configured provider', async () => {
    const env = { ANTHROPIC_API_KEY: 'k' };
    const named = await resolveProvider({ name: 'simulated', env, fetch: offline });
    expect(named.provider.name).toBe('simulated');
    expect(named.reason).toBe('using simulated — no model was called: named in the request');
    const configured = await resolveProvider({ env, settings: { provider: 'openai', providers: { openai: { api_key: 'x' } } }, fetch: offline });
    expect(configured.provider.name).toBe('openai');
    expect(configured.reason).toBe("using openai: the server's default provider");
  });

  it('says where the CLI found the provider: flag, environment or config file', async () => {
    const settings = { provider: 'simulated' as const, provider_source: 'CORCH_PROVIDER in the environment' };
    const named = await resolveProvider({ name: 'simulated', env: {}, settings, fetch: offline });
    expect(named.reason).toBe('using simulated — no model was called: from CORCH_PROVIDER in the environment');
    const defaulted = await resolveProvider({ env: {}, settings, fetch: offline });
    expect(defaulted.reason).toBe('using simulated — no model was called: from CORCH_PROVIDER in the environment');
  });

  it('throws for a named provider that cannot be used rather than falling back', async () => {
    await expect(resolveProvider({ name: 'openai', env: {}, fetch: offline })).rejects.toMatchObject({ code: 'E_PROVIDER_AUTH' });
    await expect(resolveProvider({ name: 'nope', env: {}, fetch: offline })).rejects.toMatchObject({ code: 'E_INVALID_REQUEST' });
  });

  it('picks keys in the order ANTHROPIC, OPENAI, OPENROUTER', async () => {
    const all = { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'b', OPENROUTER_API_KEY: 'c' };
    expect((await resolveProvider({ env: all, fetch: offline })).reason).toBe('using anthropic: no provider configured; ANTHROPIC_API_KEY is set');
    expect((await resolveProvider({ env: { ...all, ANTHROPIC_API_KEY: '' }, fetch: offline })).provider.name).toBe('openai');
    expect((await resolveProvider({ env: { OPENROUTER_API_KEY: 'c' }, fetch: offline })).provider.name).toBe('openrouter');
  });

  it('finds a local Ollama through OLLAMA_HOST and uses an installed model', async () => {
    const tags: ScriptedResponse = {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ models: [{ name: 'qwen2.5-coder:7b' }, { name: 'mistral:latest' }] }),
    };
    server = await startReplayServer([tags]);
    const r = await resolveProvider({ env: { OLLAMA_HOST: server.url } });
    expect(r.provider).toMatchObject({ name: 'ollama', defaultModel: 'qwen2.5-coder:7b', baseUrl: `${server.url}/v1` });
    expect(r.reason).toContain(`Ollama answered on ${server.url.replace('http://', '')} (model qwen2.5-coder:7b)`);
    expect(server.requests[0]?.path).toBe('/api/tags');
  });

  it('falls back to simulated, saying why, when nothing answers within the probe timeout', async () => {
    server = await startReplayServer([{ hangAfterBytes: 0 }]);
    const started = performance.now();
    const r = await resolveProvider({ env: { OLLAMA_HOST: server.url }, probeTimeoutMs: 50, providerOptions: { tokens_per_second: 0 } });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.provider.simulated).toBe(true);
    expect(r.reason).toBe(
      'using simulated — no model was called: no provider configured, no API key in the environment ' +
        `(ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY), no Ollama on ${server.url.replace('http://', '')}`,
    );
  });

  it('says so when Ollama runs without models', async () => {
    server = await startReplayServer([{ headers: { 'content-type': 'application/json' }, body: '{"models":[]}' }]);
    const r = await resolveProvider({ env: { OLLAMA_HOST: server.url } });
    expect(r.provider.simulated).toBe(true);
    expect(r.reason).toContain('has no models installed (try `ollama pull llama3.2`)');
  });
});

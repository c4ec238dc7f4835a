import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from '../../src/providers/anthropic.js';
import { collect, REQUEST, recordingSleep } from './helpers/collect.js';
import { bytesIn, replayFetch } from './helpers/replay-fetch.js';
import { fixture, type ReplayServer, type ScriptedResponse, startReplayServer } from './helpers/replay-server.js';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...scripts: ScriptedResponse[]): Promise<ReplayServer> {
  server = await startReplayServer(scripts);
  return server;
}

const TEXT = '## Design\n\nCafé ☕ components 🚀';

describe('Anthropic provider', () => {
  it('streams a Messages stream, ignoring ping and unknown events, and sends the documented request', async () => {
    const s = await serve({ body: fixture('anthropic-stream.sse') });
    const provider = createAnthropicProvider({ baseUrl: s.url, apiKey: 'sk-ant-test', keyHint: 'ANTHROPIC_API_KEY', defaultModel: 'claude-sonnet-4-5' });
    const r = await collect(provider, { ...REQUEST, temperature: 1.4 });
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(TEXT);
    // Input counts cached prompt tokens too; output is message_delta's running total.
    expect(r.finish).toEqual({ type: 'finish', usage: { input_tokens: 30, output_tokens: 12 }, finishReason: 'stop' });

    const [req] = s.requests;
    expect(req?.path).toBe('/v1/messages');
    expect(req?.headers['x-api-key']).toBe('sk-ant-test');
    expect(req?.headers['anthropic-version']).toBe('2023-06-01');
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.body).toEqual({
      model: 'test-model',
      max_tokens: 300,
      system: 'You are the Coder.',
      messages: [{ role: 'user', content: 'Write add(a, b).' }],
      temperature: 1,
      stream: true,
    });
    expect(provider).toMatchObject({ name: 'anthropic', baseUrl: s.url, simulated: false });
  });

  it('accepts a base URL that already ends in /v1', async () => {
    const s = await serve({ body: fixture('anthropic-stream.sse') });
    await collect(createAnthropicProvider({ baseUrl: `${s.url}/v1/`, apiKey: 'k', defaultModel: 'm' }));
    expect(s.requests[0]?.path).toBe('/v1/messages');
  });

  it('parses the stream delivered one byte at a time with CRLF line endings', async () => {
    const { fetch } = replayFetch([{ chunks: bytesIn(fixture('anthropic-stream.sse').replace(/\n/g, '\r\n'), 1) }]);
    const r = await collect(createAnthropicProvider({ baseUrl: 'http://claude.test', apiKey: 'k', defaultModel: 'm', fetch }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(TEXT);
  });

  it('retries an overloaded_error that arrives before the first token, then streams', async () => {
    const s = await serve({ body: fixture('anthropic-overloaded.sse') }, { body: fixture('anthropic-stream.sse') });
    const { sleep, waits } = recordingSleep();
    const provider = createAnthropicProvider({ baseUrl: s.url, apiKey: 'k', defaultModel: 'm', sleep, random: () => 0 });
    const r = await collect(provider);
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(TEXT);
    expect(s.requests).toHaveLength(2);
    expect(waits).toEqual([250]);
  });

  it('fails with E_PROVIDER_STREAM on an overloaded_error mid-stream, keeping the partial text, without retrying', async () => {
    const s = await serve({ body: fixture('anthropic-midstream-error.sse') });
    const { sleep, waits } = recordingSleep();
    const r = await collect(createAnthropicProvider({ baseUrl: s.url, apiKey: 'k', defaultModel: 'm', sleep }));
    expect(r.text).toBe('Half an answer');
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_STREAM', retryable: true });
    expect((r.error as Error).message).toMatch(/Anthropic .* reported overloaded_error mid-stream: Overloaded/);
    expect(s.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('retries HTTP 529 (overloaded) and names the key variable on 401', async () => {
    const overloaded = JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const s = await serve(
      { status: 529, headers: { 'content-type': 'application/json' }, body: overloaded },
      { status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }) },
    );
    const { sleep } = recordingSleep();
    const r = await collect(createAnthropicProvider({ baseUrl: s.url, apiKey: 'bad', keyHint: 'ANTHROPIC_API_KEY', defaultModel: 'm', sleep }));
    expect(s.requests).toHaveLength(2);
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_AUTH', retryable: false, status: 401 });
    expect((r.error as Error).message).toContain(`${s.url}/v1/messages`);
    expect((r.error as Error).message).toContain('invalid x-api-key');
    expect((r.error as Error).message).toContain('check ANTHROPIC_API_KEY');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAiCompatibleProvider } from '../../src/providers/openai-compatible.js';
import { collect, REQUEST } from './helpers/collect.js';
import { bytesAt, bytesIn, replayFetch } from './helpers/replay-fetch.js';
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

const OPENAI_TEXT = 'Hello, wörld 🌍 — ✓';

describe('OpenAI-compatible provider: recorded streams over HTTP', () => {
  it('streams a normal OpenAI stream with its usage chunk and [DONE], and sends the documented request', async () => {
    const s = await serve({ body: fixture('openai-stream.sse') });
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${s.url}/v1/`, apiKey: 'sk-test', defaultModel: 'gpt-4o-mini' });
    const r = await collect(provider);
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(OPENAI_TEXT);
    expect(r.deltas).toEqual(['Hello', ', wörld', ' 🌍 — ✓']);
    expect(r.finish).toEqual({ type: 'finish', usage: { input_tokens: 21, output_tokens: 7 }, finishReason: 'stop' });

    const [req] = s.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v1/chat/completions');
    expect(req?.headers.authorization).toBe('Bearer sk-test');
    expect(req?.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'You are the Coder.' },
        { role: 'user', content: 'Write add(a, b).' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.5,
      max_tokens: 300,
    });
    expect(provider).toMatchObject({ name: 'openai', simulated: false, baseUrl: `${s.url}/v1` });
  });

  it('sends no Authorization header when there is no key (local servers)', async () => {
    const s = await serve({ body: fixture('ollama-stream.sse') });
    const provider = createOpenAiCompatibleProvider({ name: 'ollama', baseUrl: `${s.url}/v1`, defaultModel: 'llama3.2' });
    const r = await collect(provider);
    expect(r.text).toBe('Sure.');
    expect(r.finish?.usage).toEqual({ input_tokens: 18, output_tokens: 2 });
    expect(s.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('skips OpenRouter keep-alive comments and `choices: null`, with CRLF line endings, one byte at a time', async () => {
    const body = fixture('openrouter-stream.sse').replace(/\n/g, '\r\n');
    const s = await serve({ body, chunkBytes: 1 });
    const provider = createOpenAiCompatibleProvider({ name: 'openrouter', baseUrl: s.url, apiKey: 'k', defaultModel: 'm' });
    const r = await collect(provider);
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('def add(a, b):\n    return a + b');
    expect(r.finish).toEqual({ type: 'finish', usage: { input_tokens: 30, output_tokens: 9 }, finishReason: 'length' });
  });

  it('fails with E_PROVIDER_STREAM on an error payload mid-stream, after yielding the partial text', async () => {
    const s = await serve({ body: fixture('openrouter-midstream-error.sse') });
    const provider = createOpenAiCompatibleProvider({ name: 'openrouter', baseUrl: s.url, apiKey: 'k', defaultModel: 'm' });
    const r = await collect(provider);
    expect(r.text).toBe('Partial answer');
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_STREAM', retryable: true });
    expect((r.error as Error).message).toMatch(/OpenRouter .* reported server_error mid-stream: Provider disconnected unexpectedly/);
    expect(s.requests).toHaveLength(1);
  });

  it('fails with E_PROVIDER_STREAM when the connection drops mid-stream, keeping the partial text', async () => {
    const body = fixture('openai-stream.sse');
    const cut = body.indexOf('data:', body.indexOf('" 🌍'));
    const s = await serve({ body, dropAfterBytes: Buffer.byteLength(body.slice(0, cut)) + 20 });
    const provider = createOpenAiCompatibleProvider({ baseUrl: s.url, apiKey: 'k', defaultModel: 'm' });
    const r = await collect(provider);
    expect(r.text).toBe(OPENAI_TEXT);
    expect(r.finish).toBeUndefined();
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_STREAM' });
    expect((r.error as Error).message).toMatch(new RegExp(`broke mid-stream after ${OPENAI_TEXT.length} characters`));
    expect(s.requests).toHaveLength(1);
  });

  it('fails with E_PROVIDER_STREAM on a malformed JSON chunk', async () => {
    const body = 'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: {"choices":[{"ind\n\n';
    const s = await serve({ body });
    const r = await collect(createOpenAiCompatibleProvider({ baseUrl: s.url, defaultModel: 'm' }));
    expect(r.text).toBe('ok');
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_STREAM' });
    expect((r.error as Error).message).toMatch(/malformed chunk after 2 characters/);
  });

  it('uses max_completion_tokens and drops temperature for reasoning models on api.openai.com', async () => {
    const { fetch, calls } = replayFetch([{ chunks: bytesIn(fixture('openai-stream.sse'), 4096) }]);
    const provider = createOpenAiCompatibleProvider({ baseUrl: 'https://api.openai.com/v1', apiKey: 'k', defaultModel: 'm', fetch });
    await collect(provider, { ...REQUEST, model: 'o4-mini' });
    const sent = JSON.parse(String(calls[0]?.init?.body)) as Record<string, unknown>;
    expect(calls[0]?.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(sent.max_completion_tokens).toBe(300);
    expect(sent).not.toHaveProperty('max_tokens');
    expect(sent).not.toHaveProperty('temperature');
  });
});

describe('OpenAI-compatible provider: hostile chunking through an injected fetch', () => {
  const body = fixture('openai-stream.sse');
  const crlf = body.replace(/\n/g, '\r\n');
  const utf8 = new TextEncoder();
  const globe = utf8.encode(body.slice(0, body.indexOf('🌍'))).length;

  it.each([
    ['one byte at a time', bytesIn(body, 1)],
    ['CRLF, one byte at a time', bytesIn(crlf, 1)],
    ['CRLF split between CR and LF', bytesAt(crlf, [...crlf.matchAll(/\r\n/g)].map((m) => utf8.encode(crlf.slice(0, m.index)).length + 1))],
    ['split inside the 🌍 and ö UTF-8 sequences', bytesAt(body, [globe + 1, globe + 2, globe + 3, utf8.encode(body.slice(0, body.indexOf('ö'))).length + 1])],
    ['three bytes at a time', bytesIn(body, 3)],
    ['the whole stream in one chunk', bytesIn(body, 1 << 20)],
  ])('%s', async (_name, chunks) => {
    const { fetch } = replayFetch([{ chunks }]);
    const r = await collect(createOpenAiCompatibleProvider({ baseUrl: 'http://llm.test/v1', defaultModel: 'm', fetch }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(OPENAI_TEXT);
    expect(r.finish?.usage).toEqual({ input_tokens: 21, output_tokens: 7 });
  });

  it('estimates usage when a server sends none, and accepts a stream that ends after finish_reason without [DONE]', async () => {
    const stream =
      'data: {"choices":[{"index":0,"delta":{"content":"abcdefgh"},"finish_reason":null}]}\n\n' +
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
    const { fetch } = replayFetch([{ chunks: bytesIn(stream, 7) }]);
    const r = await collect(createOpenAiCompatibleProvider({ baseUrl: 'http://llm.test/v1', defaultModel: 'm', fetch }));
    expect(r.error).toBeUndefined();
    const prompt = REQUEST.system.length + (REQUEST.messages[0]?.content.length ?? 0);
    expect(r.finish).toEqual({
      type: 'finish',
      usage: { input_tokens: Math.ceil(prompt / 4), output_tokens: 2 },
      finishReason: 'stop',
    });
  });

  it('fails with E_PROVIDER_STREAM when the body ends with neither finish_reason nor [DONE]', async () => {
    const stream = 'data: {"choices":[{"index":0,"delta":{"content":"half"},"finish_reason":null}]}\n\ndata: {"choi';
    const { fetch } = replayFetch([{ chunks: bytesIn(stream, 10) }]);
    const r = await collect(createOpenAiCompatibleProvider({ baseUrl: 'http://llm.test/v1', defaultModel: 'm', fetch }));
    expect(r.text).toBe('half');
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_STREAM' });
    expect((r.error as Error).message).toMatch(/ended the stream before finishing, after 4 characters/);
  });

  it('fails with E_PROVIDER_STREAM when a server answers JSON instead of an event stream', async () => {
    const { fetch } = replayFetch([
      { headers: { 'content-type': 'application/json' }, chunks: bytesIn('{"error":{"message":"streaming disabled"}}', 64) },
    ]);
    const r = await collect(createOpenAiCompatibleProvider({ baseUrl: 'http://llm.test/v1', defaultModel: 'm', fetch }));
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_STREAM' });
    expect((r.error as Error).message).toMatch(/did not answer with an event stream.*streaming disabled/);
  });
});

import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/orchestrator/index.js';
import { harness, ofType, tokensByChunk } from './harness.js';

/** A fetch that finds nothing listening (no local Ollama). */
const nothingListening = (async () => {
  throw new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:11434');
}) as typeof fetch;

/** An OpenAI-compatible server, answering each chat completion with a streamed reply for its role. */
function openAiServer(calls: { url: string; body: Record<string, unknown> }[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    calls.push({ url, body });
    const messages = body.messages as { role: string; content: string }[];
    const system = messages.find((m) => m.role === 'system')?.content ?? '';
    const text = system.startsWith('You are the Reviewer')
      ? '```json\n{"issues_found": false, "critical_issues": [], "suggestions": [], "code_quality_score": 8}\n```'
      : `${system.slice(0, 24)} — reply\n`;
    const chunks = [...text.matchAll(/[\s\S]{1,5}/g)].map((m) => ({ choices: [{ index: 0, delta: { content: m[0] } }] }));
    const frames = [
      ...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`),
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 100, completion_tokens: chunks.length } })}\n\n`,
      'data: [DONE]\n\n',
    ];
    return new Response(frames.join(''), { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
}

describe('createRunner with the real provider resolution', () => {
  it('falls back to the simulated provider, with a warning that says why', async () => {
    const runner = createRunner({ env: {}, fetch: nothingListening });
    const request = { task: 'a rate limiter', provider_options: { tokens_per_second: 0 } };
    await runner.prepare!(request);
    const h = harness(request);
    await runner.run(h.ctx);
    expect(ofType(h.events, 'task_started')[0]).toMatchObject({ provider: 'simulated', simulated: true });
    const message = ofType(h.events, 'system_message')[0]!;
    expect(message.level).toBe('warn');
    expect(message.message).toMatch(/simulated — no model was called/);
    expect(message.message).toMatch(/no API key/);
    expect(h.events.at(-1)?.event).toBe('task_completed');
  });

  it('refuses a named provider without its key, naming the variable', async () => {
    const runner = createRunner({ env: {}, fetch: nothingListening });
    await expect(runner.prepare!({ task: 'x', provider: 'anthropic' })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      status: 400,
      message: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
  });

  it('streams from an OpenAI-compatible server given by OPENAI_BASE_URL', async () => {
    const calls: { url: string; body: Record<string, unknown> }[] = [];
    const runner = createRunner({
      env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
      fetch: openAiServer(calls),
      settings: { prices: { 'gpt-4o-mini': { input: 1, output: 1 } } },
    });
    const request = { task: 'a rate limiter', model: 'gpt-4o-mini', stages: { coder: { temperature: 0.1 } } };
    await runner.prepare!(request);
    const h = harness(request);
    await runner.run(h.ctx);
    expect(h.events.at(-1)?.event).toBe('task_completed');
    expect(ofType(h.events, 'task_started')[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', simulated: false });
    expect(ofType(h.events, 'chunk_started').map((c) => c.stage)).toEqual(['architect', 'coder', 'reviewer', 'documenter']);
    expect(calls.map((c) => c.url)).toEqual(Array(4).fill('http://127.0.0.1:9/v1/chat/completions'));
    expect(calls[1]!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.1, max_tokens: 3000, stream: true });
    const joined = tokensByChunk(h.events);
    for (const c of ofType(h.events, 'chunk_completed')) {
      expect(joined.get(c.chunk_number)).toBe(c.output);
      expect(c.usage.input_tokens).toBe(100);
      expect(c.cost).toBeCloseTo((100 + c.usage.output_tokens) / 1e6, 9);
    }
    expect(ofType(h.events, 'chunk_completed')[0]!.output).toBe('You are the Architect. Y — reply\n');
  });
});

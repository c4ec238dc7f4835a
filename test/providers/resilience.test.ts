import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from '../../src/providers/openai-compatible.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { collect, REQUEST, recordingSleep } from './helpers/collect.js';
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

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ScriptedResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const OK = { body: fixture('openai-stream.sse') };

/** Waits, turn by turn, until `done()` holds (what the test waits for, not how long it takes). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 1));
}

function provider(s: ReplayServer, extra: Partial<OpenAiCompatibleOptions> = {}) {
  return createOpenAiCompatibleProvider({ baseUrl: `${s.url}/v1`, apiKey: 'k', keyHint: 'OPENAI_API_KEY', defaultModel: 'm', ...extra });
}

describe('HTTP errors', () => {
  it('401 → E_PROVIDER_AUTH naming the key variable and the URL, not retried', async () => {
    const s = await serve(json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    const { sleep, waits } = recordingSleep();
    const r = await collect(provider(s, { sleep }));
    expect(r.error).toBeInstanceOf(CorchError);
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_AUTH', status: 401, retryable: false });
    expect((r.error as Error).message).toBe(
      `OpenAI at ${s.url}/v1/chat/completions rejected the request (401): Incorrect API key provided — check OPENAI_API_KEY`,
    );
    expect(s.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('404 for an unknown model → E_PROVIDER_BAD_REQUEST with the vendor message (Ollama’s string error too)', async () => {
    const s = await serve(json(404, { error: "model 'nope' not found, try pulling it first" }));
    const r = await collect(provider(s));
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_BAD_REQUEST', status: 404 });
    expect((r.error as Error).message).toContain("model 'nope' not found");
  });

  it('429 with Retry-After in seconds waits that long, then succeeds', async () => {
    const s = await serve(json(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '2' }), OK);
    const { sleep, waits } = recordingSleep();
    const r = await collect(provider(s, { sleep }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Hello, wörld 🌍 — ✓');
    expect(waits).toEqual([2000]);
    expect(s.requests).toHaveLength(2);
  });

  it('tells the caller about each retry: who failed, why, how long until the next attempt, and which one', async () => {
    const s = await serve(json(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '2' }), OK);
    const { sleep } = recordingSleep();
    const notices: unknown[] = [];
    const p = provider(s, { sleep });
    for await (const _ of p.stream(REQUEST, { signal: new AbortController().signal, onRetry: (n) => notices.push(n) })) {
      // drain
    }
    expect(notices).toEqual([
      { attempt: 1, maxAttempts: 3, delayMs: 2000, code: 'E_PROVIDER_RATE_LIMIT', message: expect.stringContaining('Rate limit reached') },
    ]);
  });

  it('the backoff sleeps on the injected clock when no sleep is given', async () => {
    const s = await serve(json(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '2' }), OK);
    const clock = new ManualClock();
    const collected = collect(provider(s, { clock, timeouts: { firstTokenMs: 0, idleMs: 0 } }));
    await until(() => s.requests.length === 1 && clock.pending === 1);
    clock.advance(1999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.requests).toHaveLength(1);
    clock.advance(1);
    const r = await collected;
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Hello, wörld 🌍 — ✓');
    expect(s.requests).toHaveLength(2);
  });

  it('429 with Retry-After as an HTTP date, and a Retry-After far away is capped', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const s = await serve(
      json(429, { error: { message: 'slow down' } }, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }),
      json(429, { error: { message: 'slow down' } }, { 'retry-after': '3600' }),
      OK,
    );
    const { sleep, waits } = recordingSleep();
    const r = await collect(provider(s, { sleep, now: () => now }));
    expect(r.error).toBeUndefined();
    expect(waits).toEqual([5000, 30_000]);
  });

  it('500 then success: one retry after an exponential backoff with jitter', async () => {
    const s = await serve(json(500, { error: { message: 'The server had an error' } }), OK);
    const { sleep, waits } = recordingSleep();
    const r = await collect(provider(s, { sleep, random: () => 0.5, retry: { baseDelayMs: 1000 } }));
    expect(r.error).toBeUndefined();
    // Half of the 1000 ms backoff is fixed, the other half scaled by the jitter.
    expect(waits).toEqual([750]);
  });

  it('gives up after max attempts with E_PROVIDER_UNAVAILABLE', async () => {
    const s = await serve(json(503, { error: { message: 'busy' } }));
    const { sleep, waits } = recordingSleep();
    const r = await collect(provider(s, { sleep, random: () => 0, retry: { maxAttempts: 4 } }));
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: true, status: 503 });
    expect(s.requests).toHaveLength(4);
    expect(waits).toEqual([250, 500, 1000]);
  });

  it('does not retry a 429 that means the quota is used up', async () => {
    const s = await serve(json(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota' } }));
    const r = await collect(provider(s, { sleep: recordingSleep().sleep }));
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_RATE_LIMIT', retryable: false });
    expect(s.requests).toHaveLength(1);
  });

  it('a refused connection → E_PROVIDER_UNAVAILABLE, retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { sleep, waits } = recordingSleep();
    const p = createOpenAiCompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, defaultModel: 'm', sleep, retry: { maxAttempts: 2 } });
    const r = await collect(p);
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE' });
    expect((r.error as Error).message).toMatch(/could not reach OpenAI at http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: .*ECONNREFUSED/);
    expect(waits).toHaveLength(1);
  });
});

describe('timeouts and abort', () => {
  const body = fixture('openai-stream.sse');
  const afterFirstToken = Buffer.byteLength(body.slice(0, body.indexOf('data:', body.indexOf('"Hello"'))));

  // Timeouts run on the injected clock: the test moves time, so a loaded machine cannot fire them early or late.
  it('first-token timeout → E_PROVIDER_TIMEOUT and the connection is closed', async () => {
    const s = await serve({ body, hangAfterBytes: 0 });
    const clock = new ManualClock();
    const collected = collect(provider(s, { clock, timeouts: { firstTokenMs: 50 }, retry: { maxAttempts: 1 } }));
    await until(() => s.requests.length === 1 && clock.pending === 1);
    clock.advance(49);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(1);
    clock.advance(1);
    const r = await collected;
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_TIMEOUT', retryable: true });
    expect((r.error as Error).message).toMatch(/sent no text within 0\.05 s \(first-token timeout\)/);
    await s.requests[0]?.closed;
  });

  it('idle timeout between tokens → E_PROVIDER_TIMEOUT, keeping the partial text', async () => {
    const s = await serve({ body, hangAfterBytes: afterFirstToken });
    const clock = new ManualClock();
    // No first-token timer: the one timer pending is the silence clock, armed by the first token.
    const collected = collect(provider(s, { clock, timeouts: { firstTokenMs: 0, idleMs: 50 } }));
    await until(() => clock.pending === 1);
    clock.advance(50);
    const r = await collected;
    expect(r.text).toBe('Hello');
    expect(r.error).toMatchObject({ code: 'E_PROVIDER_TIMEOUT' });
    expect((r.error as Error).message).toMatch(/went silent for 0\.05 s mid-stream \(idle timeout\)/);
    await s.requests[0]?.closed;
  });

  it('aborting mid-stream throws the signal’s reason at once and the server sees the connection close', async () => {
    const s = await serve({ body, hangAfterBytes: afterFirstToken });
    const controller = new AbortController();
    const reason = new CorchError('E_CANCELLED', 'cancelled by the user');
    const deltas: string[] = [];
    const run = (async () => {
      for await (const part of provider(s).stream({ model: 'm', system: '', messages: [], temperature: 0, max_tokens: 10 }, { signal: controller.signal })) {
        if (part.type === 'text-delta') {
          deltas.push(part.text);
          controller.abort(reason);
        }
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(deltas).toEqual(['Hello']);
    await s.requests[0]?.closed;
  });

  it('aborting while waiting for the response headers rejects with the reason', async () => {
    const s = await serve({ body, hangAfterBytes: 0 });
    const controller = new AbortController();
    const pending = collect(provider(s), undefined, controller.signal);
    while (s.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const r = await pending;
    expect(r.error).toMatchObject({ name: 'AbortError' });
    await s.requests[0]?.closed;
  });

  it('aborting during a retry backoff stops at once', async () => {
    const s = await serve(json(503, { error: { message: 'busy' } }));
    const controller = new AbortController();
    const pending = collect(provider(s, { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } }), undefined, controller.signal);
    while (s.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    setTimeout(() => controller.abort(new CorchError('E_CANCELLED', 'stop')), 20);
    const r = await pending;
    expect(r.error).toMatchObject({ code: 'E_CANCELLED' });
    expect(s.requests).toHaveLength(1);
  });

  it('a consumer that stops reading early closes the connection', async () => {
    const s = await serve({ body, hangAfterBytes: afterFirstToken });
    for await (const part of provider(s).stream({ model: 'm', system: '', messages: [], temperature: 0, max_tokens: 10 }, { signal: new AbortController().signal })) {
      if (part.type === 'text-delta') break;
    }
    await s.requests[0]?.closed;
  });
});

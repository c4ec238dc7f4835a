import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CorchError } from '../../src/protocol/errors.js';
import type { RunningServer } from '../../src/server/index.js';
import { MAX_BODY_BYTES } from '../../src/server/index.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { closeServers, createStream, serve } from './server-harness.js';

afterEach(closeServers);

interface ErrorReply {
  status: number;
  code: string;
  message: string;
  headers: Headers;
}

async function call(server: RunningServer, method: string, path: string, init: RequestInit = {}): Promise<ErrorReply> {
  const response = await fetch(server.url + path, { method, ...init });
  const text = await response.text();
  let body: { error?: { code?: string; message?: string } } = {};
  if (text !== '') body = JSON.parse(text) as typeof body;
  return { status: response.status, code: body.error?.code ?? '', message: body.error?.message ?? '', headers: response.headers };
}

const post = (server: RunningServer, body: string, headers: Record<string, string> = {}) =>
  call(server, 'POST', '/api/stream/task', { body, headers: { 'content-type': 'application/json', ...headers } });

describe('400 for bad task requests', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '{"task": ', /not valid JSON/],
    ['an empty body', '', /empty/],
    ['an array', '[]', /must be a JSON object, got an array/],
    ['a missing task', '{}', /`task` is required/],
    ['an empty task', '{"task": "   "}', /`task` must not be empty/],
    ['a task that is not a string', '{"task": 42}', /`task` is required and must be a string, got 42/],
    ['a context array', '{"task": "t", "context": [1]}', /`context` must be a JSON object, got an array/],
    ['a context string', '{"task": "t", "context": "x"}', /`context` must be a JSON object/],
    ['an unknown option', '{"task": "t", "temperature": 1}', /unknown option `temperature`/],
    ['a provider that is not a string', '{"task": "t", "provider": 3}', /`provider` must be a non-empty string/],
    ['an unknown stage', '{"task": "t", "stages": {"tester": {}}}', /`stages.tester` is not a stage/],
    ['a bad temperature', '{"task": "t", "stages": {"coder": {"temperature": 5}}}', /temperature` must be a number from 0 to 2/],
    ['an unknown stage option', '{"task": "t", "stages": {"coder": {"top_p": 1}}}', /unknown option `stages.coder.top_p`/],
    ['a negative budget', '{"task": "t", "budget": {"max_seconds": -1}}', /`budget.max_seconds` must be a number of seconds greater than 0/],
    ['provider_options not an object', '{"task": "t", "provider_options": 1}', /`provider_options` must be a JSON object/],
    ['a context nested 10,000 levels', `{"task": "t", "context": ${'{"a":'.repeat(9999)}{}${'}'.repeat(9999)}}`, /`context` nests deeper than 32 levels/],
    ['a stream flag that is not a boolean', '{"task": "t", "stream": "yes"}', /`stream` must be true or false/],
    ['an unknown on_disconnect', '{"task": "t", "on_disconnect": "later"}', /`on_disconnect` must be one of "continue", "cancel"/],
  ];
  for (const [name, body, message] of cases) {
    it(`rejects ${name}`, async () => {
      const server = await serve();
      const reply = await post(server, body);
      expect(reply.status).toBe(400);
      expect(reply.code).toMatch(/^E_INVALID_(JSON|REQUEST)$/);
      expect(reply.message).toMatch(message);
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });
  }

  it('accepts every documented option, and null for optional ones', async () => {
    const server = await serve();
    const body = {
      task: 't',
      context: null,
      provider: 'simulated',
      model: 'm',
      stages: { coder: { model: 'x', temperature: 0.2, max_tokens: 100 } },
      provider_options: { tokens_per_second: 0 },
      budget: { max_seconds: 10, max_cost: 0, stage_seconds: 5 },
      stream: true,
      on_disconnect: 'continue',
    };
    expect((await post(server, JSON.stringify(body))).status).toBe(201);
  });

  it('answers 400 with the runner’s message when prepare rejects the request, and creates nothing', async () => {
    const runner = new ScriptedRunner({
      prepare: async (request) => {
        throw new CorchError('E_INVALID_REQUEST', `no key for provider "${request.provider}"`);
      },
    });
    const server = await serve({ runner });
    const reply = await post(server, '{"task": "t", "provider": "openai"}');
    expect(reply).toMatchObject({ status: 400, code: 'E_INVALID_REQUEST', message: 'no key for provider "openai"' });
    expect(runner.contexts).toEqual([]);
    expect(server.manager.counts().total).toBe(0);
  });

  it('answers 500 without internals when prepare fails unexpectedly', async () => {
    const errors: unknown[] = [];
    const runner = new ScriptedRunner({
      prepare: async () => {
        throw new Error('secret detail');
      },
    });
    const server = await serve({ runner, onError: (error) => errors.push(error) });
    const reply = await post(server, '{"task": "t"}');
    expect(reply).toMatchObject({ status: 500, code: 'E_INTERNAL', message: 'internal server error' });
    expect(errors).toHaveLength(1);
  });

  it('rejects a malformed or future Last-Event-ID and a bad list limit', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const created = await createStream(server);
    const bad = await call(server, 'GET', created.events_url, { headers: { 'Last-Event-ID': 'abc' } });
    expect(bad).toMatchObject({ status: 400, code: 'E_INVALID_REQUEST' });
    expect(bad.message).toMatch(/`Last-Event-ID` must be a non-negative integer/);
    expect((await call(server, 'GET', `${created.events_url}?last_event_id=-1`)).status).toBe(400);
    const future = await call(server, 'GET', `${created.events_url}?last_event_id=99`);
    expect(future).toMatchObject({ status: 400 });
    expect(future.message).toMatch(/past the stream's last event/);
    expect((await call(server, 'GET', '/api/streams?limit=0')).status).toBe(400);
  });
});

describe('413, 404, 405', () => {
  it('answers 413 to a body over 1 MiB', async () => {
    const server = await serve();
    const big = JSON.stringify({ task: 'x'.repeat(MAX_BODY_BYTES) });
    const reply = await post(server, big);
    expect(reply).toMatchObject({ status: 413, code: 'E_PAYLOAD_TOO_LARGE' });
  });

  it('answers 413 to a chunked body that grows past 1 MiB', async () => {
    const server = await serve();
    const piece = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + piece.length) controller.close();
        else {
          sent += piece.length;
          controller.enqueue(piece);
        }
      },
    });
    const response = await fetch(`${server.url}/api/stream/task`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    } as RequestInit);
    expect(response.status).toBe(413);
    await response.body?.cancel();
  });

  it('answers 404 to unknown streams and routes', async () => {
    const server = await serve();
    for (const [method, path] of [
      ['GET', '/api/stream/status/nope'],
      ['GET', '/api/stream/events/nope'],
      ['POST', '/api/stream/nope/cancel'],
      ['DELETE', '/api/stream/nope'],
      ['GET', '/api/nothing'],
      ['GET', '/'],
      ['GET', '/api/stream/status/bad%20id'],
    ] as const) {
      const reply = await call(server, method, path);
      expect(reply, `${method} ${path}`).toMatchObject({ status: 404, code: 'E_NOT_FOUND' });
    }
  });

  it('answers 405 with Allow to a wrong method', async () => {
    const server = await serve();
    for (const [method, path, allow] of [
      ['GET', '/api/stream/task', 'POST, OPTIONS'],
      ['POST', '/api/stream/status/x', 'GET, HEAD, OPTIONS'],
      ['PUT', '/api/stream/events/x', 'GET, OPTIONS'],
      ['GET', '/api/stream/x/cancel', 'POST, OPTIONS'],
      ['PATCH', '/api/stream/x', 'DELETE, OPTIONS'],
      ['POST', '/api/streams', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/healthz', 'GET, HEAD, OPTIONS'],
    ] as const) {
      const reply = await call(server, method, path);
      expect(reply, `${method} ${path}`).toMatchObject({ status: 405, code: 'E_METHOD_NOT_ALLOWED' });
      expect(reply.headers.get('allow')).toBe(allow);
    }
  });
});

describe('401 with an API key configured', () => {
  const KEY = 'sk-test-1234567890';
  const routes = (id: string) =>
    [
      ['POST', '/api/stream/task'],
      ['GET', `/api/stream/events/${id}`],
      ['GET', `/api/stream/status/${id}`],
      ['POST', `/api/stream/${id}/cancel`],
      ['DELETE', `/api/stream/${id}`],
      ['GET', '/api/streams'],
      ['GET', '/api/unknown'],
    ] as const;

  it('refuses every route without the key or with a wrong one, except /healthz', async () => {
    const server = await serve({ apiKey: KEY, runner: new ScriptedRunner({ pace: 'manual' }) });
    const created = await createStream(server, { task: 't' }, { authorization: `Bearer ${KEY}` });
    for (const [method, path] of routes(created.stream_id)) {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { 'x-api-key': `${KEY}x` }, { authorization: KEY }];
      for (const headers of attempts) {
        const reply = await call(server, method, path, { headers, body: method === 'POST' ? '{"task":"t"}' : null });
        expect(reply, `${method} ${path} ${JSON.stringify(headers)}`).toMatchObject({ status: 401, code: 'E_UNAUTHORIZED' });
        expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="corch"');
      }
    }
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('accepts the key as a Bearer token or as X-API-Key on every route', async () => {
    const server = await serve({ apiKey: KEY, runner: new ScriptedRunner({ pace: 'manual' }) });
    const ways: Record<string, string>[] = [{ authorization: `Bearer ${KEY}` }, { 'x-api-key': KEY }];
    for (const headers of ways) {
      const created = await createStream(server, { task: 't' }, headers);
      const status = await fetch(server.url + created.status_url, { headers });
      expect(status.status).toBe(200);
      const events = await fetch(server.url + created.events_url, { headers });
      expect(events.status).toBe(200);
      await events.body?.cancel();
      expect((await fetch(`${server.url}/api/streams`, { headers })).status).toBe(200);
      expect((await fetch(`${server.url}/api/stream/${created.stream_id}/cancel`, { method: 'POST', headers })).status).toBe(200);
      expect((await fetch(`${server.url}/api/stream/${created.stream_id}`, { method: 'DELETE', headers })).status).toBe(200);
    }
  });
});

describe('CORS', () => {
  it('is off by default', async () => {
    const server = await serve();
    const response = await fetch(`${server.url}/api/streams`, { headers: { origin: 'http://localhost:5173' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights (without auth) and tags responses for the configured origin', async () => {
    const server = await serve({ corsOrigin: 'http://localhost:5173', apiKey: 'k' });
    const preflight = await fetch(`${server.url}/api/stream/events/x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'last-event-id, authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Last-Event-ID/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
    const denied = await fetch(`${server.url}/api/streams`, { headers: { origin: 'http://localhost:5173' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const other = await fetch(`${server.url}/api/streams`, { headers: { origin: 'http://evil.test', 'x-api-key': 'k' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('hostile clients', () => {
  /** Sends raw bytes and resolves with everything the server answered before closing. */
  function raw(server: RunningServer, bytes: string, keepOpen = false): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
      socket.write(bytes);
      if (!keepOpen) socket.end();
    });
  }

  it('closes a connection that never finishes its headers (header timeout)', async () => {
    const server = await serve({ headersTimeoutMs: 200, requestTimeoutMs: 200 });
    const answer = await raw(server, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', true);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers 400 to garbage and keeps serving', async () => {
    const server = await serve();
    expect(await raw(server, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('does not cut an SSE response at the request timeout', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, headersTimeoutMs: 200, requestTimeoutMs: 200 });
    const created = await createStream(server);
    const response = await fetch(server.url + created.events_url);
    const reader = response.body!.getReader();
    await reader.read(); // retry:
    // Longer than the request timeout plus node's check interval.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    runner.release(created.stream_id, 1);
    const next = await reader.read();
    expect(next.done).toBe(false);
    expect(new TextDecoder().decode(next.value)).toMatch(/^id: 1\n/);
    await reader.cancel();
  });
});

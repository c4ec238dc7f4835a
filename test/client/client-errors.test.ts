import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCorchClient } from '../../src/client/index.js';
import { CorchError } from '../../src/protocol/index.js';
import { sendJson, startTestServer, type TestServer } from './sse-test-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

/** A port that nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const state = {
  stream_id: 'str_1',
  task: 't',
  status: 'running',
  total_chunks: 5,
  chunks_completed: 1,
  current_agent: 'Coder',
  current_stage: 'coder',
  error_message: null,
  estimated_time: 10,
  estimated_cost: null,
  actual_cost: null,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:01Z',
  last_event_id: 7,
  result: null,
};

describe('client requests', () => {
  it('creates a task with the bearer key and JSON body, and reads status, list, cancel and health', async () => {
    const server = await serve((_req, res, seen) => {
      if (seen.url === '/api/stream/task') {
        sendJson(res, 201, { stream_id: 'str_1', task: 't', status: 'initializing', created_at: 'x', events_url: '/e', status_url: '/s' });
      } else if (seen.url === '/api/streams') sendJson(res, 200, { streams: [state] });
      else if (seen.url === '/healthz') sendJson(res, 200, { status: 'ok', streams: 1 });
      else if (seen.url.endsWith('/cancel')) sendJson(res, 200, { ...state, status: 'cancelled' });
      else sendJson(res, 200, state);
    });
    const client = createCorchClient({ baseUrl: `${server.baseUrl}/`, apiKey: 'sekret' });
    const created = await client.createTask({ task: 't', provider: 'simulated' });
    expect(created.stream_id).toBe('str_1');
    expect(server.requests[0]).toMatchObject({ method: 'POST', authorization: 'Bearer sekret' });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ task: 't', provider: 'simulated' });
    expect((await client.status('str_1')).last_event_id).toBe(7);
    expect(await client.list()).toHaveLength(1);
    expect((await client.cancel('str_1'))?.status).toBe('cancelled');
    expect(await client.health()).toMatchObject({ status: 'ok' });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/stream/task',
      '/api/stream/status/str_1',
      '/api/streams',
      '/api/stream/str_1/cancel',
      '/healthz',
    ]);
  });

  it('accepts an empty 202/204 answer to cancel', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await createCorchClient({ baseUrl: server.baseUrl }).cancel('str_1')).toBeUndefined();
  });
});

describe('client errors', () => {
  it('maps a refused connection to E_UNREACHABLE naming the URL and what to do', async () => {
    const baseUrl = `http://127.0.0.1:${await freePort()}`;
    const client = createCorchClient({ baseUrl });
    for (const attempt of [client.status('x'), client.subscribe('x', { onEvent: () => undefined })]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorchError);
      expect(error).toMatchObject({ code: 'E_UNREACHABLE' });
      expect((error as Error).message).toContain(baseUrl);
      expect((error as Error).message).toContain('corch serve');
      expect((error as Error).message).toContain('--base-url');
    }
  });

  it('maps 401 to E_UNAUTHORIZED and says which flag or variable sets the key', async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { error: { code: 'E_UNAUTHORIZED', message: 'bad key' } }));
    const withoutKey = await createCorchClient({ baseUrl: server.baseUrl })
      .subscribe('str_1', { onEvent: () => undefined })
      .catch((e: unknown) => e);
    expect(withoutKey).toMatchObject({ code: 'E_UNAUTHORIZED', status: 401 });
    expect((withoutKey as Error).message).toMatch(/--api-key.*CORCH_API_KEY/);
    const withKey = await createCorchClient({ baseUrl: server.baseUrl, apiKey: 'nope' })
      .createTask({ task: 't' })
      .catch((e: unknown) => e);
    expect((withKey as Error).message).toContain('refused');
  });

  it('maps 404 to E_NOT_FOUND and keeps other server errors as sent', async () => {
    const server = await serve((_req, res, seen) => {
      if (seen.url.startsWith('/api/stream/events/')) sendJson(res, 404, { error: { code: 'E_NOT_FOUND', message: 'no stream "nope"' } });
      else if (seen.url === '/api/stream/task') sendJson(res, 400, { error: { code: 'E_INVALID_REQUEST', message: '`task` must be a non-empty string' } });
      else sendJson(res, 429, { error: { code: 'E_TOO_MANY_STREAMS', message: 'at most 8 running streams' } });
    });
    const client = createCorchClient({ baseUrl: server.baseUrl });
    await expect(client.subscribe('nope', { onEvent: () => undefined })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: 'no stream "nope"',
    });
    await expect(client.createTask({ task: '' })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: '`task` must be a non-empty string',
      status: 400,
    });
    await expect(client.list()).rejects.toMatchObject({ code: 'E_TOO_MANY_STREAMS', retryable: true });
  });

  it('rejects a base URL that is not http(s) with E_USAGE', () => {
    expect(() => createCorchClient({ baseUrl: 'localhost:8000' })).toThrow(/http\(s\) URL/);
  });
});

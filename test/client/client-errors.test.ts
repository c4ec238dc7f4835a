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
  it('maps a refused connection to E_UNREACHABLE naming the URL and the socket error, not "fetch failed"', async () => {
    const baseUrl = `http://127.0.0.1:${await freePort()}`;
    const client = createCorchClient({ baseUrl });
    for (const attempt of [client.status('x'), client.subscribe('x', { onEvent: () => undefined })]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorchError);
      expect(error).toMatchObject({ code: 'E_UNREACHABLE', retryable: true, details: { base_url: baseUrl, reason: 'ECONNREFUSED' } });
      // How the URL was chosen (flags, env, config, an embedded server) is the caller's business.
      expect((error as Error).message).toBe(`cannot reach the corch server at ${baseUrl} (ECONNREFUSED): is \`corch serve\` running there?`);
    }
  });

  it.each([
    ['a name that does not resolve', Object.assign(new Error('getaddrinfo ENOTFOUND nohost.invalid'), { code: 'ENOTFOUND' }), 'ENOTFOUND'],
    ['a connect timeout', Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'timed out (UND_ERR_CONNECT_TIMEOUT)'],
    [
      'an AggregateError from trying several addresses',
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:8000'), { code: 'ECONNREFUSED' })], 'all failed'),
      'ECONNREFUSED',
    ],
    ['a cause with no code', new Error('socket hang up'), 'socket hang up'],
  ])('names the real cause for %s', async (_name, cause, reason) => {
    const fetchFailed = () => Promise.reject(new TypeError('fetch failed', { cause }));
    const error = await createCorchClient({ baseUrl: 'http://nohost.invalid:8000', fetch: fetchFailed })
      .status('x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_UNREACHABLE' });
    expect((error as Error).message).toBe(`cannot reach the corch server at http://nohost.invalid:8000 (${reason}): is \`corch serve\` running there?`);
  });

  it('says when fetch refuses the port itself (a blocked port such as 9), which no server can fix', async () => {
    const error = await createCorchClient({ baseUrl: 'http://127.0.0.1:9' })
      .status('x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_UNREACHABLE', retryable: false });
    expect((error as Error).message).toBe(
      'cannot reach the corch server at http://127.0.0.1:9: fetch refuses to connect to port 9, one of the ports browsers block; run the server on another port',
    );
  });

  it('maps 401 to E_UNAUTHORIZED saying whether a key was sent', async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { error: { code: 'E_UNAUTHORIZED', message: 'bad key' } }));
    const withoutKey = await createCorchClient({ baseUrl: server.baseUrl })
      .subscribe('str_1', { onEvent: () => undefined })
      .catch((e: unknown) => e);
    expect(withoutKey).toMatchObject({
      code: 'E_UNAUTHORIZED',
      status: 401,
      message: `the corch server at ${server.baseUrl} answered 401: it needs an API key`,
      details: { base_url: server.baseUrl, api_key_sent: false, server_message: 'bad key' },
    });
    const withKey = await createCorchClient({ baseUrl: server.baseUrl, apiKey: 'nope' })
      .createTask({ task: 't' })
      .catch((e: unknown) => e);
    expect(withKey).toMatchObject({
      code: 'E_UNAUTHORIZED',
      message: `the corch server at ${server.baseUrl} answered 401: the API key was refused`,
      details: { api_key_sent: true },
    });
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

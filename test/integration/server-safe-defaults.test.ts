import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { rawRequest } from './raw-http.js';
import { closeServers, createStream, serve } from './server-harness.js';

afterEach(closeServers);

/** One request line plus headers, sent raw (fetch would not let a test set Host). */
function request(line: string, headers: Record<string, string> = {}, body = ''): string {
  const all = { ...headers, ...(body === '' ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) };
  return `${line}\r\n${Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}Connection: close\r\n\r\n${body}`;
}

function errorOf(body: string): { code: string; message: string } {
  return (JSON.parse(body) as { error: { code: string; message: string } }).error;
}

describe('Host: only this server’s own names are answered (DNS rebinding reads nothing)', () => {
  it.each(['/api/streams', '/healthz', '/api/stream/status/abc'])('refuses a foreign Host on %s with 403 JSON', async (path) => {
    const server = await serve();
    const answer = await rawRequest(server.port, request(`GET ${path} HTTP/1.1`, { Host: `attacker.example:${server.port}` }));
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorOf(answer.body)).toEqual({
      code: 'E_FORBIDDEN_HOST',
      message:
        'this server does not answer requests for host "attacker.example"; if that name is really this server, start it with --allowed-host attacker.example',
    });
  });

  it.each(['127.0.0.1', 'localhost', 'LOCALHOST.', 'app.localhost', '[::1]', '127.0.0.5'])('answers Host %s', async (host) => {
    const server = await serve();
    const answer = await rawRequest(server.port, request('GET /api/streams HTTP/1.1', { Host: `${host}:${server.port}` }));
    expect(answer.status).toBe(200);
  });

  it('answers a name given with allowedHosts, and any name with *', async () => {
    const named = await serve({ allowedHosts: ['corch.example.com'] });
    const ok = await rawRequest(named.port, request('GET /healthz HTTP/1.1', { Host: 'corch.example.com' }));
    expect(ok.status).toBe(200);
    const other = await rawRequest(named.port, request('GET /healthz HTTP/1.1', { Host: 'evil.example.com' }));
    expect(other.status).toBe(403);
    const any = await serve({ allowedHosts: ['*'] });
    expect((await rawRequest(any.port, request('GET /healthz HTTP/1.1', { Host: 'evil.example.com' }))).status).toBe(200);
  });

  it('answers a request without Host with 400 JSON, not node’s bodyless one', async () => {
    const server = await serve();
    const answer = await rawRequest(server.port, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body)).toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringMatching(/no Host header/) });
  });

  it('checks the authority of an absolute-form target like a Host header', async () => {
    const server = await serve();
    const own = await rawRequest(server.port, request(`GET http://127.0.0.1:${server.port}/healthz HTTP/1.1`, { Host: 'x' }));
    expect(own.status).toBe(200);
    const foreign = await rawRequest(server.port, request('GET http://attacker.example/api/streams HTTP/1.1', { Host: '127.0.0.1' }));
    expect(foreign.status).toBe(403);
  });
});

describe('Origin: a page on another site can neither start, cancel nor read runs', () => {
  const foreign = 'http://attacker.example';

  it('refuses a no-cors text/plain POST from another origin before reading it, and creates nothing', async () => {
    const server = await serve();
    const answer = await rawRequest(
      server.port,
      request('POST /api/stream/task HTTP/1.1', { Host: `127.0.0.1:${server.port}`, Origin: foreign, 'Content-Type': 'text/plain' }, '{"task":"spend"}'),
    );
    expect(answer.status).toBe(403);
    expect(errorOf(answer.body)).toEqual({
      code: 'E_FORBIDDEN_ORIGIN',
      message: `requests from pages on "${foreign}" are refused; to let that site call this server, start it with --cors-origin ${foreign}`,
    });
    expect(server.manager.counts().total).toBe(0);
  });

  it('refuses a foreign Origin on cancel, list, events, healthz and preflights, and leaves the run alone', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const { stream_id, events_url } = await createStream(server);
    const host = `127.0.0.1:${server.port}`;
    for (const line of [
      `POST /api/stream/${stream_id}/cancel HTTP/1.1`,
      `DELETE /api/stream/${stream_id} HTTP/1.1`,
      'GET /api/streams HTTP/1.1',
      `GET ${events_url} HTTP/1.1`,
      'GET /healthz HTTP/1.1',
      'OPTIONS /api/stream/task HTTP/1.1',
    ]) {
      const answer = await rawRequest(server.port, request(line, { Host: host, Origin: foreign }));
      expect([line, answer.status]).toEqual([line, 403]);
    }
    expect((await server.manager.get(stream_id))?.status).toBe('initializing');
    await server.manager.cancel(stream_id);
  });

  it('answers the server’s own origin, and one allowed with corsOrigin (with CORS headers)', async () => {
    const server = await serve({ corsOrigin: 'http://localhost:5173' });
    const own = await rawRequest(
      server.port,
      request('GET /api/streams HTTP/1.1', { Host: `127.0.0.1:${server.port}`, Origin: `http://127.0.0.1:${server.port}` }),
    );
    expect(own.status).toBe(200);
    const allowed = await rawRequest(
      server.port,
      request('GET /api/streams HTTP/1.1', { Host: `127.0.0.1:${server.port}`, Origin: 'http://localhost:5173' }),
    );
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const otherPort = await rawRequest(
      server.port,
      request('GET /api/streams HTTP/1.1', { Host: `127.0.0.1:${server.port}`, Origin: 'http://localhost:5174' }),
    );
    expect(otherPort.status).toBe(403);
  });

  it('refuses Origin: null (sandboxed frames, file: pages)', async () => {
    const server = await serve();
    const answer = await rawRequest(server.port, request('GET /api/streams HTTP/1.1', { Host: '127.0.0.1', Origin: 'null' }));
    expect(answer.status).toBe(403);
  });
});

describe('POST bodies must be declared as JSON', () => {
  it.each([
    ['text/plain', 'got "text/plain"'],
    ['application/x-www-form-urlencoded', 'got "application/x-www-form-urlencoded"'],
    ['', 'got no Content-Type'],
  ])('answers %j with 415 and creates nothing', async (type, got) => {
    const server = await serve();
    const headers: Record<string, string> = { Host: '127.0.0.1' };
    if (type !== '') headers['Content-Type'] = type;
    const answer = await rawRequest(server.port, request('POST /api/stream/task HTTP/1.1', headers, '{"task":"t"}'));
    expect(answer.status).toBe(415);
    expect(errorOf(answer.body)).toEqual({
      code: 'E_UNSUPPORTED_MEDIA_TYPE',
      message: `send the body as JSON with "Content-Type: application/json", got ${got.slice(4)}`,
    });
    expect(server.manager.counts().total).toBe(0);
  });

  it('accepts application/json with parameters, and a bodyless cancel', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const created = await createStream(server, { task: 't' }, { 'content-type': 'Application/JSON; charset=utf-8' });
    const cancel = await fetch(`${server.url}/api/stream/${created.stream_id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
  });
});

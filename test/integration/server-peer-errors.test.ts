import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { HEALTH_RESERVE_SOCKETS } from '../../src/server/socket-guard.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { closed, rawRequest, silentSocket } from './raw-http.js';
import { closeServers, serve, waitUntil } from './server-harness.js';

afterEach(closeServers);

const opened: Socket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
});

async function silent(port: number, count: number): Promise<Socket[]> {
  const sockets = await Promise.all(Array.from({ length: count }, () => silentSocket(port)));
  opened.push(...sockets);
  return sockets;
}

function connections(server: RunningServer): Promise<number> {
  return new Promise((resolve, reject) => server.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

function errorOf(body: string): { code: string; message: string } {
  return (JSON.parse(body) as { error: { code: string; message: string } }).error;
}

describe('requests node:http cannot parse get the JSON error shape', () => {
  it.each([
    ['garbage', 400, 'E_BAD_REQUEST', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a bad header line', 400, 'E_BAD_REQUEST', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nbad header\r\n\r\n'],
    ['headers over 16 KiB', 431, 'E_HEADERS_TOO_LARGE', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['a bad Content-Length', 400, 'E_BAD_REQUEST', 'POST /api/stream/task HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n'],
  ])('%s → %i %s, logged as one line, never as a server error', async (_name, status, code, bytes) => {
    const errors: unknown[] = [];
    const debug: string[] = [];
    const server = await serve({ onError: (error) => errors.push(error), onDebug: (line) => debug.push(line) });
    const answer = await rawRequest(server.port, bytes);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorOf(answer.body).code).toBe(code);
    expect(errors).toEqual([]);
    expect(debug).toHaveLength(1);
    expect(debug[0]).not.toMatch(/\n/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers an absolute-form target it cannot parse (GET http://[) with 400, not 500', async () => {
    const errors: unknown[] = [];
    const server = await serve({ onError: (error) => errors.push(error) });
    const answer = await rawRequest(server.port, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body)).toEqual({
      code: 'E_BAD_REQUEST',
      message: 'the request target must be a path such as /api/streams, got "http://["',
    });
    expect(errors).toEqual([]);
  });

  it('answers a POST that sends Expect: 100-continue (100, then 201)', async () => {
    const server = await serve();
    const body = '{"task":"t"}';
    const answer = await rawRequest(
      server.port,
      `POST /api/stream/task HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer.raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
  });

  it('answers a body that breaks after the headers (a bad chunk) with 400 JSON', async () => {
    const errors: unknown[] = [];
    const server = await serve({ onError: (error) => errors.push(error) });
    const answer = await rawRequest(
      server.port,
      'POST /api/stream/task HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    );
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body).code).toBe('E_BAD_REQUEST');
    expect(errors).toEqual([]);
  });

  it('answers an Expect it does not know with 417 JSON', async () => {
    const server = await serve();
    const answer = await rawRequest(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\n\r\n');
    expect(answer.status).toBe(417);
    expect(errorOf(answer.body).code).toBe('E_EXPECTATION_FAILED');
  });

  it('logs a client hanging up mid-body as one debug line, not an internal error with a stack', async () => {
    const errors: unknown[] = [];
    const debug: string[] = [];
    const server = await serve({ onError: (error) => errors.push(error), onDebug: (line) => debug.push(line) });
    const socket = await silentSocket(server.port);
    socket.write('POST /api/stream/task HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"task"');
    await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    await waitUntil(() => debug.length > 0, 'the debug line');
    expect(debug).toEqual([expect.stringMatching(/^POST \/api\/stream\/task: the client went away \(ECONNRESET\)$/)]);
    expect(errors).toEqual([]);
  });
});

describe('sockets peers hold are bounded', () => {
  it('closes a socket that sends no request within the first-request timeout (injected clock)', async () => {
    const clock = new ManualClock();
    const server = await serve({ clock, firstRequestTimeoutMs: 3000 });
    const [socket] = await silent(server.port, 1);
    await waitUntil(() => clock.pending > 0, 'the timer');
    clock.advance(2999);
    expect(socket!.destroyed).toBe(false);
    clock.advance(1);
    await closed(socket!);
  });

  it('does not close a keep-alive socket that already sent a request', async () => {
    const clock = new ManualClock();
    const server = await serve({ clock, firstRequestTimeoutMs: 3000 });
    const [socket] = await silent(server.port, 1);
    socket!.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise<void>((resolve) => socket!.once('data', () => resolve()));
    clock.advance(10_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket!.destroyed).toBe(false);
  });

  it('caps sockets per peer: past the cap only /healthz answers, with 503 JSON for the rest', async () => {
    const server = await serve({ maxConnectionsPerPeer: 3 });
    await silent(server.port, 3);
    await waitUntil(async () => (await connections(server)) === 3, 'the server to accept them');
    const refused = await rawRequest(server.port, 'GET /api/streams HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(errorOf(refused.body)).toEqual({
      code: 'E_TOO_MANY_CONNECTIONS',
      message: "this address already holds 3 connections (the server's --max-connections-per-peer); close some or try again shortly",
    });
    const health = await rawRequest(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(health.status).toBe(200);
  });

  it('keeps /healthz answering while silent sockets fill the server, and closes sockets past the reserve', async () => {
    // maxConnections 1 → 65 sockets before the server counts as full.
    const server = await serve({ maxConnections: 1, maxConnectionsPerPeer: 10_000 });
    await silent(server.port, 65);
    await waitUntil(async () => (await connections(server)) === 65, 'the server to accept them');
    const health = await rawRequest(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(health.status).toBe(200);
    const list = await rawRequest(server.port, 'GET /api/streams HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(list.status).toBe(503);
    expect(errorOf(list.body).message).toMatch(/the server already holds 65 connections/);
    const reserve = await silent(server.port, HEALTH_RESERVE_SOCKETS);
    const [beyond] = await silent(server.port, 1);
    await closed(beyond!);
    expect(reserve.every((socket) => !socket.destroyed)).toBe(true);
  });
});

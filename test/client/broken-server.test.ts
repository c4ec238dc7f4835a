import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCorchClient } from '../../src/client/index.js';
import type { CorchEvent } from '../../src/protocol/events.js';
import { type Handler, startTestServer, type TestServer } from './sse-test-server.js';

// The client against servers that are broken in the ways a real deployment can be: one that accepts the
// connection and never answers, one that answers with something else, one whose events cannot be read.

let servers: TestServer[] = [];
let silent: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  silent = undefined;
});

async function serving(handler: Handler): Promise<string> {
  const server = await startTestServer(handler);
  servers.push(server);
  return server.baseUrl;
}

/** A TCP server that accepts connections and never writes a byte. */
async function silentServer(): Promise<string> {
  silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function sse(body: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
    res.end(body);
  };
}

const started = 'id: 1\nevent: task_started\ndata: {"stream_id":"s","seq":1,"timestamp":"2025-01-01T00:00:00Z","task":"t"}\n\n';
const completed =
  'id: 2\nevent: task_completed\ndata: {"stream_id":"s","seq":2,"timestamp":"2025-01-01T00:00:00Z","result":"r","metrics":{},"outputs":{},"usage":{"input_tokens":0,"output_tokens":0},"cost":0,"duration_ms":1}\n\n';

describe('the client on a broken server', () => {
  it('times out a server that accepts the connection and never answers, and says so (status and events)', async () => {
    const baseUrl = await silentServer();
    const client = createCorchClient({ baseUrl, responseTimeoutMs: 150 });
    await expect(client.status('s')).rejects.toMatchObject({
      code: 'E_UNREACHABLE',
      message: expect.stringMatching(/accepted the connection but did not answer within 150 ms/),
    });
    await expect(client.subscribe('s', { onEvent: () => undefined })).rejects.toMatchObject({
      code: 'E_UNREACHABLE',
      message: expect.stringMatching(/accepted the connection but did not answer within 150 ms/),
    });
  });

  it('refuses a 200 that is not an event stream, naming what came back', async () => {
    const baseUrl = await serving((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login</html>');
    });
    await expect(createCorchClient({ baseUrl }).subscribe('s', { onEvent: () => undefined })).rejects.toMatchObject({
      code: 'E_BAD_RESPONSE',
      message: expect.stringMatching(/answered stream s with 200 and "text\/html" instead of an event stream/),
    });
  });

  it.each([
    ['data that is not JSON', 'id: 1\nevent: task_started\ndata: {not json\n\n', /"task_started" carries data that is not JSON/],
    ['data that is not an object', 'id: 1\nevent: task_started\ndata: 42\n\n', /not a JSON object/],
    ['an event with no number', 'event: chunk_started\ndata: {"agent":"Coder"}\n\n', /"chunk_started" has no event number/],
  ])('ends with a clear error on %s', async (_name, body, message) => {
    const baseUrl = await serving(sse(body));
    const seen: CorchEvent[] = [];
    const subscribing = createCorchClient({ baseUrl }).subscribe('s', { onEvent: (event) => seen.push(event) });
    await expect(subscribing).rejects.toMatchObject({
      code: 'E_BAD_RESPONSE',
      message: expect.stringMatching(/^the server sent an event corch cannot read: /),
    });
    await expect(subscribing).rejects.toMatchObject({ message: expect.stringMatching(message) });
    expect(seen).toEqual([]);
  });

  it('skips an event name it does not know (a newer server) and reads on', async () => {
    const baseUrl = await serving(sse(`${started}event: future_event\ndata: {"x":1}\n\n${completed}`));
    const notices: string[] = [];
    const result = await createCorchClient({ baseUrl }).subscribe('s', {
      onEvent: () => undefined,
      onNotice: (notice) => notices.push(notice.type),
    });
    expect(result.terminal?.event).toBe('task_completed');
    expect(notices).toContain('invalid_frame');
  });

  it('treats a bare 204 with no event before it as an error, not the end of the stream', async () => {
    const baseUrl = await serving((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(createCorchClient({ baseUrl }).subscribe('s', { onEvent: () => undefined })).rejects.toMatchObject({
      code: 'E_BAD_RESPONSE',
      message: expect.stringMatching(/answered 204 No Content for stream s without sending any event/),
    });
  });

  it('still takes a 204 after events as the end (a reconnect to a finished stream)', async () => {
    const baseUrl = await serving((req, res) => {
      if (req.headers['last-event-id']) {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end(started);
    });
    const result = await createCorchClient({ baseUrl, sleep: async () => undefined }).subscribe('s', { onEvent: () => undefined });
    expect(result).toMatchObject({ terminal: null, lastSeq: 1 });
  });
});

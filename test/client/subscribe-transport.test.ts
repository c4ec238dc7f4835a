import { afterEach, describe, expect, it } from 'vitest';
import { createCorchClient } from '../../src/client/index.js';
import type { CorchEvent } from '../../src/protocol/index.js';
import { runEvents } from '../render/fixtures.js';
import { beginSse, eventsAfter, sendJson, startTestServer, type TestServer, writeEvents } from './sse-test-server.js';

const log = runEvents({ streamId: 'str_1' });
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

const seqsOf = (events: CorchEvent[]) => events.filter((e) => e.event !== 'heartbeat').map((e) => e.data.seq);

describe('subscribe: batch_ms', () => {
  it('asks for the batch window in the query, on every connection', async () => {
    const server = await serve((_req, res, seen, index) => {
      beginSse(res);
      // The first connection drops half-way; the reconnect must ask for the same window.
      const rest = eventsAfter(log, seen.lastEventId);
      writeEvents(res, index === 0 ? rest.slice(0, 3) : rest);
      res.end();
    });
    const events: CorchEvent[] = [];
    const result = await createCorchClient({ baseUrl: server.baseUrl }).subscribe('str_1', { batchMs: 50, onEvent: (e) => events.push(e) });
    expect(result.terminal?.event).toBe('task_completed');
    expect(seqsOf(events)).toEqual(log.map((e) => e.data.seq));
    expect(server.requests.map((r) => r.url)).toEqual(['/api/stream/events/str_1?batch_ms=50', '/api/stream/events/str_1?batch_ms=50']);
  });

  it('sends no parameter for 0, and clamps to the 1000 ms the server accepts', async () => {
    const server = await serve((_req, res) => {
      beginSse(res);
      writeEvents(res, log);
      res.end();
    });
    const client = createCorchClient({ baseUrl: server.baseUrl });
    await client.subscribe('str_1', { batchMs: 0, onEvent: () => undefined });
    await client.subscribe('str_1', { batchMs: 5000, onEvent: () => undefined });
    expect(server.requests.map((r) => r.url)).toEqual(['/api/stream/events/str_1', '/api/stream/events/str_1?batch_ms=1000']);
  });

  it('reports a 400 once, without asking again (no retry without batch_ms)', async () => {
    const server = await serve((_req, res) => sendJson(res, 400, { error: { code: 'E_INVALID_REQUEST', message: 'bad stream id' } }));
    const error = await createCorchClient({ baseUrl: server.baseUrl })
      .subscribe('str_1', { batchMs: 50, onEvent: () => undefined })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_INVALID_REQUEST', message: 'bad stream id' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('subscribe: an injected fetch', () => {
  it('reads the event stream through it, with the same headers', async () => {
    const server = await serve((_req, res, seen) => {
      beginSse(res);
      writeEvents(res, eventsAfter(log, seen.lastEventId));
      res.end();
    });
    const urls: string[] = [];
    const client = createCorchClient({
      baseUrl: server.baseUrl,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    const events: CorchEvent[] = [];
    const result = await client.subscribe('str_1', { fromSeq: 3, batchMs: 20, onEvent: (e) => events.push(e) });
    expect(result.terminal?.event).toBe('task_completed');
    expect(seqsOf(events)).toEqual(log.slice(2).map((e) => e.data.seq));
    expect(urls).toEqual([`${server.baseUrl}/api/stream/events/str_1?batch_ms=20`]);
    expect(server.requests[0]?.lastEventId).toBe('2');
  });
});

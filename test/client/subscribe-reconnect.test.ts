import { afterEach, describe, expect, it } from 'vitest';
import { type ClientNotice, createCorchClient, type SleepLike } from '../../src/client/index.js';
import { type CorchEvent, encodeEvent } from '../../src/protocol/index.js';
import { runEvents } from '../render/fixtures.js';
import { eventsAfter, beginSse, startTestServer, type TestServer, writeEvents } from './sse-test-server.js';

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

/** Records every delay and waits it for real (the values in these tests are a few ms). */
function recordingSleep(delays: number[]): SleepLike {
  return (ms) => {
    delays.push(ms);
    return new Promise((resolve) => setTimeout(resolve, ms));
  };
}

function collect() {
  const events: CorchEvent[] = [];
  const notices: ClientNotice[] = [];
  return {
    events,
    notices,
    seqs: () => events.filter((e) => e.event !== 'heartbeat').map((e) => e.data.seq),
    onEvent: (e: CorchEvent) => events.push(e),
    onNotice: (n: ClientNotice) => notices.push(n),
  };
}

describe('subscribe: one connection', () => {
  it('delivers every event in order and resolves with the terminal event', async () => {
    const server = await serve((_req, res) => {
      beginSse(res);
      writeEvents(res, log);
      res.end();
    });
    const seen = collect();
    const result = await createCorchClient({ baseUrl: server.baseUrl }).subscribe('str_1', seen);
    expect(seen.seqs()).toEqual(log.map((e) => e.data.seq));
    expect(result.terminal?.event).toBe('task_completed');
    expect(result).toMatchObject({ lastSeq: log.length, reconnects: 0, lost: 0 });
    expect(seen.notices.map((n) => n.type)).toEqual(['connecting', 'connected']);
    expect(server.requests[0]?.lastEventId).toBeUndefined();
  });

  it('passes heartbeats through without counting them as stored events', async () => {
    const server = await serve((_req, res) => {
      beginSse(res);
      writeEvents(res, log.slice(0, 2));
      res.write(encodeEvent('heartbeat', { stream_id: 'str_1', seq: 2, timestamp: 'x', status: 'running', current_agent: null, idle_ms: 5 }));
      writeEvents(res, log.slice(2));
      res.end();
    });
    const seen = collect();
    const result = await createCorchClient({ baseUrl: server.baseUrl }).subscribe('str_1', seen);
    expect(seen.events.filter((e) => e.event === 'heartbeat')).toHaveLength(1);
    expect(result.lastSeq).toBe(log.length);
  });

  it('starts at fromSeq by sending Last-Event-ID fromSeq - 1', async () => {
    const server = await serve((_req, res, seen) => {
      beginSse(res);
      writeEvents(res, eventsAfter(log, seen.lastEventId));
      res.end();
    });
    const seen = collect();
    await createCorchClient({ baseUrl: server.baseUrl }).subscribe('str_1', { ...seen, fromSeq: 10 });
    expect(server.requests[0]?.lastEventId).toBe('9');
    expect(seen.seqs()[0]).toBe(10);
  });

  it('resolves with no terminal event on 204 (the stream had already ended)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const result = await createCorchClient({ baseUrl: server.baseUrl }).subscribe('str_1', { ...collect(), fromSeq: 99 });
    expect(result).toEqual({ terminal: null, lastSeq: 98, reconnects: 0, lost: 0 });
  });
});

describe('subscribe: reconnecting', () => {
  it('reconnects after the socket is destroyed mid-stream, resumes with Last-Event-ID and de-duplicates', async () => {
    const server = await serve((req, res, seen, index) => {
      beginSse(res, 7);
      if (index === 0) {
        writeEvents(res, log.slice(0, 5));
        // Let the frames leave before cutting the connection, as a crashing proxy would.
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      // Replay from one event too early: the client must drop the duplicate.
      writeEvents(res, eventsAfter(log, String(Number(seen.lastEventId) - 1)));
      res.end();
    });
    const delays: number[] = [];
    const seen = collect();
    const client = createCorchClient({ baseUrl: server.baseUrl, sleep: recordingSleep(delays) });
    const result = await client.subscribe('str_1', seen);
    expect(server.requests[1]?.lastEventId).toBe('5');
    expect(seen.seqs()).toEqual(log.map((e) => e.data.seq));
    expect(result).toMatchObject({ reconnects: 1, lost: 0, lastSeq: log.length });
    expect(result.terminal?.event).toBe('task_completed');
    expect(delays).toEqual([7]);
    const types = seen.notices.map((n) => n.type);
    expect(types).toEqual(['connecting', 'connected', 'reconnecting', 'reconnected']);
    expect(seen.notices[3]).toMatchObject({ type: 'reconnected', lost: 0, lastSeq: 5 });
  });

  it('reports how many events were lost when the first seq after reconnecting skips ahead', async () => {
    const server = await serve((req, res, _seen, index) => {
      beginSse(res, 5);
      if (index === 0) {
        writeEvents(res, log.slice(0, 3));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      writeEvents(res, log.slice(7));
      res.end();
    });
    const seen = collect();
    const client = createCorchClient({ baseUrl: server.baseUrl, sleep: recordingSleep([]) });
    const result = await client.subscribe('str_1', seen);
    expect(result.lost).toBe(4);
    expect(seen.notices.find((n) => n.type === 'reconnected')).toMatchObject({ lost: 4, lastSeq: 3 });
  });

  it('survives a server restart (connection refused while it is down), backing off from retry:', async () => {
    const server = await serve((req, res, seen, index) => {
      beginSse(res, 10);
      if (index === 0) {
        writeEvents(res, log.slice(0, 4));
        setTimeout(() => {
          void server.stop().then(() => setTimeout(() => void server.restart(), 60));
          req.socket.destroy();
        }, 20);
        return;
      }
      writeEvents(res, eventsAfter(log, seen.lastEventId));
      res.end();
    });
    const delays: number[] = [];
    const seen = collect();
    const client = createCorchClient({ baseUrl: server.baseUrl, sleep: recordingSleep(delays) });
    const result = await client.subscribe('str_1', { ...seen, maxReconnects: 8 });
    expect(seen.seqs()).toEqual(log.map((e) => e.data.seq));
    expect(result.reconnects).toBe(1);
    // 10, 20, 40, …: the server's retry: doubled for each consecutive failure.
    expect(delays[0]).toBe(10);
    expect(delays).toEqual(delays.map((_delay, i) => 10 * 2 ** i));
    const refused = seen.notices.filter((n) => n.type === 'reconnecting').slice(1);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ reason: 'ECONNREFUSED' });
  });

  it('gives up after maxReconnects and says how to resume', async () => {
    const server = await serve((req, res) => {
      beginSse(res, 1);
      writeEvents(res, log.slice(0, 2));
      setTimeout(() => {
        void server.stop();
        req.socket.destroy();
      }, 20);
    });
    const seen = collect();
    const client = createCorchClient({ baseUrl: server.baseUrl, sleep: recordingSleep([]) });
    const error = await client.subscribe('str_1', { ...seen, maxReconnects: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_UNREACHABLE' });
    expect(String((error as Error).message)).toContain('corch attach str_1 --from-seq 3');
    expect(seen.notices.at(-1)).toMatchObject({ type: 'gave_up', attempts: 2 });
  });

  it('treats a silent connection as dropped after idleTimeoutMs', async () => {
    const server = await serve((_req, res, seen, index) => {
      beginSse(res, 1);
      if (index === 0) {
        writeEvents(res, log.slice(0, 2));
        return; // and then nothing, not even heartbeats
      }
      writeEvents(res, eventsAfter(log, seen.lastEventId));
      res.end();
    });
    const seen = collect();
    const client = createCorchClient({ baseUrl: server.baseUrl, sleep: recordingSleep([]) });
    const result = await client.subscribe('str_1', { ...seen, idleTimeoutMs: 100 });
    expect(result.reconnects).toBe(1);
    expect(seen.notices.find((n) => n.type === 'reconnecting')).toMatchObject({ reason: 'no data for 100 ms' });
  });

  it('stops when the caller aborts', async () => {
    const server = await serve((_req, res) => {
      beginSse(res);
      writeEvents(res, log.slice(0, 2));
    });
    const controller = new AbortController();
    const seen = collect();
    const pending = createCorchClient({ baseUrl: server.baseUrl }).subscribe('str_1', {
      ...seen,
      signal: controller.signal,
      onEvent: (e) => {
        seen.onEvent(e);
        if (e.data.seq === 2) controller.abort(new Error('user cancelled'));
      },
    });
    await expect(pending).rejects.toThrow('user cancelled');
  });
});

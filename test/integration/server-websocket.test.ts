import { afterEach, describe, expect, it } from 'vitest';
import { WS_CLOSE } from '../../src/protocol/ws.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, ids, range, readSse, serve, subscribe, waitUntil } from './server-harness.js';
import { followWs, wsBase, wsIds } from './ws-harness.js';

afterEach(closeServers);

const TOTAL = scriptedEvents().length;

describe('GET /api/stream/ws/{id}', () => {
  it('sends one text message per event, {id, event, data}, then closes with 1000', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const read = await followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`).closed;
    expect(wsIds(read.messages)).toEqual(range(1, TOTAL));
    expect(read.code).toBe(WS_CLOSE.ENDED);
    expect(read.messages.at(-1)?.event.event).toBe('task_completed');
    const first = JSON.parse(read.raw[0] ?? '{}') as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['id', 'event', 'data']);
    expect(first).toMatchObject({ id: 1, event: 'task_started', data: { stream_id: created.stream_id, seq: 1 } });
  });

  it('carries the same events as the SSE route, live, to subscribers on both transports', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const created = await createStream(server);
    const ws = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    await ws.opened;
    const sse = await subscribe(`${server.url}${created.events_url}`);
    await waitUntil(() => server.manager.counts().live === 1 && server.httpServer.listening);
    runner.release(created.stream_id, 3);
    await waitUntil(() => ws.read.messages.length === 3, 'three live events');
    runner.release(created.stream_id, TOTAL);
    const [viaWs, viaSse] = await Promise.all([ws.closed, sse.untilTerminal()]);
    expect(wsIds(viaWs.messages)).toEqual(range(1, TOTAL));
    expect(viaWs.messages.map((message) => message.event)).toEqual(viaSse.map((message) => message.event));
  });

  it('resumes after ?last_event_id=k with exactly k+1…N, for every k', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    for (let k = 0; k < TOTAL; k += 1) {
      const read = await followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}?last_event_id=${k}`).closed;
      expect(wsIds(read.messages)).toEqual(range(k + 1, TOTAL));
      expect(read.code).toBe(WS_CLOSE.ENDED);
    }
    // Already seen everything of a finished stream: closed at once, as SSE answers 204.
    const done = await followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}?last_event_id=${TOTAL}`).closed;
    expect(done.messages).toEqual([]);
    expect(done.code).toBe(WS_CLOSE.ENDED);
  });

  it('joins late: the replay, then the live events, then 1000', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const created = await createStream(server);
    runner.release(created.stream_id, 4);
    await waitUntil(async () => (await server.manager.get(created.stream_id))?.last_event_id === 4);
    const ws = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    await waitUntil(() => ws.read.messages.length === 4, 'the replay');
    runner.release(created.stream_id, TOTAL);
    const read = await ws.closed;
    expect(wsIds(read.messages)).toEqual(range(1, TOTAL));
    expect(read.code).toBe(WS_CLOSE.ENDED);
  });

  it('closes with documented codes and reasons for an unknown stream and a bad cursor', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const created = await createStream(server);
    const base = `${wsBase(server.url)}/api/stream/ws`;
    const unknown = await followWs(`${base}/no-such-stream`).closed;
    expect(unknown.code).toBe(WS_CLOSE.NOT_FOUND);
    expect(unknown.reason).toMatch(/^E_NOT_FOUND: /);
    const garbage = await followWs(`${base}/${created.stream_id}?last_event_id=abc`).closed;
    expect(garbage.code).toBe(WS_CLOSE.BAD_REQUEST);
    expect(garbage.reason).toMatch(/^E_INVALID_REQUEST: `last_event_id` must be a non-negative integer/);
    const running = await createStream(server);
    const past = await followWs(`${base}/${running.stream_id}?last_event_id=999`).closed;
    expect(past).toMatchObject({ code: WS_CLOSE.BAD_REQUEST, messages: [] });
    expect(past.reason).toMatch(/past the stream's last event/);
    const batch = await followWs(`${base}/${created.stream_id}?batch_ms=5000`).closed;
    expect(batch.code).toBe(WS_CLOSE.BAD_REQUEST);
    expect(batch.reason).toMatch(/batch_ms/);
  });

  it('answers a plain GET with 426 and an upgrade elsewhere with 404, as JSON', async () => {
    const server = await serve();
    const created = await createStream(server);
    const plain = await fetch(`${server.url}/api/stream/ws/${created.stream_id}`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('E_INVALID_REQUEST');
    const elsewhere = followWs(`${wsBase(server.url)}${created.events_url}`);
    await expect(elsewhere.opened).rejects.toMatchObject({ status: 404, body: expect.stringContaining('"E_NOT_FOUND"') });
  });

  it('closes with 1013 at the connection cap, which SSE and WebSocket share', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, maxConnections: 1 });
    const created = await createStream(server);
    const sse = await subscribe(`${server.url}${created.events_url}`);
    const refused = await followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`).closed;
    expect(refused.code).toBe(WS_CLOSE.TRY_AGAIN_LATER);
    expect(refused.reason).toMatch(/^E_TOO_MANY_CONNECTIONS: /);
    sse.close();
    await waitUntil(async () => {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connections: { sse: number } };
      return health.connections.sse === 0;
    });
    const ws = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    await ws.opened;
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connections: unknown };
    expect(health.connections).toEqual({ sse: 0, ws: 1, max: 1 });
    const blocked = await fetch(`${server.url}${created.events_url}`);
    expect(blocked.status).toBe(503);
    runner.release(created.stream_id, TOTAL);
    expect((await ws.closed).code).toBe(WS_CLOSE.ENDED);
  });

  it('on shutdown, sends the run’s E_SHUTDOWN task_error and closes with 1000', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const created = await createStream(server);
    runner.release(created.stream_id, 2);
    const ws = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    await waitUntil(() => ws.read.messages.length === 2, 'two events');
    await server.close('shutdown');
    const read = await ws.closed;
    expect(read.code).toBe(WS_CLOSE.ENDED);
    const last = read.messages.at(-1)?.event;
    expect(last?.event).toBe('task_error');
    expect(last?.data).toMatchObject({ code: 'E_SHUTDOWN' });
  });

  it('pings on every heartbeat, sends heartbeat messages without id, and drops a peer that never pongs', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner, heartbeatSeconds: 16 });
    const created = await createStream(server);
    runner.release(created.stream_id, 1);
    const alive = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    const mute = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`, { autoPong: false });
    let pings = 0;
    mute.ws.on('ping', () => {
      pings += 1;
    });
    await waitUntil(() => alive.read.messages.length === 1 && mute.read.messages.length === 1, 'the first event');
    for (let beat = 1; beat <= 3; beat += 1) {
      clock.advance(16_000);
      await waitUntil(() => alive.read.messages.length === 1 + beat, `heartbeat ${beat}`);
      if (beat < 3) await waitUntil(() => pings === beat, `ping ${beat}`);
    }
    const heartbeat = alive.read.messages.at(-1);
    expect(heartbeat).toMatchObject({ id: undefined, event: { event: 'heartbeat', data: { stream_id: created.stream_id, seq: 1 } } });
    // Two pings unanswered: the third heartbeat drops the mute peer without a close frame.
    const dropped = await mute.closed;
    expect(dropped.code).toBe(1006);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    runner.release(created.stream_id, TOTAL);
    expect(wsIds((await alive.closed).messages)).toEqual(range(1, TOTAL));
  });
});

describe('a WebSocket subscriber and on_disconnect', () => {
  it('counts as a watcher: an on_disconnect "cancel" run it follows is not cancelled', async () => {
    const clock = new ManualClock();
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ clock, runner, heartbeatSeconds: 3600, disconnectGraceSeconds: 5 });
    const created = await createStream(server, { task: 't', on_disconnect: 'cancel' });
    const ws = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    await ws.opened;
    await waitUntil(async () => {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connections: { ws: number } };
      return health.connections.ws === 1;
    });
    clock.advance(60_000);
    runner.release(created.stream_id, TOTAL);
    const read = await ws.closed;
    expect(read.messages.at(-1)?.event.event).toBe('task_completed');
    // Once it leaves, the grace period runs as for SSE (nothing left to cancel here: the run ended).
    expect((await server.manager.get(created.stream_id))?.status).toBe('completed');
  });
});

describe('the WebSocket route’s auth and origin rules', () => {
  it('refuses a missing key before the upgrade (401, JSON), and takes it as a header or a subprotocol', async () => {
    const server = await serve({ apiKey: 'sekrit-key-1234567' });
    const created = await createStream(server, { task: 't' }, { authorization: 'Bearer sekrit-key-1234567' });
    await server.manager.whenSettled(created.stream_id);
    const url = `${wsBase(server.url)}/api/stream/ws/${created.stream_id}`;
    await expect(followWs(url).opened).rejects.toMatchObject({ status: 401, body: expect.stringContaining('"E_UNAUTHORIZED"') });
    await expect(followWs(url, { headers: { 'x-api-key': 'wrong' } }).opened).rejects.toMatchObject({ status: 401 });
    const key = Buffer.from('wrong').toString('base64url');
    await expect(followWs(url, { protocols: ['corch', `corch.key.${key}`] }).opened).rejects.toMatchObject({ status: 401 });

    const byHeader = await followWs(url, { headers: { authorization: 'Bearer sekrit-key-1234567' } }).closed;
    expect(wsIds(byHeader.messages)).toEqual(range(1, TOTAL));
    const good = Buffer.from('sekrit-key-1234567').toString('base64url');
    const byProtocol = await followWs(url, { protocols: ['corch', `corch.key.${good}`] }).closed;
    expect(wsIds(byProtocol.messages)).toEqual(range(1, TOTAL));
    // The server selects `corch`, never echoing the key.
    expect(byProtocol.protocol).toBe('corch');
  });

  it('refuses a foreign Origin with 403 and accepts its own and --cors-origin ones', async () => {
    const server = await serve({ corsOrigin: 'http://app.example' });
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const url = `${wsBase(server.url)}/api/stream/ws/${created.stream_id}`;
    await expect(followWs(url, { origin: 'http://evil.example' }).opened).rejects.toMatchObject({ status: 403 });
    const own = await followWs(url, { origin: server.url }).closed;
    expect(wsIds(own.messages)).toEqual(range(1, TOTAL));
    const allowed = await followWs(url, { origin: 'http://app.example' }).closed;
    expect(allowed.code).toBe(WS_CLOSE.ENDED);
  });

  it('refuses a Host that is not this server’s (DNS rebinding) before the upgrade, as every route does', async () => {
    const server = await serve();
    const created = await createStream(server);
    const url = `${wsBase(server.url)}/api/stream/ws/${created.stream_id}`;
    await expect(followWs(url, { headers: { host: `attacker.example:${server.port}` } }).opened).rejects.toMatchObject({
      status: 403,
      body: expect.stringContaining('attacker.example'),
    });
  });
});

describe('SSE beside WebSocket', () => {
  it('still replays the whole log over SSE', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    expect(ids((await readSse(`${server.url}${created.events_url}`)).messages)).toEqual(range(1, TOTAL));
  });
});

import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientNotice, createCorchClient } from '../../src/client/index.js';
import type { CorchEvent } from '../../src/protocol/events.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, range, serve, waitUntil } from '../integration/server-harness.js';

afterEach(closeServers);

const TOTAL = scriptedEvents().length;
const noSleep = async () => undefined;

function collect() {
  const events: CorchEvent[] = [];
  const notices: ClientNotice[] = [];
  return {
    events,
    notices,
    onEvent: (event: CorchEvent) => events.push(event),
    onNotice: (notice: ClientNotice) => notices.push(notice),
  };
}

const seqs = (events: CorchEvent[]) => events.filter((event) => event.event !== 'heartbeat').map((event) => event.data.seq);

describe('client.subscribe({ transport: "ws" })', () => {
  it('follows a stream to its terminal event, from the start or from a seq', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const client = createCorchClient({ baseUrl: server.url });
    const all = collect();
    const result = await client.subscribe(created.stream_id, { ...all, transport: 'ws' });
    expect(seqs(all.events)).toEqual(range(1, TOTAL));
    expect(result).toMatchObject({ lastSeq: TOTAL, reconnects: 0, lost: 0, terminal: { event: 'task_completed' } });
    expect(all.notices[0]).toMatchObject({ type: 'connecting', url: expect.stringMatching(/^ws:\/\//) });
    const later = collect();
    await client.subscribe(created.stream_id, { ...later, transport: 'ws', fromSeq: 4 });
    expect(seqs(later.events)).toEqual(range(4, TOTAL));
    // Everything already seen of an ended stream: the server closes at once, as SSE answers 204.
    const none = collect();
    const nothing = await client.subscribe(created.stream_id, { ...none, transport: 'ws', fromSeq: TOTAL + 1 });
    expect(nothing.terminal).toBeNull();
    expect(none.events).toEqual([]);
  });

  it('reconnects after a dropped socket with last_event_id, losing and repeating nothing', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner });
    const sockets: Duplex[] = [];
    server.httpServer.on('upgrade', (_req, socket: Duplex) => sockets.push(socket));
    const created = await createStream(server);
    const client = createCorchClient({ baseUrl: server.url, sleep: noSleep });
    const seen = collect();
    const following = client.subscribe(created.stream_id, { ...seen, transport: 'ws' });
    runner.release(created.stream_id, 3);
    await waitUntil(() => seqs(seen.events).length === 3, 'three events');
    sockets[0]?.destroy();
    runner.release(created.stream_id, 2);
    await waitUntil(() => sockets.length === 2, 'the reconnect');
    runner.release(created.stream_id, TOTAL);
    const result = await following;
    expect(seqs(seen.events)).toEqual(range(1, TOTAL));
    expect(result).toMatchObject({ reconnects: 1, lost: 0 });
    expect(seen.notices.map((notice) => notice.type)).toEqual(['connecting', 'connected', 'reconnecting', 'reconnected']);
  });

  it('throws E_NOT_FOUND for an unknown stream and E_UNAUTHORIZED for a refused key, without retrying', async () => {
    const server = await serve({ apiKey: 'the-right-key-0123' });
    const good = createCorchClient({ baseUrl: server.url, apiKey: 'the-right-key-0123', sleep: noSleep });
    await expect(good.subscribe('nope', { ...collect(), transport: 'ws' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const bad = createCorchClient({ baseUrl: server.url, apiKey: 'wrong', sleep: noSleep });
    await expect(bad.subscribe('nope', { ...collect(), transport: 'ws' })).rejects.toMatchObject({ code: 'E_UNAUTHORIZED', status: 401 });
  });

  it('says the server cannot be reached when nothing listens', async () => {
    const client = createCorchClient({ baseUrl: 'http://127.0.0.1:9', sleep: noSleep });
    await expect(client.subscribe('abc', { ...collect(), transport: 'ws' })).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
  });
});

import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/protocol/events.js';
import { WS_CLOSE } from '../../src/protocol/ws.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, range, serve, waitUntil } from './server-harness.js';
import { followWs, wsBase, wsIds } from './ws-harness.js';

afterEach(closeServers);

const TOKEN_CHARS = 2048;
/** About 24 MiB of log: far more than the kernel's socket buffers hold. */
const TOKEN_EVENTS = 12_000;
/** What the server may hold for one connection: one read plus the socket's high-water mark. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

function bigScript(): EventInput[] {
  const [started, progress, chunk, ...rest] = scriptedEvents({ tokens: 0 });
  const token = 'x'.repeat(TOKEN_CHARS);
  const tokens = Array.from(
    { length: TOKEN_EVENTS },
    (): EventInput => ({ event: 'token_stream', data: { tokens: token, agent: 'Coder', chunk_number: 1, stage: 'coder' } }),
  );
  return [started!, progress!, chunk!, ...tokens, ...rest];
}

describe('a paused WebSocket reader', () => {
  it('costs the server a cursor, not a growing buffer, and gets every event once it reads again', async () => {
    const runner = new ScriptedRunner({ pace: 'manual', script: bigScript });
    const server = await serve({ runner });
    const created = await createStream(server);
    const serverSockets: Socket[] = [];
    server.httpServer.on('connection', (socket) => serverSockets.push(socket));
    const follow = followWs(`${wsBase(server.url)}/api/stream/ws/${created.stream_id}`);
    await follow.opened;
    follow.ws.pause();
    const serverSocket = serverSockets[0]!;

    const total = bigScript().length;
    runner.release(created.stream_id, total);
    await server.manager.whenSettled(created.stream_id);
    const entries = await server.manager.store.read(created.stream_id, 0, total);
    const logBytes = entries.reduce((sum, entry) => sum + entry.wsFrame.length, 0);

    let previous = -1;
    await waitUntil(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = serverSocket.bytesWritten;
      const stable = now === previous;
      previous = now;
      return stable;
    }, 'the connection to stall');
    expect(serverSocket.writableLength).toBeLessThan(MAX_BUFFERED_BYTES);
    expect(serverSocket.bytesWritten).toBeLessThan(logBytes / 2);

    follow.ws.resume();
    const read = await follow.closed;
    expect(wsIds(read.messages)).toEqual(range(1, total));
    expect(read.code).toBe(WS_CLOSE.ENDED);
  });
});

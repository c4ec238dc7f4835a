import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/protocol/events.js';
import { createSseDecoder, type DecodedMessage } from '../../src/protocol/sse.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, ids, range, serve, waitUntil } from './server-harness.js';

afterEach(closeServers);

/** Token events of this many characters… */
const TOKEN_CHARS = 2048;
/** …this many times: a log of about 24 MiB, far more than the kernel's socket buffers hold. */
const TOKEN_EVENTS = 12_000;
/** What the server may hold for one connection: one read batch plus the socket's high-water mark. */
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

describe('a slow subscriber', () => {
  it('costs the server a cursor, not a growing buffer, and still gets every event', async () => {
    const runner = new ScriptedRunner({ pace: 'manual', script: bigScript });
    const server = await serve({ runner });
    const created = await createStream(server);
    const serverSockets: Socket[] = [];
    server.httpServer.on('connection', (socket) => serverSockets.push(socket));

    // HTTP/1.0: no chunked encoding, so the body is the raw SSE stream; the client never reads.
    const client = connect(server.port, '127.0.0.1');
    client.pause();
    client.write(`GET ${created.events_url} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
    await waitUntil(() => serverSockets.length === 1 && serverSockets[0]!.bytesWritten > 0, 'the SSE headers');
    const serverSocket = serverSockets[0]!;

    // The run was held back until the subscriber was connected; now it emits everything at once.
    const total = bigScript().length;
    runner.release(created.stream_id, total);
    await server.manager.whenSettled(created.stream_id);
    const entries = await server.manager.store.read(created.stream_id, 0, total);
    const logBytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.frame), 0);
    expect(logBytes).toBeGreaterThan(20 * 1024 * 1024);

    // Let the connection push until the socket is full and it waits for 'drain'.
    let previous = -1;
    await waitUntil(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = serverSocket.bytesWritten;
      const stable = now === previous;
      previous = now;
      return stable;
    }, 'the connection to stall');
    expect(serverSocket.writableLength).toBeLessThan(MAX_BUFFERED_BYTES);
    // Most of the log is still only in the log: it was not copied into the socket.
    expect(serverSocket.bytesWritten).toBeLessThan(logBytes / 2);

    // The client catches up from the server's cursor: every event, in order, then the end.
    const messages = await readAll(client);
    expect(ids(messages)).toEqual(range(1, total));
    expect(messages.at(-1)?.event.event).toBe('task_completed');
  });
});

function readAll(client: Socket): Promise<DecodedMessage[]> {
  return new Promise((resolve, reject) => {
    const messages: DecodedMessage[] = [];
    const decoder = createSseDecoder({ onEvent: (message) => messages.push(message) });
    let head = '';
    let inBody = false;
    client.on('data', (chunk: Buffer) => {
      if (inBody) {
        decoder.feed(chunk);
        return;
      }
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      inBody = true;
      decoder.feed(Buffer.from(head.slice(end + 4), 'latin1'));
    });
    client.on('end', () => resolve(messages));
    client.on('error', reject);
    client.resume();
  });
}

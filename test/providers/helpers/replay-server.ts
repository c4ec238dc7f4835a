import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the replay server. */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Write the body in pieces of this many bytes, one per event-loop turn (1 = byte by byte). */
  chunkBytes?: number;
  /** Destroy the socket after this many body bytes (a dropped connection). */
  dropAfterBytes?: number;
  /** Stop writing after this many body bytes and keep the connection open (a stalled model). */
  hangAfterBytes?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Resolves when the connection of this request closes (for abort tests). */
  closed: Promise<void>;
}

export interface ReplayServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const FIXTURES = new URL('../../fixtures/providers/', import.meta.url);

/** A recorded wire stream from test/fixtures/providers. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function writeScripted(res: ServerResponse, script: ScriptedResponse): Promise<void> {
  res.writeHead(script.status ?? 200, { 'content-type': 'text/event-stream', ...script.headers });
  res.flushHeaders();
  const bytes = Buffer.from(script.body ?? '', 'utf8');
  const stopAt = Math.min(bytes.length, script.dropAfterBytes ?? script.hangAfterBytes ?? bytes.length);
  const step = script.chunkBytes ?? bytes.length;
  for (let i = 0; i < stopAt && !res.destroyed; i += Math.max(1, step)) {
    res.write(bytes.subarray(i, Math.min(stopAt, i + Math.max(1, step))));
    if (step < bytes.length) await nextTurn();
  }
  if (script.dropAfterBytes !== undefined) {
    await nextTurn();
    res.socket?.destroy();
    return;
  }
  if (script.hangAfterBytes !== undefined) return;
  res.end();
}

/**
 * A node:http server on 127.0.0.1, port 0, answering each request with the next scripted response (the
 * last one repeats). It records requests so tests can check what was sent and that a connection closed.
 */
export async function startReplayServer(
  scripts: ScriptedResponse[] | ((req: RecordedRequest, index: number) => ScriptedResponse),
): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        closed: new Promise((resolve) => res.on('close', () => resolve())),
      };
      const index = requests.push(recorded) - 1;
      const script =
        typeof scripts === 'function' ? scripts(recorded, index) : (scripts[Math.min(index, scripts.length - 1)] ?? {});
      void writeScripted(res, script);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeEvent, encodeRetry, type StoredEvent } from '../../src/protocol/index.js';

/** A request as the test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  lastEventId: string | undefined;
  authorization: string | undefined;
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest, index: number) => void;

/** A tiny node:http server on 127.0.0.1 for client tests; `restart` keeps the port (a server restarting). */
export interface TestServer {
  readonly baseUrl: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  setHandler(handler: Handler): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startTestServer(handler: Handler, port = 0): Promise<TestServer> {
  let current = handler;
  const requests: SeenRequest[] = [];
  let server: Server;
  const sockets = new Set<import('node:net').Socket>();
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          body += chunk;
        });
        req.on('end', () => {
          const seen: SeenRequest = {
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            lastEventId: header(req, 'last-event-id'),
            authorization: header(req, 'authorization'),
            body,
          };
          requests.push(seen);
          current(req, res, seen, requests.length - 1);
        });
      });
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const actualPort = await listen(port);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    baseUrl: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    setHandler(next) {
      current = next;
    },
    stop,
    async restart() {
      await listen(actualPort);
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Starts an SSE response the way the corch server does: headers, then `retry:`. */
export function beginSse(res: ServerResponse, retryMs = 10): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
  });
  res.write(encodeRetry(retryMs));
}

export function writeEvents(res: ServerResponse, events: readonly StoredEvent[]): void {
  for (const event of events) res.write(encodeEvent(event.event, event.data, event.data.seq));
}

/** The events after `Last-Event-ID`, as the real server replays them. */
export function eventsAfter(events: readonly StoredEvent[], lastEventId: string | undefined): StoredEvent[] {
  const last = lastEventId === undefined ? 0 : Number(lastEventId);
  return events.filter((event) => event.data.seq > last);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

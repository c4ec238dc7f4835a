import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** An answered `GET …/events` request, whatever carried it. */
export interface OpenedStream {
  status: number;
  /** The answer's Content-Type, when it has one. */
  contentType: string | undefined;
  /** The answer as a fetch `Response` with its body, for mapping a non-2xx status to an error. */
  asResponse(): Promise<Response>;
  /**
   * Hands each body chunk to `onChunk` until it returns true (stop reading), the body ends (resolves) or
   * fails (rejects with the network error).
   */
  read(onChunk: (chunk: Uint8Array) => boolean): Promise<void>;
  /** Stops reading and releases the connection; safe to call more than once. */
  close(): void;
}

/** Opens an event stream: `signal` aborts the request at any point (the returned promises then reject). */
export type SseTransport = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<OpenedStream>;

/**
 * The transport used when no `fetch` is injected: node:http(s) directly. An SSE body is hundreds of small
 * chunks a second; undici's web streams cost about twice a plain socket read per chunk (a promise, a
 * `ReadableStream` read request and a `Uint8Array` view each), which on a 500 tokens/s stream was a few
 * percent of a core for nothing (docs/benchmarks.md, `client`).
 */
export const nodeHttpTransport: SseTransport = (url, headers, signal) =>
  new Promise<OpenedStream>((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'GET', headers, signal });
    request.once('error', reject);
    request.once('response', (response) => {
      request.off('error', reject);
      // Errors after the answer surface through read(); without a listener they would be thrown.
      request.on('error', () => undefined);
      resolve(openedFromNode(response, () => request.destroy()));
    });
    request.end();
  });

function openedFromNode(response: IncomingMessage, destroy: () => void): OpenedStream {
  const type = response.headers['content-type'];
  return {
    status: response.statusCode ?? 0,
    contentType: typeof type === 'string' ? type : undefined,
    async asResponse() {
      const parts: Buffer[] = [];
      for await (const part of response) parts.push(part as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const status = response.statusCode ?? 500;
      // A Response cannot carry a body with a null-body status (204, 304) or a status outside 200–599.
      const body = status === 204 || status === 304 ? null : Buffer.concat(parts);
      return new Response(body, { status: status >= 200 && status <= 599 ? status : 500, statusText: response.statusMessage ?? '', headers });
    },
    read(onChunk) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          response.off('data', onData);
          response.off('end', onEnd);
          response.off('error', onError);
          response.off('close', onClose);
          if (error) reject(error);
          else resolve();
        };
        const onData = (chunk: Buffer) => {
          if (onChunk(chunk)) done();
        };
        const onEnd = () => done();
        const onError = (error: Error) => done(error);
        // A socket closed before the body ended: Node reports it as an error ("aborted") on most paths,
        // but not all; a close without 'end' is a drop either way.
        const onClose = () => (response.complete ? done() : done(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
        response.on('data', onData);
        response.once('end', onEnd);
        response.once('error', onError);
        response.once('close', onClose);
      });
    },
    close() {
      response.destroy();
      destroy();
    },
  };
}

export { fetchTransport } from './fetch-transport.js';

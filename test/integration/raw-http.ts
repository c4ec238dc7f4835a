/** Raw-socket HTTP for tests that send what fetch refuses to: bad request lines, foreign Host headers, hang-ups. */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The status code of the first response, or 0 when the server closed without answering. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The first response's body as text. */
  body: string;
  /** Everything the server sent before closing. */
  raw: string;
}

/** Sends `bytes`, half-closes (unless `keepOpen`), and resolves with the answer once the server closes. */
export function rawRequest(port: number, bytes: string | Buffer, keepOpen = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      // One response is enough: a keep-alive server would otherwise hold the socket open.
      const parsed = parse(raw);
      if (parsed.complete) socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') resolve(parse(raw));
      else reject(error);
    });
    socket.on('close', () => resolve(parse(raw)));
    socket.write(bytes);
    if (!keepOpen) socket.end();
  });
}

/** Opens a socket that sends nothing; resolves once connected. */
export function silentSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves once `socket` is closed (by either side). */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

function parse(raw: string): RawAnswer & { complete: boolean } {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', raw, complete: false };
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  const rest = raw.slice(end + 4);
  const body = Number.isFinite(length) ? rest.slice(0, length) : rest;
  const complete = Number.isFinite(length) && Buffer.byteLength(rest) >= length;
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, raw, complete };
}

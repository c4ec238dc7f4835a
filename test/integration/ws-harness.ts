/** A real `ws` client for the WebSocket integration tests: messages decoded, how the socket closed. */
import { WebSocket } from 'ws';
import { decodeWsMessage, type WsMessage } from '../../src/protocol/ws.js';

export interface WsRead {
  messages: WsMessage[];
  /** The raw text of every message, in order. */
  raw: string[];
  code: number;
  reason: string;
  protocol: string;
}

export interface WsFollow {
  ws: WebSocket;
  /** Resolves once the socket has closed, with everything it received. */
  closed: Promise<WsRead>;
  /** Resolves once the socket is open (rejects if the handshake was refused). */
  opened: Promise<void>;
  read: WsRead;
}

/** Opens `url` (ws://…) and collects every message until the server closes. */
export function followWs(url: string, options: ConstructorParameters<typeof WebSocket>[2] & { protocols?: string[] } = {}): WsFollow {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(url, protocols ?? [], rest);
  const read: WsRead = { messages: [], raw: [], code: 0, reason: '', protocol: '' };
  const opened = new Promise<void>((resolve, reject) => {
    let refused = false;
    ws.once('open', () => {
      read.protocol = ws.protocol;
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => {
      refused = true;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
        ws.terminate();
      });
    });
    ws.once('error', (error) => {
      if (!refused) reject(error);
    });
  });
  opened.catch(() => undefined);
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '<binary>' : data.toString();
    read.raw.push(text);
    read.messages.push(decodeWsMessage(text));
  });
  const closed = new Promise<WsRead>((resolve) => {
    ws.once('close', (code, reason) => {
      read.code = code;
      read.reason = reason.toString('utf8');
      resolve(read);
    });
  });
  ws.on('error', () => undefined);
  return { ws, closed, opened, read };
}

/** The base ws:// URL of a server's http:// one. */
export function wsBase(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/** Ids of the stored events among `messages`. */
export function wsIds(messages: WsMessage[]): number[] {
  return messages.filter((message) => message.id !== undefined).map((message) => message.id as number);
}

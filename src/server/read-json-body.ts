import type { IncomingMessage } from 'node:http';
import { CorchError } from '../protocol/errors.js';

/** Largest request body accepted (1 MiB); larger ones are answered with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads and parses a JSON request body of at most `limit` bytes. Throws CorchError `E_PAYLOAD_TOO_LARGE`
 * (as soon as the declared or received size passes the limit, without reading the rest) or
 * `E_INVALID_JSON`.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () =>
    new CorchError('E_PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`, { status: 413 });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw tooLarge();
    chunks.push(buffer);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Buffer.concat(chunks));
  } catch {
    throw new CorchError('E_INVALID_JSON', 'the request body is not valid UTF-8', { status: 400 });
  }
  if (text.trim() === '') {
    throw new CorchError('E_INVALID_JSON', 'the request body is empty; send a JSON object such as {"task": "…"}', {
      status: 400,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CorchError('E_INVALID_JSON', `the request body is not valid JSON: ${reason}`, { status: 400 });
  }
}

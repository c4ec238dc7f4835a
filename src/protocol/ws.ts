import type { ErrorCode } from './errors.js';
import { type CorchEvent, type EventName, isEventName } from './events.js';

/**
 * The WebSocket transport (DESIGN.md §7), shared by the server and the client: one text message per event,
 * `{"id": <seq>, "event": "<name>", "data": {…}}` (a heartbeat has no `id`), and these close codes.
 */
export const WS_CLOSE = {
  /** The terminal event was sent (or the stream had already ended at the client's cursor): done. */
  ENDED: 1000,
  /** The server is shutting down before it could send the terminal event: resume on another server. */
  GOING_AWAY: 1001,
  /** The server failed to read the stream's log: resume with `?last_event_id=`. */
  INTERNAL: 1011,
  /** The server holds as many event streams as it may (`--max-connections`): try again shortly. */
  TRY_AGAIN_LATER: 1013,
  /** A bad `last_event_id` or `batch_ms` (the reason says which): fix the URL. */
  BAD_REQUEST: 4400,
  /** No such stream (never existed, or expired after its TTL). */
  NOT_FOUND: 4404,
} as const;

export type WsCloseCode = (typeof WS_CLOSE)[keyof typeof WS_CLOSE];

/** The subprotocol the server selects; a client offers it (and may offer a key, see {@link WS_KEY_PROTOCOL_PREFIX}). */
export const WS_PROTOCOL = 'corch';

/**
 * A browser's WebSocket cannot send headers, so it offers its API key as a second subprotocol:
 * `corch.key.<the key in base64url, no padding>`. Subprotocols travel in the `Sec-WebSocket-Protocol`
 * request header, so the key stays out of URLs, history and access logs; the server answers with
 * {@link WS_PROTOCOL} only, never echoing the key.
 */
export const WS_KEY_PROTOCOL_PREFIX = 'corch.key.';

/** The subprotocols a client offers: {@link WS_PROTOCOL}, plus its key when it has one. */
export function wsProtocols(apiKey: string | undefined): string[] {
  if (apiKey === undefined || apiKey === '') return [WS_PROTOCOL];
  return [WS_PROTOCOL, `${WS_KEY_PROTOCOL_PREFIX}${base64url(apiKey)}`];
}

/** The keys offered as subprotocols in a `Sec-WebSocket-Protocol` header (undecodable ones skipped). */
export function keysFromProtocols(header: string | undefined): string[] {
  if (header === undefined) return [];
  const keys: string[] = [];
  for (const item of header.split(',')) {
    const protocol = item.trim();
    if (!protocol.startsWith(WS_KEY_PROTOCOL_PREFIX)) continue;
    const encoded = protocol.slice(WS_KEY_PROTOCOL_PREFIX.length);
    if (/^[A-Za-z0-9_-]+$/.test(encoded)) keys.push(fromBase64url(encoded));
  }
  return keys;
}

/** The close code for an error that ends a WebSocket before its first event. */
export function wsCloseCodeFor(code: ErrorCode): WsCloseCode {
  switch (code) {
    case 'E_NOT_FOUND':
      return WS_CLOSE.NOT_FOUND;
    case 'E_INVALID_REQUEST':
      return WS_CLOSE.BAD_REQUEST;
    case 'E_TOO_MANY_CONNECTIONS':
      return WS_CLOSE.TRY_AGAIN_LATER;
    case 'E_SHUTDOWN':
      return WS_CLOSE.GOING_AWAY;
    default:
      return WS_CLOSE.INTERNAL;
  }
}

/** Most bytes of a close reason (RFC 6455 §5.5: a control frame's payload is at most 125, 2 are the code). */
const MAX_REASON_BYTES = 123;

/** `E_CODE: message`, cut to fit a close frame (on a character boundary). */
export function wsCloseReason(code: string, message: string): string {
  let reason = `${code}: ${message}`;
  const utf8 = new TextEncoder();
  while (utf8.encode(reason).length > MAX_REASON_BYTES) reason = Array.from(reason).slice(0, -1).join('');
  return reason;
}

/** One decoded WebSocket message. */
export interface WsMessage {
  /** The event's seq; undefined for live-only events (heartbeat). */
  id: number | undefined;
  event: CorchEvent;
}

/** Decodes one WebSocket text message; throws an Error saying what was wrong with it. */
export function decodeWsMessage(text: string): WsMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('a WebSocket message that is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object') throw new Error('a WebSocket message that is not a JSON object');
  const { id, event, data } = parsed as { id?: unknown; event?: unknown; data?: unknown };
  if (typeof event !== 'string' || !isEventName(event)) throw new Error(`a WebSocket message with unknown event "${String(event)}"`);
  if (data === null || typeof data !== 'object') throw new Error(`event "${event}" carries data that is not a JSON object`);
  if (id !== undefined && (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)) {
    throw new Error(`event "${event}" carries an id that is not a positive integer`);
  }
  return { id, event: { event: event as EventName, data } as CorchEvent };
}

// btoa/atob and TextEncoder rather than Buffer: this module also runs in browsers (the web page).
function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(encoded: string): string {
  const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

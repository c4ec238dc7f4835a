import type { CorchEvent } from '../protocol/index.js';
import type { SubscribeOptions, TerminalEvent } from './types.js';

/** How one connection ended. Fatal problems are thrown instead. */
export type Outcome =
  | { kind: 'terminal'; event: TerminalEvent }
  | { kind: 'no_content' }
  | { kind: 'dropped'; reason: string };

/** Mutable bookkeeping shared by the connections of one subscription. */
export interface Cursor {
  lastSeq: number;
  retryMs: number;
  /** Consecutive failed attempts; reset as soon as a connection delivers something. */
  attempt: number;
  reconnects: number;
  lost: number;
  /** A (re)connection was answered but nothing has arrived on it yet: the next message confirms it. */
  awaitingFirst: 'connected' | 'reconnected' | null;
  url: string;
  /** `batch_ms` to ask for (0: none). */
  batchMs: number;
}

/** Emits `connected`/`reconnected` once per connection, with the number of events the server no longer had. */
export function confirm(cursor: Cursor, options: SubscribeOptions, lost: number): void {
  const which = cursor.awaitingFirst;
  if (which === null) return;
  cursor.awaitingFirst = null;
  cursor.attempt = 0;
  if (which === 'reconnected') {
    cursor.reconnects += 1;
    options.onNotice?.({ type: 'reconnected', attempt: cursor.reconnects, lost, lastSeq: cursor.lastSeq });
  } else {
    options.onNotice?.({ type: 'connected', url: cursor.url, lost });
  }
}

/** De-duplicates by seq, counts gaps, confirms the (re)connection, and hands the event on. */
export function deliver(cursor: Cursor, options: SubscribeOptions, id: string | undefined, event: CorchEvent): void {
  if (event.event === 'heartbeat') {
    // A heartbeat carries the last stored seq: at or below ours means nothing was missed.
    if (cursor.awaitingFirst !== null && event.data.seq <= cursor.lastSeq) confirm(cursor, options, 0);
    options.onEvent(event);
    return;
  }
  const fromId = id === undefined ? Number.NaN : Number(id);
  const seq = Number.isInteger(fromId) ? fromId : event.data.seq;
  if (seq <= cursor.lastSeq) return;
  const missing = seq - cursor.lastSeq - 1;
  if (missing > 0) cursor.lost += missing;
  confirm(cursor, options, Math.max(0, missing));
  cursor.lastSeq = seq;
  options.onEvent(event);
}
